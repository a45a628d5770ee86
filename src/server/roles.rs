//! Who may call a route, as types. A handler names its callers in its signature: it takes
//! `Person`, `Staff`, `Admin` or `Device` as its first argument (or its second, after `State`),
//! and that extractor refuses everyone else before the handler runs. The route table
//! (`server::route_table`) reads the role from the handler's type, so the table cannot say
//! anything else than what the handler enforces, and a handler that takes none of them cannot be
//! put in the table except as `public`.
//!
//! Refusals: no or bad credentials answer 401, a known caller of the wrong kind 403, both before
//! the path's ids are looked at, so a refused caller learns nothing about which objects exist. A
//! client contact who may call a route but asks for another client's object gets 404, as for an
//! id that does not exist (that scoping is the handler's, with `Caller::client_scope`).
//!
//! Rejected: a `Role` const generic on one extractor type (`Caller<STAFF>`): the table then needs
//! a trait on the const anyway, and `Staff(caller)` reads better in a signature.

use std::ops::Deref;

use axum::extract::{FromRequestParts, State};
use axum::handler::Handler;
use axum::http::{Method, header, request::Parts};
use axum::routing::{MethodFilter, MethodRouter};
use serde_json::json;

use super::auth::Caller;
use super::error::ApiError;
use super::live::Live;
use super::state::AppState;
use crate::auth::sha256;
use crate::db::devices::{self, Credential};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Anyone: the UI's files, health, login, agent enrollment (which brings its own token), and
    /// `/metrics` (behind its own token when one is configured).
    Public,
    /// Any logged-in person, client contacts included; what a client contact sees is narrowed to
    /// their own client by the handler.
    Person,
    /// The MSP's staff: technicians and admins.
    Staff,
    /// Admins only.
    Admin,
    /// An enrolled agent, with its device credential; people are refused.
    Device,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::Person => "person",
            Access::Staff => "staff",
            Access::Admin => "admin",
            Access::Device => "device",
        }
    }
}

/// An extractor that decides who may call a route.
pub trait Guard: FromRequestParts<AppState, Rejection = ApiError> {
    const ACCESS: Access;
}

/// Any logged-in person (admin, technician or client contact).
#[derive(Debug, Clone)]
pub struct Person(pub Caller);

/// A technician or an admin.
#[derive(Debug, Clone)]
pub struct Staff(pub Caller);

/// An admin.
#[derive(Debug, Clone)]
pub struct Admin(pub Caller);

/// An enrolled, not revoked device, by id, from `Authorization: Bearer <device id>:<secret>`.
#[derive(Debug, Clone, Copy)]
pub struct Device(pub i64);

/// A device sending a check-in: `Device`, and a refusal also counts in
/// `steward_checkins_refused_total` (bad credentials, like a bad body, are a refused check-in).
#[derive(Debug, Clone, Copy)]
pub struct CheckingIn(pub i64);

macro_rules! person_guard {
    ($name:ident, $access:expr, $check:expr) => {
        impl FromRequestParts<AppState> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
                let caller = Caller::from_request_parts(parts, state).await?;
                let check: fn(&Caller) -> Result<(), ApiError> = $check;
                check(&caller)?;
                Ok($name(caller))
            }
        }

        impl Guard for $name {
            const ACCESS: Access = $access;
        }

        impl Deref for $name {
            type Target = Caller;
            fn deref(&self) -> &Caller {
                &self.0
            }
        }
    };
}

person_guard!(Person, Access::Person, |_| Ok(()));
person_guard!(Staff, Access::Staff, |caller| match caller.is_staff() {
    true => Ok(()),
    false => Err(ApiError::forbidden("Only the MSP's staff may do this.")),
});
person_guard!(Admin, Access::Admin, |caller| match caller.is_admin() {
    true => Ok(()),
    false => Err(ApiError::forbidden("Only an admin may do this.")),
});

impl FromRequestParts<AppState> for Device {
    type Rejection = ApiError;

