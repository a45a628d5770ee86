//! Maintenance windows through the API: what an admin, a technician and a client contact can do
//! with them, what is refused, and whether `active` and `next` tell the truth about now.

use jiff::{Timestamp, ToSpan, tz::TimeZone};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Session, TestServer};

const WINDOWS: &str = "/api/v1/maintenance-windows";

/// A local date-time ("2026-12-01T22:00") `offset` from now, in `zone`.
fn local(zone: &str, offset: jiff::Span) -> String {
    let t = Timestamp::now().checked_add(offset).unwrap();
    t.to_zoned(TimeZone::get(zone).unwrap()).strftime("%Y-%m-%dT%H:%M").to_string()
}

fn unix(rfc3339: &Value) -> i64 {
    rfc3339.as_str().unwrap().parse::<Timestamp>().unwrap().as_second()
}

async fn client(admin: &Session, body: Value) -> i64 {
    let (status, c) = admin.post("/api/v1/clients", body).await;
    assert_eq!(status, 201, "{c}");
    c["id"].as_i64().unwrap()
}

async fn add(session: &Session, body: Value) -> Value {
    let (status, w) = session.post(WINDOWS, body).await;
    assert_eq!(status, 201, "{w}");
    w
}

async fn names(session: &Session, path: &str) -> Vec<String> {
    let (status, list) = session.get(path).await;
    assert_eq!(status, 200, "{list}");
    list["items"].as_array().unwrap().iter().map(|w| w["name"].as_str().unwrap().to_owned()).collect()
}

fn weekly_sunday_night() -> Value {
    json!({ "kind": "weekly", "days": ["sun"], "start": "23:00", "duration_minutes": 180 })
}

