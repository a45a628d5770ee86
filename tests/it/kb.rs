//! The knowledge base through the API: writing, listing and searching articles, their safe
//! rendering, what client contacts may read, versioned changes, links from tickets with the
//! suggestions a ticket's subject brings, and search across tickets and articles.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Session, TestServer, add_client};

/// Matched words in search snippets sit between these (private-use characters, never HTML).
const MARK_START: char = '\u{E000}';
const MARK_END: char = '\u{E001}';

/// Percent-encodes a query-string value.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A client contact of `client_id`, logged in.
async fn contact(server: &TestServer, admin: &Session, email: &str, client_id: i64) -> Session {
    let body = json!({ "email": email, "name": "Carl", "role": "client", "client_id": client_id,
                       "password": "client-contact-pass" });
    let (status, u) = admin.post("/api/v1/users", body).await;
    assert_eq!(status, 201, "{u}");
    Session::login(server, email, "client-contact-pass").await
}

async fn article(s: &Session, title: &str, body: &str, visibility: &str, tags: &[&str]) -> Value {
    let (status, a) = s
        .post("/api/v1/kb/articles", json!({ "title": title, "body": body, "visibility": visibility, "tags": tags }))
        .await;
    assert_eq!(status, 201, "{a}");
    a
}

async fn ticket(s: &Session, client_id: i64, subject: &str, description: &str) -> i64 {
    let body = json!({ "subject": subject, "description": description, "priority": "P3", "client_id": client_id });
    let (status, t) = s.post("/api/v1/tickets", body).await;
    assert_eq!(status, 201, "{t}");
    t["id"].as_i64().unwrap()
}

fn ids(items: &Value) -> Vec<i64> {
    items.as_array().unwrap_or_else(|| panic!("a list: {items}")).iter().map(|a| a["id"].as_i64().unwrap()).collect()
}

