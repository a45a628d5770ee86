//! Every route the server answers, in one list: method, full path, who may call it, handler.
//! `router` builds the axum router from it, and the integration test `roles` walks it with every
//! kind of caller. The role is not written here but read from the handler's guard (see `roles`),
//! except for `public` routes, which nothing under `/api/v1` may be.

use axum::handler::Handler;
use axum::http::Method;

use super::assets;
use super::roles::{Guarded, Route};
use super::routes::service_desk::{calendars, contacts, queues, routing_rules, sla_policies, technicians};
use super::routes::{agent, alerts, api_keys, audit, channels, clients, devices, downloads, enroll_tokens, health};
use super::routes::{kb, live, maintenance, mfa, openapi, prometheus, reports, rules, session, tickets, users};
use super::state::AppState;

/// Where the JSON API for people and integrations lives; everything under it needs a caller.
pub const API_PREFIX: &str = "/api/v1";

pub fn route_table() -> Vec<Route> {
    vec![
        // The UI, health and metrics, downloads.
        public(Method::GET, "/", assets::index),
        public(Method::GET, "/assets/{*path}", assets::asset),
        public(Method::GET, "/healthz", health::healthz),
        public(Method::GET, "/metrics", prometheus::metrics),
        public(Method::GET, "/install.sh", downloads::install_script),
        public(Method::GET, "/download/{name}", downloads::binary),
        // Logging in and out.
        public(Method::POST, "/auth/login", session::login),
        public(Method::POST, "/auth/login/mfa", session::login_mfa),
        public(Method::POST, "/auth/login/passkey/start", session::login_passkey_start),
        public(Method::POST, "/auth/login/passkey/finish", session::login_passkey_finish),
        post("/auth/logout", session::logout),
        // Agents: enrollment brings its token in the body, then the device credential.
        public(Method::POST, "/agent/v1/enroll", agent::enroll),
        post("/agent/v1/checkin", agent::check_in),
        get("/agent/v1/ping", agent::ping),
        // The caller's own account.
        get("/api/v1/me", session::me),
        post("/api/v1/me/password", session::change_password),
        get("/api/v1/me/sessions", session::my_sessions),
        delete("/api/v1/me/sessions/{id}", session::end_my_session),
        post("/api/v1/me/sessions/end-others", session::end_my_other_sessions),
        get("/api/v1/me/mfa", mfa::status),
        post("/api/v1/me/mfa/totp", mfa::begin),
        post("/api/v1/me/mfa/totp/confirm", mfa::confirm),
        post("/api/v1/me/mfa/totp/disable", mfa::disable),
        post("/api/v1/me/mfa/recovery-codes", mfa::new_recovery_codes),
        get("/api/v1/me/mfa/passkeys", mfa::passkeys),
        post("/api/v1/me/mfa/passkeys/register/start", mfa::passkey_register_start),
        post("/api/v1/me/mfa/passkeys/register/finish", mfa::passkey_register_finish),
        delete("/api/v1/me/mfa/passkeys/{id}", mfa::remove_passkey),
        get("/api/v1/events", live::events),
        get("/api/v1/openapi.json", openapi::openapi),
        // Clients and sites.
        get("/api/v1/clients", clients::list),
        post("/api/v1/clients", clients::create),
        get("/api/v1/clients/{id}", clients::get),
        patch("/api/v1/clients/{id}", clients::update),
        get("/api/v1/clients/{id}/sites", clients::list_sites),
        post("/api/v1/clients/{id}/sites", clients::create_site),
        patch("/api/v1/sites/{id}", clients::update_site),
        // Users and API keys.
        get("/api/v1/users", users::list),
        post("/api/v1/users", users::create),
        get("/api/v1/users/{id}", users::get),
        patch("/api/v1/users/{id}", users::update),
        delete("/api/v1/users/{id}/sessions", users::end_sessions),
        delete("/api/v1/users/{id}/mfa", users::reset_mfa),
        get("/api/v1/api-keys", api_keys::list),
        post("/api/v1/api-keys", api_keys::create),
        delete("/api/v1/api-keys/{id}", api_keys::revoke),
        // Devices and enrollment.
        get("/api/v1/devices", devices::list),
        get("/api/v1/devices/{id}", devices::get),
        get("/api/v1/devices/{id}/series", devices::series),
        get("/api/v1/devices/{id}/software", devices::software),
        get("/api/v1/devices/{id}/events", devices::events),
        put("/api/v1/devices/{id}/tags", devices::set_tags),
        post("/api/v1/devices/{id}/revoke", devices::revoke),
        post("/api/v1/devices/{id}/allow-reenroll", devices::allow_reenroll),
        post("/api/v1/devices/{id}/merge", devices::merge),
        post("/api/v1/devices/{id}/keep", devices::keep),
        get("/api/v1/tags", devices::tags),
        get("/api/v1/metrics", devices::metric_catalog),
        get("/api/v1/dashboard", devices::dashboard),
        get("/api/v1/enroll-tokens", enroll_tokens::list),
        post("/api/v1/enroll-tokens", enroll_tokens::create),
        delete("/api/v1/enroll-tokens/{id}", enroll_tokens::revoke),
        // Monitoring: alert rules, alerts, maintenance windows, notification channels.
        get("/api/v1/rules", rules::list),
        post("/api/v1/rules", rules::create),
        post("/api/v1/rules/preview", rules::preview),
        get("/api/v1/rules/{id}", rules::one),
        patch("/api/v1/rules/{id}", rules::update),
        delete("/api/v1/rules/{id}", rules::remove),
        get("/api/v1/alerts", alerts::list),
        get("/api/v1/alerts/counts", alerts::counts),
        post("/api/v1/alerts/acknowledge", alerts::acknowledge_many),
        get("/api/v1/alerts/{id}", alerts::one),
        post("/api/v1/alerts/{id}/acknowledge", alerts::acknowledge),
        post("/api/v1/alerts/{id}/unacknowledge", alerts::unacknowledge),
        get("/api/v1/maintenance-windows", maintenance::list),
        post("/api/v1/maintenance-windows", maintenance::create),
        get("/api/v1/maintenance-windows/{id}", maintenance::get_one),
        patch("/api/v1/maintenance-windows/{id}", maintenance::update),
        delete("/api/v1/maintenance-windows/{id}", maintenance::remove),
        get("/api/v1/channels", channels::list),
        post("/api/v1/channels", channels::create),
        get("/api/v1/channels/{id}", channels::get_one),
        patch("/api/v1/channels/{id}", channels::update),
        delete("/api/v1/channels/{id}", channels::remove),
        post("/api/v1/channels/{id}/test", channels::send_test),
        get("/api/v1/channels/{id}/deliveries", channels::deliveries),
        get("/api/v1/notifications", channels::notices),
        post("/api/v1/notifications/read", channels::mark_read),
        // Tickets and the knowledge base.
        get("/api/v1/tickets", tickets::list),
        post("/api/v1/tickets", tickets::create),
        post("/api/v1/tickets/bulk", tickets::bulk),
        get("/api/v1/tickets/{id}", tickets::one),
        patch("/api/v1/tickets/{id}", tickets::update),
        post("/api/v1/tickets/{id}/comments", tickets::comment),
        post("/api/v1/tickets/{id}/time", tickets::log_time),
        get("/api/v1/tickets/{id}/articles", kb::ticket_articles),
        post("/api/v1/tickets/{id}/articles", kb::link),
        delete("/api/v1/tickets/{id}/articles/{article_id}", kb::unlink),
        get("/api/v1/kb/articles", kb::list),
        post("/api/v1/kb/articles", kb::create),
        get("/api/v1/kb/articles/{id}", kb::one),
        patch("/api/v1/kb/articles/{id}", kb::update),
        delete("/api/v1/kb/articles/{id}", kb::remove),
        post("/api/v1/kb/preview", kb::preview),
        get("/api/v1/kb/tags", kb::tag_list),
        get("/api/v1/search", kb::search),
        // The service desk's set-up.
        get("/api/v1/queues", queues::list),
        post("/api/v1/queues", queues::create),
        get("/api/v1/queues/{id}", queues::one),
        put("/api/v1/queues/{id}", queues::update),
        delete("/api/v1/queues/{id}", queues::delete),
        get("/api/v1/technicians", technicians::list),
        put("/api/v1/technicians/{id}/schedule", technicians::set_schedule),
        delete("/api/v1/technicians/{id}/schedule", technicians::clear_schedule),
        get("/api/v1/routing-rules", routing_rules::list),
        post("/api/v1/routing-rules", routing_rules::create),
        put("/api/v1/routing-rules/{id}", routing_rules::update),
        delete("/api/v1/routing-rules/{id}", routing_rules::delete),
        get("/api/v1/sla/calendars", calendars::list),
        post("/api/v1/sla/calendars", calendars::create),
        put("/api/v1/sla/calendars/{id}", calendars::update),
        delete("/api/v1/sla/calendars/{id}", calendars::delete),
        get("/api/v1/sla/policies", sla_policies::list),
        post("/api/v1/sla/policies", sla_policies::create),
        put("/api/v1/sla/policies/{id}", sla_policies::update),
        delete("/api/v1/sla/policies/{id}", sla_policies::delete),
        put("/api/v1/clients/{id}/sla-policy", sla_policies::set_client_policy),
        get("/api/v1/contacts", contacts::list),
        post("/api/v1/contacts", contacts::create),
        put("/api/v1/contacts/{id}", contacts::update),
        delete("/api/v1/contacts/{id}", contacts::delete),
        // Reports and the audit log.
        get("/api/v1/reports/sla", reports::sla),
        get("/api/v1/reports/sla.csv", reports::sla_csv),
        get("/api/v1/reports/time", reports::time),
        get("/api/v1/reports/time.csv", reports::time_csv),
        get("/api/v1/audit", audit::list),
        get("/api/v1/audit.csv", audit::csv),
        get("/api/v1/audit/actions", audit::actions),
    ]
}