    /// A revoked device is told so (403, `"revoked": true`, with staff's reason) so its agent can
    /// stop instead of retrying.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let refused = || ApiError::unauthorized("The device credentials are not valid; enroll this machine again.");
        let value = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or_else(refused)?;
        let credential = value.strip_prefix("Bearer ").ok_or_else(refused)?;
        let (id, hash) = parse_credential(credential).ok_or_else(refused)?;
        match state.db.read(move |c| devices::authenticate(c, id, &hash)).await? {
            Credential::Valid(id) => Ok(Device(id)),
            Credential::Revoked { device_id, reason } => {
                let mut e = ApiError::forbidden(format!(
                    "Device {device_id} was revoked by the MSP's staff: {reason}. The agent stops reporting; \
                     enroll this machine again with a new token to bring it back."
                ));
                e.detail = Some(json!({ "revoked": true, "reason": reason }));
                Err(e)
            }
            Credential::Invalid => Err(refused()),
        }
    }
}

impl Guard for Device {
    const ACCESS: Access = Access::Device;
}

impl FromRequestParts<AppState> for CheckingIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match Device::from_request_parts(parts, state).await {
            Ok(Device(id)) => Ok(CheckingIn(id)),
            Err(e) => {
                Live::add(&state.live.checkins_refused, 1);
                Err(e)
            }
        }
    }
}

impl Guard for CheckingIn {
    const ACCESS: Access = Access::Device;
}

/// `<id>:<secret>` as (id, SHA-256 of the secret), when it has that shape.
pub(crate) fn parse_credential(credential: &str) -> Option<(i64, [u8; 32])> {
    let (id, secret) = credential.trim().split_once(':')?;
    Some((id.parse().ok()?, sha256(secret.as_bytes())))
}

/// Implemented for every handler whose first argument, or whose second after `State`, is a
/// `Guard`; `ACCESS` is that guard's. `M` only tells the two shapes (and the arities) apart.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not say who may call it",
    label = "a route's handler takes Person, Staff, Admin or Device first (or second, after State)",
    note = "a route anyone may call goes in the table with `public`"
)]
pub trait Guarded<M> {
    const ACCESS: Access;
}

/// Marks the handler shape `fn(guard, ...)`.
pub enum GuardFirst {}
/// Marks the handler shape `fn(State<AppState>, guard, ...)`.
pub enum GuardAfterState {}

macro_rules! guarded {
    ($($arg:ident),*) => {
        impl<F, Fut, G: Guard, $($arg,)*> Guarded<(GuardFirst, G, $($arg,)*)> for F
        where
            F: FnOnce(G, $($arg,)*) -> Fut,
        {
            const ACCESS: Access = G::ACCESS;
        }

        impl<F, Fut, G: Guard, $($arg,)*> Guarded<(GuardAfterState, G, $($arg,)*)> for F
        where
            F: FnOnce(State<AppState>, G, $($arg,)*) -> Fut,
        {
            const ACCESS: Access = G::ACCESS;
        }
    };
}

guarded!();
guarded!(A1);
guarded!(A1, A2);
guarded!(A1, A2, A3);
guarded!(A1, A2, A3, A4);
guarded!(A1, A2, A3, A4, A5);
guarded!(A1, A2, A3, A4, A5, A6);

/// One route: method, path (in full, `/api/v1/...`), who may call it, and its handler.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub(crate) handler: MethodRouter<AppState>,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({})", self.method, self.path, self.access.as_str())
    }
}

impl Route {
    /// A route whose handler's guard says who may call it.
    pub fn guarded<H, T, M>(method: Method, path: &'static str, handler: H) -> Route
    where
        H: Handler<T, AppState> + Guarded<M>,
        T: 'static,
    {
        let access = <H as Guarded<M>>::ACCESS;
        Route { handler: axum::routing::on(filter(&method), handler), method, path, access }
    }

    /// A route anyone may call. Nothing under `/api/v1` is public (`server::route_table`'s
    /// tests and the integration test `roles` check it).
    pub fn public<H, T>(method: Method, path: &'static str, handler: H) -> Route
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        Route { handler: axum::routing::on(filter(&method), handler), method, path, access: Access::Public }
    }
}

fn filter(method: &Method) -> MethodFilter {
    MethodFilter::try_from(method.clone()).unwrap_or_else(|_| panic!("no route takes the method {method}"))
}