async fn listed(s: &Session, query: &str) -> Vec<i64> {
    let (status, page) = s.get(&format!("/api/v1/kb/articles{query}")).await;
    assert_eq!(status, 200, "{query}: {page}");
    ids(&page["items"])
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

#[tokio::test]
async fn articles_are_written_found_by_their_words_and_rendered_safely() {
    let server = TestServer::start();
    let admin = server.admin().await;

    let printer = article(
        &admin,
        "Printer jams on tray 2",
        "Open the tray and **remove** the crumpled paper.\n\n| Step | What |\n| --- | --- |\n| 1 | Clean the rollers |",
        "client",
        &["Printing", "hardware", "printing"],
    )
    .await;
    assert_eq!(printer["tags"], json!(["printing", "hardware"]), "lower-cased, once each");
    assert_eq!((printer["version"].as_i64(), printer["visibility"].as_str()), (Some(1), Some("client")));
    let html = printer["html"].as_str().unwrap();
    assert!(html.contains("<strong>remove</strong>") && html.contains("<td>Clean the rollers</td>"), "{html}");

    let attack = article(
        &admin,
        "VPN setup",
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[click](javascript:alert(3)) [also]( JaVaScRiPt:alert(4))",
        "internal",
        &[],
    )
    .await;
    let (status, read) = admin.get(&format!("/api/v1/kb/articles/{}", id(&attack))).await;
    assert_eq!(status, 200);
    let html = read["html"].as_str().unwrap();
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "raw HTML is shown as text: {html}");
    assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("href"), "{html}");
    assert!(html.contains("click") && html.contains("also"), "unsafe links keep their text: {html}");
    assert_eq!(read["body"], attack["body"], "the source is kept as written");
    assert_eq!(read["visibility"], "internal");

    // The list: newest change first, bodies as plain-text excerpts.
    let (status, page) = admin.get("/api/v1/kb/articles").await;
    assert_eq!(status, 200);
    assert_eq!(ids(&page["items"]), [id(&attack), id(&printer)]);
    let first = &page["items"][1];
    assert!(first["excerpt"].as_str().unwrap().starts_with("Open the tray and remove the crumpled paper."), "{first}");
    for field in ["title", "visibility", "tags", "author", "updated_at", "version"] {
        assert!(first.get(field).is_some(), "{field} in {first}");
    }
    assert_eq!(page["next_cursor"], Value::Null);
    let (_, first_page) = admin.get("/api/v1/kb/articles?limit=1").await;
    let cursor = first_page["next_cursor"].as_str().expect("a second page");
    assert_eq!(listed(&admin, &format!("?limit=1&cursor={cursor}")).await, [id(&printer)]);

    // Full-text: a word of the body, a prefix, another form of the word, a tag.
    assert_eq!(listed(&admin, "?q=crumpled").await, [id(&printer)]);
    assert_eq!(listed(&admin, "?q=crump").await, [id(&printer)], "the last word is a prefix");
    assert_eq!(listed(&admin, "?q=rollers%20jam").await, [id(&printer)]);
    assert_eq!(listed(&admin, "?q=printers").await, [id(&printer)], "stemmed");
    assert!(listed(&admin, "?q=crumpled%20vpn").await.is_empty(), "every word must match");
    assert_eq!(listed(&admin, "?tag=printing").await, [id(&printer)]);
    assert_eq!(listed(&admin, "?visibility=internal").await, [id(&attack)]);
    assert_eq!(listed(&admin, "?q=tray&visibility=client&tag=hardware").await, [id(&printer)]);
    // What people type is searched for as text, never read as FTS5 syntax.
    for q in
        ["\"", "*", "(", ")", "NEAR", "NEAR(tray paper)", "-", "-tray", "tray\" OR \"vpn", "title:vpn", "tray*)", "^"]
    {
        let (status, page) = admin.get(&format!("/api/v1/kb/articles?q={}", enc(q))).await;
        assert_eq!(status, 200, "{q:?}: {page}");
        let (status, found) = admin.get(&format!("/api/v1/search?q={}", enc(q))).await;
        assert_eq!(status, 200, "{q:?}: {found}");
    }
    assert_eq!(listed(&admin, &format!("?q={}", enc("(tray)"))).await, [id(&printer)]);
    assert_eq!(listed(&admin, &format!("?q={}", enc("\"vpn\""))).await, [id(&attack)]);

    let (status, tags) = admin.get("/api/v1/kb/tags").await;
    assert_eq!(status, 200);
    assert_eq!(tags["items"], json!([{ "tag": "hardware", "count": 1 }, { "tag": "printing", "count": 1 }]));

    let (status, preview) = admin.post("/api/v1/kb/preview", json!({ "body": "# Hi\n\n<b onclick=x>bold</b>" })).await;
    assert_eq!(status, 200);
    assert_eq!(preview["html"], "<h1>Hi</h1>\n<p>&lt;b onclick=x&gt;bold&lt;/b&gt;</p>\n");

    // Bad fields are named.
    for (body, field) in [
        (json!({ "body": "no title" }), "title"),
        (json!({ "title": "   " }), "title"),
        (json!({ "title": "t".repeat(201) }), "title"),
        (json!({ "title": "Long", "body": "b".repeat(100_001) }), "body"),
        (json!({ "title": "Vis", "visibility": "public" }), "visibility"),
        (json!({ "title": "Tags", "tags": ["a/b"] }), "tags"),
        (json!({ "title": "Tags", "tags": ["x".repeat(41)] }), "tags"),
        (json!({ "title": "Tags", "tags": (0..21).map(|i| format!("t{i}")).collect::<Vec<_>>() }), "tags"),
    ] {
        let (status, e) = admin.post("/api/v1/kb/articles", body).await;
        assert_eq!((status, e["detail"]["field"].as_str()), (400, Some(field)), "{e}");
    }
    assert_eq!(listed(&admin, "").await.len(), 2, "refused articles were not written");
}