#[tokio::test]
async fn windows_are_added_read_changed_and_removed_in_the_right_time_zone() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let acme = client(&admin, json!({ "name": "Acme", "timezone": "Europe/Berlin" })).await;
    let (status, site) = admin
        .post(&format!("/api/v1/clients/{acme}/sites"), json!({ "name": "NYC office", "timezone": "America/New_York" }))
        .await;
    assert_eq!(status, 201, "{site}");
    let site_id = site["id"].as_i64().unwrap();

    // No time zone given: a client window starts in the client's, a site window in the site's,
    // a global one in UTC; one given is kept.
    let patch_night = add(
        &admin,
        json!({ "name": "Patch night", "scope": "client", "client_id": acme, "schedule": weekly_sunday_night() }),
    )
    .await;
    assert_eq!(patch_night["timezone"], "Europe/Berlin");
    assert_eq!((patch_night["scope"].as_str(), patch_night["client_id"].as_i64()), (Some("client"), Some(acme)));
    assert_eq!(patch_night["client"], "Acme");
    assert_eq!(patch_night["schedule"], weekly_sunday_night());
    assert_eq!(patch_night["enabled"], true);
    let office = add(
        &admin,
        json!({ "name": "Office move", "scope": "site", "site_id": site_id,
                "schedule": { "kind": "once", "starts": "2030-01-05T08:00", "ends": "2030-01-05T18:00" } }),
    )
    .await;
    assert_eq!(office["timezone"], "America/New_York");
    assert_eq!((office["site_id"].as_i64(), office["site"].as_str()), (Some(site_id), Some("NYC office")));
    assert_eq!(office["client_id"].as_i64(), Some(acme), "a site window belongs to the site's client");
    // 08:00 in New York in January is 13:00 UTC.
    assert_eq!(office["next"], json!({ "starts": "2030-01-05T13:00:00Z", "ends": "2030-01-05T23:00:00Z" }));
    let global = add(
        &admin,
        json!({ "name": "Backups", "scope": "global",
                "schedule": { "kind": "cron", "expression": "0 2 * * *", "duration_minutes": 60 } }),
    )
    .await;
    assert_eq!(global["timezone"], "UTC");
    let tagged = add(
        &admin,
        json!({ "name": "Servers", "scope": "tag", "tag": "Server", "timezone": "Asia/Tokyo",
                "schedule": { "kind": "weekly", "days": ["Sat", "mon"], "start": "03:00", "duration_minutes": 60 } }),
    )
    .await;
    assert_eq!((tagged["tag"].as_str(), tagged["timezone"].as_str()), (Some("server"), Some("Asia/Tokyo")));
    assert_eq!(tagged["schedule"]["days"], json!(["mon", "sat"]), "stored in one spelling, in week order");

    assert_eq!(names(&admin, WINDOWS).await, ["Backups", "Office move", "Patch night", "Servers"], "by name");
    assert_eq!(names(&admin, &format!("{WINDOWS}?client_id={acme}")).await, ["Office move", "Patch night"]);
    let (_, page) = admin.get(&format!("{WINDOWS}?limit=3")).await;
    let cursor = page["next_cursor"].as_str().unwrap();
    assert_eq!(names(&admin, &format!("{WINDOWS}?limit=3&cursor={cursor}")).await, ["Servers"], "the second page");

    // Change the name and the schedule; the rest stays.
    let id = patch_night["id"].as_i64().unwrap();
    let cron = json!({ "kind": "cron", "expression": "0 22 * * 1-5", "duration_minutes": 120 });
    let (status, changed) = admin
        .send(Method::PATCH, &format!("{WINDOWS}/{id}"), json!({ "name": "Weeknight patching", "schedule": cron }))
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["name"], "Weeknight patching");
    assert_eq!(changed["schedule"], cron);
    assert_eq!((changed["timezone"].as_str(), changed["client_id"].as_i64()), (Some("Europe/Berlin"), Some(acme)));
    let (status, read) = admin.get(&format!("{WINDOWS}/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(read["name"], "Weeknight patching", "the change was stored");
    let (status, moved) = admin
        .send(
            Method::PATCH,
            &format!("{WINDOWS}/{id}"),
            json!({ "scope": "site", "site_id": site_id, "enabled": false }),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!((moved["scope"].as_str(), moved["enabled"].as_bool()), (Some("site"), Some(false)));
    assert_eq!(moved["next"], Value::Null, "a disabled window has nothing to come");

    let (status, _) = admin.send(Method::DELETE, &format!("{WINDOWS}/{id}"), json!(null)).await;
    assert_eq!(status, 204);
    assert_eq!(admin.get(&format!("{WINDOWS}/{id}")).await.0, 404);
    assert_eq!(admin.send(Method::DELETE, &format!("{WINDOWS}/{id}"), json!(null)).await.0, 404);
    assert_eq!(names(&admin, WINDOWS).await, ["Backups", "Office move", "Servers"]);
}

#[tokio::test]
async fn each_bad_field_is_a_400_that_names_it_and_nothing_is_stored() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let acme = client(&admin, json!({ "name": "Acme" })).await;
    let good =
        json!({ "name": "Patch night", "scope": "client", "client_id": acme, "schedule": weekly_sunday_night() });
    let with = |changes: Value| {
        let mut body = good.clone();
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                body.as_object_mut().unwrap().remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        body
    };
    let weekly = |days: Value, start: &str, minutes: i64| json!({ "schedule": { "kind": "weekly", "days": days, "start": start, "duration_minutes": minutes } });
    let cases = [
        (with(json!({ "name": "  " })), "name"),
        (with(json!({ "name": null })), "name"),
        (with(json!({ "scope": null, "client_id": null })), "scope"),
        (with(json!({ "scope": "planet" })), "scope"),
        (with(json!({ "client_id": null })), "client_id"),
        (with(json!({ "scope": "global", "client_id": acme })), "client_id"),
        (with(json!({ "scope": "tag", "client_id": null, "tag": "two words" })), "tag"),
        (with(json!({ "schedule": null })), "schedule"),
        (with(json!({ "schedule": { "kind": "monthly", "day": 1 } })), "schedule"),
        (with(weekly(json!(["sun", "funday"]), "23:00", 60)), "schedule.days"),
        (with(weekly(json!([]), "23:00", 60)), "schedule.days"),
        (with(weekly(json!(["sun"]), "25:00", 60)), "schedule.start"),
        (with(weekly(json!(["sun"]), "11pm", 60)), "schedule.start"),
        (with(weekly(json!(["sun"]), "23:00", 0)), "schedule.duration_minutes"),
        (with(weekly(json!(["sun"]), "23:00", 7 * 24 * 60 + 1)), "schedule.duration_minutes"),
        (
            with(json!({ "schedule": { "kind": "cron", "expression": "0 22 * * *", "duration_minutes": 0 } })),
            "schedule.duration_minutes",
        ),
        (
            with(json!({ "schedule": { "kind": "once", "starts": "2030-01-02T08:00", "ends": "2030-01-01T08:00" } })),
            "schedule.ends",
        ),
        (
            with(json!({ "schedule": { "kind": "once", "starts": "next tuesday", "ends": "2030-01-01T08:00" } })),
            "schedule.starts",
        ),
        (
            with(json!({ "schedule": { "kind": "cron", "expression": "every night", "duration_minutes": 60 } })),
            "schedule.expression",
        ),
        (
            with(json!({ "schedule": { "kind": "cron", "expression": "0 0 30 2 *", "duration_minutes": 60 } })),
            "schedule.expression",
        ),
        (with(json!({ "timezone": "Mars/Olympus" })), "timezone"),
    ];
    for (body, field) in &cases {
        let (status, answer) = admin.post(WINDOWS, body.clone()).await;
        assert_eq!(status, 400, "{body} → {answer}");
        assert_eq!(answer["detail"]["field"], *field, "{body} → {answer}");
        let sentence = answer["error"].as_str().unwrap();
        assert!(sentence.contains(field.trim_start_matches("schedule.")), "the sentence names {field}: {sentence}");
    }
    // A scope naming a row that does not exist is a 404 that names the field.
    let missing = [
        (with(json!({ "client_id": 9999 })), "client_id"),
        (with(json!({ "scope": "site", "client_id": null, "site_id": 9999 })), "site_id"),
        (with(json!({ "scope": "device", "client_id": null, "device_id": 9999 })), "device_id"),
    ];
    for (body, field) in &missing {
        let (status, answer) = admin.post(WINDOWS, body.clone()).await;
        assert_eq!(status, 404, "{body} → {answer}");
        assert_eq!(answer["detail"]["field"], *field, "{body} → {answer}");
        assert!(answer["error"].as_str().unwrap().contains(field), "the sentence names {field}: {answer}");
    }
    assert_eq!(names(&admin, WINDOWS).await, Vec::<String>::new(), "nothing was stored");

    // A bad change to a stored window leaves it as it was.
    let w = add(&admin, good.clone()).await;
    let id = w["id"].as_i64().unwrap();
    for (body, status_and_field) in [
        (
            json!({ "name": "Renamed", "schedule": { "kind": "weekly", "days": ["sun"], "start": "23:00", "duration_minutes": 0 } }),
            (400, "schedule.duration_minutes"),
        ),
        (json!({ "name": "Renamed", "timezone": "Europe/Atlantis" }), (400, "timezone")),
        // A client that does not exist: 404, naming the field.
        (json!({ "name": "Renamed", "scope": "client", "client_id": 9999 }), (404, "client_id")),
    ] {
        let (status, answer) = admin.send(Method::PATCH, &format!("{WINDOWS}/{id}"), body).await;
        let (want_status, field) = status_and_field;
        assert_eq!((status, answer["detail"]["field"].as_str()), (want_status, Some(field)), "{answer}");
    }
    let (_, mut unchanged) = admin.get(&format!("{WINDOWS}/{id}")).await;
    let mut w = w;
    for answer in [&mut unchanged, &mut w] {
        // What is computed at answer time may differ between the two answers; the rest may not.
        let fields = answer.as_object_mut().unwrap();
        fields.remove("active");
        fields.remove("next");
    }
    assert_eq!(unchanged, w, "the refused changes left no trace");
}

#[tokio::test]
async fn client_contacts_see_only_their_clients_windows_and_change_none() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let acme = client(&admin, json!({ "name": "Acme" })).await;
    let other = client(&admin, json!({ "name": "Other Co" })).await;
    let (_, site) = admin.post(&format!("/api/v1/clients/{acme}/sites"), json!({ "name": "Head office" })).await;
    let schedule = weekly_sunday_night();
    add(&admin, json!({ "name": "Acme nights", "scope": "client", "client_id": acme, "schedule": schedule })).await;
    add(&admin, json!({ "name": "Acme office", "scope": "site", "site_id": site["id"], "schedule": schedule })).await;
    let others =
        add(&admin, json!({ "name": "Other nights", "scope": "client", "client_id": other, "schedule": schedule }))
            .await;
    let global = add(&admin, json!({ "name": "Everyone", "scope": "global", "schedule": schedule })).await;
    add(&admin, json!({ "name": "Servers", "scope": "tag", "tag": "server", "schedule": schedule })).await;

    for (email, role, client_id) in
        [("carl@acme.example", "client", Some(acme)), ("tess@msp.example", "technician", None)]
    {
        let mut body = json!({ "email": email, "role": role, "password": "long-enough-pass" });
        if let Some(id) = client_id {
            body["client_id"] = json!(id);
        }
        let (status, user) = admin.post("/api/v1/users", body).await;
        assert_eq!(status, 201, "{user}");
    }
    let carl = Session::login(&server, "carl@acme.example", "long-enough-pass").await;
    assert_eq!(names(&carl, WINDOWS).await, ["Acme nights", "Acme office"], "their client's and its site's only");
    assert_eq!(names(&carl, &format!("{WINDOWS}?client_id={other}")).await, ["Acme nights", "Acme office"]);
    assert_eq!(carl.get(&format!("{WINDOWS}/{}", others["id"])).await.0, 404, "another client's is invisible");
    assert_eq!(carl.get(&format!("{WINDOWS}/{}", global["id"])).await.0, 404, "the MSP's global ones too");
    let (status, _) =
        carl.post(WINDOWS, json!({ "name": "Mine", "scope": "client", "client_id": acme, "schedule": schedule })).await;
    assert_eq!(status, 403, "client contacts do not schedule maintenance");
    let own = names(&admin, &format!("{WINDOWS}?client_id={acme}")).await;
    assert_eq!(own, ["Acme nights", "Acme office"], "nothing was added");
    let (_, listed) = carl.get(WINDOWS).await;
    let acme_window = listed["items"][0]["id"].as_i64().unwrap();
    let path = format!("{WINDOWS}/{acme_window}");
    assert_eq!(carl.send(Method::PATCH, &path, json!({ "enabled": false })).await.0, 403);
    assert_eq!(carl.send(Method::DELETE, &path, json!(null)).await.0, 403);
    assert_eq!(admin.get(&path).await.1["enabled"], true, "unchanged");

    // Technicians schedule maintenance in practice: they may add, change and remove.
    let tess = Session::login(&server, "tess@msp.example", "long-enough-pass").await;
    let added =
        add(&tess, json!({ "name": "Tess's night", "scope": "client", "client_id": other, "schedule": schedule }))
            .await;
    let tess_path = format!("{WINDOWS}/{}", added["id"]);
    assert_eq!(tess.send(Method::PATCH, &tess_path, json!({ "enabled": false })).await.0, 200);
    assert_eq!(tess.send(Method::DELETE, &tess_path, json!(null)).await.0, 204);
    assert_eq!(names(&tess, WINDOWS).await.len(), 5, "staff see every window");
}