fn get<H: Handler<T, AppState> + Guarded<M>, T: 'static, M>(path: &'static str, handler: H) -> Route {
    Route::guarded(Method::GET, path, handler)
}

fn post<H: Handler<T, AppState> + Guarded<M>, T: 'static, M>(path: &'static str, handler: H) -> Route {
    Route::guarded(Method::POST, path, handler)
}

fn put<H: Handler<T, AppState> + Guarded<M>, T: 'static, M>(path: &'static str, handler: H) -> Route {
    Route::guarded(Method::PUT, path, handler)
}

fn patch<H: Handler<T, AppState> + Guarded<M>, T: 'static, M>(path: &'static str, handler: H) -> Route {
    Route::guarded(Method::PATCH, path, handler)
}

fn delete<H: Handler<T, AppState> + Guarded<M>, T: 'static, M>(path: &'static str, handler: H) -> Route {
    Route::guarded(Method::DELETE, path, handler)
}

fn public<H: Handler<T, AppState>, T: 'static>(method: Method, path: &'static str, handler: H) -> Route {
    Route::public(method, path, handler)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::server::roles::Access;

    #[test]
    fn nothing_under_the_api_is_public_and_no_route_is_listed_twice() {
        let mut seen = HashSet::new();
        for route in route_table() {
            assert!(seen.insert((route.method.clone(), route.path)), "{route:?} is listed twice");
            if route.path.starts_with(API_PREFIX) {
                assert_ne!(route.access, Access::Public, "{route:?}: every /api/v1 route needs a caller");
            }
            if route.path.starts_with("/agent/v1/") && route.path != "/agent/v1/enroll" {
                assert_eq!(route.access, Access::Device, "{route:?}: agents' routes are for devices");
            }
        }
    }

    #[test]
    fn the_role_is_the_handlers_guards() {
        let access = |method: Method, path: &str| {
            route_table().into_iter().find(|r| r.method == method && r.path == path).map(|r| r.access)
        };
        assert_eq!(access(Method::GET, "/api/v1/audit"), Some(Access::Admin));
        assert_eq!(access(Method::GET, "/api/v1/queues"), Some(Access::Staff));
        assert_eq!(access(Method::GET, "/api/v1/tickets"), Some(Access::Person));
        assert_eq!(access(Method::POST, "/agent/v1/checkin"), Some(Access::Device));
        assert_eq!(access(Method::GET, "/healthz"), Some(Access::Public));
    }
}