#[tokio::test]
async fn a_stale_change_is_refused_with_the_article_as_it_is_now() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let a = article(&admin, "Reset a password", "Use the admin console.", "internal", &["accounts"]).await;
    let path = format!("/api/v1/kb/articles/{}", id(&a));

    let (status, changed) =
        admin.send(Method::PATCH, &path, json!({ "version": 1, "title": "Reset a user's password" })).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!((changed["version"].as_i64(), changed["title"].as_str()), (Some(2), Some("Reset a user's password")));
    assert_eq!(changed["body"], "Use the admin console.", "fields not sent stay");

    // Someone who read version 1 saves their draft: refused, with what the article is now.
    let (status, e) = admin.send(Method::PATCH, &path, json!({ "version": 1, "body": "My draft" })).await;
    assert_eq!(status, 409, "{e}");
    assert_eq!(
        (e["detail"]["version"].as_i64(), e["detail"]["title"].as_str()),
        (Some(2), Some("Reset a user's password"))
    );
    assert_eq!(e["detail"]["body"], "Use the admin console.", "the draft was not written");

    let (status, e) = admin.send(Method::PATCH, &path, json!({ "body": "no version" })).await;
    assert_eq!((status, e["detail"]["field"].as_str()), (400, Some("version")));
    let (status, e) = admin.send(Method::PATCH, &path, json!({ "version": 2, "tags": ["Bad!"] })).await;
    assert_eq!((status, e["detail"]["field"].as_str()), (400, Some("tags")));

    let (status, changed) = admin
        .send(
            Method::PATCH,
            &path,
            json!({ "version": 2, "body": "Use **Users**.", "visibility": "client", "tags": [] }),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["version"], 3);
    assert_eq!(changed["html"], "<p>Use <strong>Users</strong>.</p>\n");
    assert_eq!(changed["tags"], json!([]));
    assert!(listed(&admin, "?q=console").await.is_empty(), "the search index follows the change");
    assert_eq!(listed(&admin, "?q=users").await, [id(&a)]);

    let (status, _) = admin.send(Method::DELETE, &path, json!({})).await;
    assert_eq!(status, 204);
    assert_eq!(admin.get(&path).await.0, 404);
    assert_eq!(admin.send(Method::DELETE, &path, json!({})).await.0, 404);
    assert!(listed(&admin, "?q=users").await.is_empty());
    let (status, e) = admin.send(Method::PATCH, &path, json!({ "version": 3, "title": "Gone" })).await;
    assert_eq!(status, 404, "{e}");
}

#[tokio::test]
async fn client_contacts_read_only_client_visible_articles() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let acme = add_client(&admin, "Acme").await;
    let carl = contact(&server, &admin, "carl@acme.example", acme).await;
    let shared = article(&admin, "Connect to the Wi-Fi", "Pick **Acme-Guest**.", "client", &["wifi"]).await;
    let internal =
        article(&admin, "Wi-Fi controller admin", "The controller is at 10.0.0.2.", "internal", &["wifi", "network"])
            .await;

    assert_eq!(listed(&carl, "").await, [id(&shared)]);
    assert_eq!(listed(&carl, "?q=wi").await, [id(&shared)]);
    assert_eq!(listed(&carl, "?q=controller").await, Vec::<i64>::new());
    assert!(listed(&carl, "?visibility=internal").await.is_empty());
    let (status, read) = carl.get(&format!("/api/v1/kb/articles/{}", id(&shared))).await;
    assert_eq!(status, 200);
    assert_eq!(read["html"], "<p>Pick <strong>Acme-Guest</strong>.</p>\n");
    assert!(read.get("linked_tickets").is_none(), "which tickets link it is for staff: {read}");
    let (status, e) = carl.get(&format!("/api/v1/kb/articles/{}", id(&internal))).await;
    assert_eq!(status, 404, "an internal article does not exist for a contact: {e}");
    let (_, tags) = carl.get("/api/v1/kb/tags").await;
    assert_eq!(tags["items"], json!([{ "tag": "wifi", "count": 1 }]));

    // Read-only.
    let (status, _) = carl.post("/api/v1/kb/articles", json!({ "title": "Mine" })).await;
    assert_eq!(status, 403);
    let path = format!("/api/v1/kb/articles/{}", id(&shared));
    assert_eq!(carl.send(Method::PATCH, &path, json!({ "version": 1, "title": "Hacked" })).await.0, 403);
    assert_eq!(carl.send(Method::DELETE, &path, json!({})).await.0, 403);
    assert_eq!(carl.post("/api/v1/kb/preview", json!({ "body": "x" })).await.0, 403);
    assert_eq!(admin.get(&path).await.1["title"], "Connect to the Wi-Fi");
}