#[tokio::test]
async fn active_is_true_exactly_for_windows_that_cover_now() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let now = Timestamp::now().as_second();
    let once = |name: &str, zone: &str, from: jiff::Span, to: jiff::Span| {
        json!({ "name": name, "scope": "global", "timezone": zone,
                "schedule": { "kind": "once", "starts": local(zone, from), "ends": local(zone, to) } })
    };
    let every_day = |name: &str, start: String, minutes: i64| {
        json!({ "name": name, "scope": "global", "timezone": "UTC",
                "schedule": { "kind": "weekly", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                              "start": start, "duration_minutes": minutes } })
    };
    let hhmm = |offset: jiff::Span| local("UTC", offset)[11..].to_owned();

    let on = add(&admin, once("now", "UTC", (-1).hour(), 1.hour())).await;
    assert_eq!(on["active"], true, "{on}");
    assert!(unix(&on["next"]["starts"]) <= now && now < unix(&on["next"]["ends"]), "next is the one in progress: {on}");
    let later = add(&admin, once("tomorrow", "UTC", 24.hours(), 25.hours())).await;
    assert_eq!(later["active"], false, "{later}");
    assert!(unix(&later["next"]["starts"]) > now + 23 * 3600, "{later}");
    let past = add(&admin, once("yesterday", "UTC", (-25).hours(), (-24).hours())).await;
    assert_eq!((past["active"].as_bool(), &past["next"]), (Some(false), &Value::Null), "{past}");

    // The same wall-clock times mean another instant in another zone: Tokyo is 9 h ahead of UTC
    // all year, so "now" in Tokyo's clocks is 9 hours in the future in UTC's.
    let tokyo = add(&admin, once("tokyo", "Asia/Tokyo", (-1).hour(), 1.hour())).await;
    assert_eq!(tokyo["active"], true, "{tokyo}");
    let mut utc_clock = once("tokyo clock read as UTC", "UTC", (-1).hour(), 1.hour());
    utc_clock["schedule"] = tokyo["schedule"].clone();
    let shifted = add(&admin, utc_clock).await;
    assert_eq!(shifted["active"], false, "{shifted}");

    // A daily window that began half an hour ago (maybe yesterday, across midnight) is on; one
    // that begins in three hours is not.
    let daily_on = add(&admin, every_day("daily on", hhmm((-30).minutes()), 120)).await;
    assert_eq!(daily_on["active"], true, "{daily_on}");
    let daily_off = add(&admin, every_day("daily off", hhmm(3.hours()), 60)).await;
    assert_eq!(daily_off["active"], false, "{daily_off}");

    // Disabled, a covering window is not active.
    let id = on["id"].as_i64().unwrap();
    let (_, off) = admin.send(Method::PATCH, &format!("{WINDOWS}/{id}"), json!({ "enabled": false })).await;
    assert_eq!(off["active"], false, "{off}");

    // The list says the same as the single answers.
    let (_, list) = admin.get(WINDOWS).await;
    let active: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["active"] == true)
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(active, ["daily on", "tokyo"]);
}

