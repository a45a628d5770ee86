-- Migration 6: routing, technicians' shifts, the knowledge base, full-text search, and notices
-- addressed to a person rather than a channel.

-- When a technician works: `spec` is a `tickets::sla::CalendarSpec` as JSON (time zone, weekly
-- hours, days off). A technician without a schedule counts as always on shift.
CREATE TABLE technician_schedules (
    user_id     INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    spec        TEXT NOT NULL CHECK (json_valid(spec)),
    updated_at  INTEGER NOT NULL
);

-- Routing rules, tried in `position` order; the first whose every set condition matches picks the
-- ticket's queue or technician. Empty text and NULL conditions match anything.
CREATE TABLE routing_rules (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL CHECK (length(trim(name)) > 0),
    position     INTEGER NOT NULL,
    enabled      INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    client_id    INTEGER REFERENCES clients(id) ON DELETE CASCADE,
    category     TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL DEFAULT '' CHECK (source IN ('', 'alert', 'manual', 'api', 'portal')),
    device_tag   TEXT NOT NULL DEFAULT '',
    queue_id     INTEGER REFERENCES queues(id) ON DELETE CASCADE,
    assignee_id  INTEGER REFERENCES users(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    CHECK (queue_id IS NOT NULL OR assignee_id IS NOT NULL)
);
CREATE INDEX routing_rules_order ON routing_rules (position, id);

-- The ticket queue filtered by client, assignee or queue, each already in queue order (SLA due,
-- then number), so a filtered list reads only the tickets it shows.
CREATE INDEX tickets_client_order ON tickets (client_id, coalesce(sla_due, 9223372036854775807), id);
CREATE INDEX tickets_assignee_order ON tickets (assignee_id, coalesce(sla_due, 9223372036854775807), id);
CREATE INDEX tickets_queue_order_by_queue ON tickets (queue_id, coalesce(sla_due, 9223372036854775807), id);

-- Knowledge base articles, in Markdown. `visibility` 'client' shows an article to client contacts.
CREATE TABLE kb_articles (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL CHECK (length(trim(title)) > 0),
    body        TEXT NOT NULL DEFAULT '',
    visibility  TEXT NOT NULL DEFAULT 'internal' CHECK (visibility IN ('internal', 'client')),
    -- Tags as a JSON array of lower-case strings.
    tags        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
    author_id   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    version     INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- Articles linked from a ticket.
CREATE TABLE ticket_articles (
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    article_id  INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    linked_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    linked_at   INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, article_id)
) WITHOUT ROWID;
CREATE INDEX ticket_articles_article ON ticket_articles (article_id);

-- Full-text indexes, kept by triggers. External content: the text lives once, in its table.
CREATE VIRTUAL TABLE kb_fts USING fts5(title, body, tags, content='kb_articles', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2');
CREATE TRIGGER kb_fts_insert AFTER INSERT ON kb_articles BEGIN
    INSERT INTO kb_fts (rowid, title, body, tags) VALUES (new.id, new.title, new.body, new.tags);
END;
CREATE TRIGGER kb_fts_delete AFTER DELETE ON kb_articles BEGIN
    INSERT INTO kb_fts (kb_fts, rowid, title, body, tags) VALUES ('delete', old.id, old.title, old.body, old.tags);
END;
CREATE TRIGGER kb_fts_update AFTER UPDATE OF title, body, tags ON kb_articles BEGIN
    INSERT INTO kb_fts (kb_fts, rowid, title, body, tags) VALUES ('delete', old.id, old.title, old.body, old.tags);
    INSERT INTO kb_fts (rowid, title, body, tags) VALUES (new.id, new.title, new.body, new.tags);
END;

CREATE VIRTUAL TABLE tickets_fts USING fts5(subject, description, content='tickets', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2');
CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO tickets_fts (rowid, subject, description) VALUES (new.id, new.subject, new.description);
END;
CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, subject, description)
        VALUES ('delete', old.id, old.subject, old.description);
END;
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF subject, description ON tickets BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, subject, description)
        VALUES ('delete', old.id, old.subject, old.description);
    INSERT INTO tickets_fts (rowid, subject, description) VALUES (new.id, new.subject, new.description);
END;
INSERT INTO tickets_fts (tickets_fts) VALUES ('rebuild');

-- Comments are searched too (a ticket matches when one of its comments does).
CREATE VIRTUAL TABLE ticket_comments_fts USING fts5(body, content='ticket_comments', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2');
CREATE TRIGGER ticket_comments_fts_insert AFTER INSERT ON ticket_comments BEGIN
    INSERT INTO ticket_comments_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER ticket_comments_fts_delete AFTER DELETE ON ticket_comments BEGIN
    INSERT INTO ticket_comments_fts (ticket_comments_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
INSERT INTO ticket_comments_fts (ticket_comments_fts) VALUES ('rebuild');

-- The outbox also carries notices for one person's e-mail address (a ticket's assignee, a queue's
-- escalation contact, a client's contact), with no channel: `recipient` holds the address.
CREATE TABLE outbox_new (
    id               INTEGER PRIMARY KEY,
    channel_id       INTEGER REFERENCES channels(id) ON DELETE CASCADE,
    recipient        TEXT NOT NULL DEFAULT '',
    alert_id         INTEGER REFERENCES alerts(id) ON DELETE SET NULL,
    event            TEXT NOT NULL,
    message_json     TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    next_attempt_at  INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    delivered_at     INTEGER,
    failed_at        INTEGER,
    last_error       TEXT NOT NULL DEFAULT '',
    CHECK ((channel_id IS NULL) = (recipient <> ''))
);
INSERT INTO outbox_new (id, channel_id, alert_id, event, message_json, created_at, next_attempt_at, attempts,
                        delivered_at, failed_at, last_error)
    SELECT id, channel_id, alert_id, event, message_json, created_at, next_attempt_at, attempts,
           delivered_at, failed_at, last_error FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_alert ON outbox (alert_id);
CREATE INDEX outbox_channel ON outbox (channel_id, id);