#[tokio::test]
async fn articles_are_linked_from_tickets_and_suggested_by_their_subject() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let acme = add_client(&admin, "Acme").await;
    let jams = article(&admin, "Printer jams on tray 2", "Remove the paper.", "client", &["printing"]).await;
    let offline = article(&admin, "Printer offline after update", "Reinstall the driver.", "internal", &[]).await;
    let outlook = article(&admin, "Outlook rules", "File mail by sender.", "client", &[]).await;
    let t = ticket(&admin, acme, "The printer jams every morning", "").await;
    let path = format!("/api/v1/tickets/{t}/articles");

    let (status, found) = admin.get(&path).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["linked"], json!([]));
    let suggested = ids(&found["suggested"]);
    assert_eq!(suggested, [id(&jams), id(&offline)], "best match first; unrelated articles are not suggested");
    assert!(!suggested.contains(&id(&outlook)));

    let (status, linked) = admin.post(&path, json!({ "article_id": id(&jams) })).await;
    assert_eq!(status, 201, "{linked}");
    assert_eq!((linked["id"].as_i64(), linked["title"].as_str()), (Some(id(&jams)), Some("Printer jams on tray 2")));
    let (_, found) = admin.get(&path).await;
    assert_eq!(ids(&found["linked"]), [id(&jams)]);
    assert_eq!(ids(&found["suggested"]), [id(&offline)], "a linked article is no longer suggested");
    // Linking again changes nothing.
    assert_eq!(admin.post(&path, json!({ "article_id": id(&jams) })).await.0, 201);
    assert_eq!(ids(&admin.get(&path).await.1["linked"]), [id(&jams)]);

    // The ticket's timeline shows the link, once.
    let (_, detail) = admin.get(&format!("/api/v1/tickets/{t}")).await;
    let links: Vec<&Value> = detail["timeline"].as_array().unwrap().iter().filter(|e| e["kind"] == "article").collect();
    assert_eq!(links.len(), 1, "{detail}");
    assert_eq!(links[0]["new_value"], "Printer jams on tray 2");
    // The article shows which tickets link it.
    let (_, read) = admin.get(&format!("/api/v1/kb/articles/{}", id(&jams))).await;
    assert_eq!(
        read["linked_tickets"],
        json!([{ "id": t, "subject": "The printer jams every morning", "status": "new" }])
    );

    // A contact of the client sees client-visible links and suggestions only, and cannot link.
    assert_eq!(admin.post(&path, json!({ "article_id": id(&offline) })).await.0, 201);
    let carl = contact(&server, &admin, "carl@acme.example", acme).await;
    let (status, theirs) = carl.get(&path).await;
    assert_eq!(status, 200, "{theirs}");
    assert_eq!(ids(&theirs["linked"]), [id(&jams)], "the internal article is not shown: {theirs}");
    assert_eq!(carl.post(&path, json!({ "article_id": id(&outlook) })).await.0, 403);
    let other = add_client(&admin, "Globex").await;
    let foreign = ticket(&admin, other, "Printer jams at Globex", "").await;
    assert_eq!(carl.get(&format!("/api/v1/tickets/{foreign}/articles")).await.0, 404, "another client's ticket");
    let (_, suggestions) = carl.get(&format!("/api/v1/tickets/{t}/articles")).await;
    assert!(!ids(&suggestions["suggested"]).contains(&id(&offline)));

    // Unlinking: gone from the ticket, on the timeline; a second unlink finds nothing.
    let unlink = format!("{path}/{}", id(&offline));
    assert_eq!(admin.send(Method::DELETE, &unlink, json!({})).await.0, 204);
    assert_eq!(admin.send(Method::DELETE, &unlink, json!({})).await.0, 404);
    assert_eq!(ids(&admin.get(&path).await.1["linked"]), [id(&jams)]);
    let (_, detail) = admin.get(&format!("/api/v1/tickets/{t}")).await;
    let last = detail["timeline"].as_array().unwrap().iter().rfind(|e| e["kind"] == "article").unwrap().clone();
    assert_eq!((last["old_value"].as_str(), last["new_value"].as_str()), (Some("Printer offline after update"), None));
    assert_eq!(carl.send(Method::DELETE, &format!("{path}/{}", id(&jams)), json!({})).await.0, 403);

    let (status, e) = admin.post(&path, json!({ "article_id": 9999 })).await;
    assert_eq!((status, e["detail"]["field"].as_str()), (404, Some("article_id")), "an article that does not exist");
    assert_eq!(admin.post("/api/v1/tickets/9999/articles", json!({ "article_id": id(&jams) })).await.0, 404);
    // Deleting an article unlinks it; the timeline keeps its entry.
    assert_eq!(admin.send(Method::DELETE, &format!("/api/v1/kb/articles/{}", id(&jams)), json!({})).await.0, 204);
    assert_eq!(admin.get(&path).await.1["linked"], json!([]));
}