#[tokio::test]
async fn a_clients_time_zone_is_set_read_changed_and_checked() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let plain = client(&admin, json!({ "name": "Plain" })).await;
    let (_, read) = admin.get(&format!("/api/v1/clients/{plain}")).await;
    assert_eq!(read["timezone"], "UTC", "the default");

    let (status, created) =
        admin.post("/api/v1/clients", json!({ "name": "Berlin GmbH", "timezone": "Europe/Berlin" })).await;
    assert_eq!((status, created["timezone"].as_str()), (201, Some("Europe/Berlin")), "{created}");
    let id = created["id"].as_i64().unwrap();
    let (_, read) = admin.get(&format!("/api/v1/clients/{id}")).await;
    assert_eq!(read["timezone"], "Europe/Berlin");

    let path = format!("/api/v1/clients/{id}");
    let (status, changed) = admin.send(Method::PATCH, &path, json!({ "timezone": "America/New_York" })).await;
    assert_eq!((status, changed["timezone"].as_str()), (200, Some("America/New_York")), "{changed}");
    assert_eq!(changed["name"], "Berlin GmbH", "the rest stays");
    let (_, list) = admin.get("/api/v1/clients?q=Berlin").await;
    assert_eq!(list["items"][0]["timezone"], "America/New_York");

    let (status, bad) = admin.send(Method::PATCH, &path, json!({ "timezone": "Europe/Atlantis" })).await;
    assert_eq!((status, bad["detail"]["field"].as_str()), (400, Some("timezone")), "{bad}");
    let (status, bad) = admin.post("/api/v1/clients", json!({ "name": "Nowhere", "timezone": "Nowhere/Land" })).await;
    assert_eq!((status, bad["detail"]["field"].as_str()), (400, Some("timezone")), "{bad}");
    assert_eq!(admin.get(&path).await.1["timezone"], "America/New_York", "a refused change changes nothing");
    assert_eq!(admin.get("/api/v1/clients?q=Nowhere").await.1["items"], json!([]), "a refused client is not added");

    // The zone is what the client's new windows start in.
    let w =
        add(&admin, json!({ "name": "Nights", "scope": "client", "client_id": id, "schedule": weekly_sunday_night() }))
            .await;
    assert_eq!(w["timezone"], "America/New_York");
}