#[tokio::test]
async fn search_finds_tickets_by_their_comments_and_articles_within_the_callers_scope() {
    let server = TestServer::start();
    let admin = server.admin().await;
    let acme = add_client(&admin, "Acme").await;
    let globex = add_client(&admin, "Globex").await;
    let mail = ticket(&admin, acme, "Mail is slow", "Since Monday.").await;
    let (status, c) = admin
        .post(
            &format!("/api/v1/tickets/{mail}/comments"),
            json!({ "body": "The mailbox quota on the exchange server is full.", "public": true }),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    let (status, c) = admin
        .post(&format!("/api/v1/tickets/{mail}/comments"), json!({ "body": "Admin password hint: zebracorn." }))
        .await;
    assert_eq!(status, 201, "{c}");
    let theirs = ticket(&admin, globex, "Quota warning", "Exchange quota reached for the CEO.").await;
    let guide =
        article(&admin, "Raise a mailbox quota", "In the exchange admin center, pick the mailbox.", "client", &[])
            .await;
    let notes = article(&admin, "Exchange storage notes", "The quota policy is per database.", "internal", &[]).await;

    let (status, found) = admin.get("/api/v1/search?q=quota").await;
    assert_eq!(status, 200, "{found}");
    let mut tickets = ids(&found["tickets"]);
    tickets.sort();
    assert_eq!(tickets, [mail, theirs], "by a comment and by the description");
    let mut articles = ids(&found["articles"]);
    articles.sort();
    assert_eq!(articles, [id(&guide), id(&notes)]);
    let hit = found["tickets"].as_array().unwrap().iter().find(|t| t["id"] == mail).unwrap();
    assert_eq!((hit["subject"].as_str(), hit["client"].as_str()), (Some("Mail is slow"), Some("Acme")));
    assert_eq!((hit["status"].as_str(), hit["priority"].as_str()), (Some("new"), Some("P3")));
    let snippet = hit["snippet"].as_str().unwrap();
    assert!(snippet.contains(&format!("{MARK_START}quota{MARK_END}")), "the match is marked: {snippet:?}");
    let theirs_hit = found["tickets"].as_array().unwrap().iter().find(|t| t["id"] == theirs).unwrap();
    let snippet = theirs_hit["snippet"].as_str().unwrap();
    assert!(snippet.contains("reached for the CEO"), "the description's text, not the subject again: {snippet:?}");
    let article_hit = found["articles"].as_array().unwrap().iter().find(|a| a["id"] == id(&guide)).unwrap();
    assert_eq!(article_hit["title"], "Raise a mailbox quota");
    assert!(article_hit["snippet"].as_str().unwrap().contains(MARK_START), "{article_hit}");
    assert_eq!(
        ids(&admin.get("/api/v1/search?q=zebracorn").await.1["tickets"]),
        [mail],
        "internal comments, for staff"
    );
    assert_eq!(ids(&admin.get("/api/v1/search?q=mailb").await.1["articles"]), [id(&guide)], "prefix");

    // A contact of Acme: their own tickets, public comments, client-visible articles.
    let carl = contact(&server, &admin, "carl@acme.example", acme).await;
    let (status, found) = carl.get("/api/v1/search?q=quota").await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(ids(&found["tickets"]), [mail], "not Globex's ticket");
    assert_eq!(ids(&found["articles"]), [id(&guide)], "not the internal article");
    let (_, found) = carl.get("/api/v1/search?q=zebracorn").await;
    assert_eq!(found["tickets"], json!([]), "an internal comment does not find the ticket for a contact");
    let (_, found) = carl.get("/api/v1/search?q=ceo").await;
    assert_eq!(found["tickets"], json!([]));

    let (status, found) = admin.get("/api/v1/search?q=").await;
    assert_eq!((status, &found["tickets"], &found["articles"]), (200, &json!([]), &json!([])));
    assert_eq!(admin.get("/api/v1/search?q=quota&limit=0").await.0, 400);
    assert_eq!(ids(&admin.get("/api/v1/search?q=quota&limit=1").await.1["articles"]).len(), 1);
}
