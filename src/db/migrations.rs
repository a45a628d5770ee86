//! Schema versions. `schema.sql` is migration 1; each later change is a file in `sql/` appended to
//! `MIGRATIONS` and never edited once released. The version lives in SQLite's `user_version`.

use std::path::Path;

use rusqlite::Connection;

use super::DbError;

/// Migrations in order; index 0 brings an empty database to version 1.
const MIGRATIONS: &[&str] = &[
    include_str!("../../schema.sql"),
    include_str!("sql/0002_fleet.sql"),
    include_str!("sql/0003_rules.sql"),
    include_str!("sql/0004_notifications.sql"),
    include_str!("sql/0005_tickets.sql"),
    include_str!("sql/0006_routing_kb.sql"),
    include_str!("sql/0007_security.sql"),
    include_str!("sql/0008_device_trust.sql"),
    include_str!("sql/0009_passkeys.sql"),
];

/// A migration whose first line is this rebuilds a table that others reference: it runs with
/// foreign keys off (SQLite's documented way to rebuild a table; a `PRAGMA foreign_keys` inside a
/// transaction is ignored), and is committed only if `PRAGMA foreign_key_check` finds nothing.
const FOREIGN_KEYS_OFF: &str = "-- steward:foreign-keys-off";

/// The schema version this binary writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to `LATEST`, one transaction per migration. Refuses a database whose
/// version is newer than this binary knows, without touching it.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<(), DbError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > LATEST {
        return Err(DbError::TooNew { path: path.to_owned(), found, known: LATEST });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = i as i64 + 1;
        let rebuilds = sql.starts_with(FOREIGN_KEYS_OFF);
        if rebuilds {
            conn.pragma_update(None, "foreign_keys", false)?;
        }
        let done = (|| -> Result<(), DbError> {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.execute_batch(sql)?;
            if rebuilds {
                let broken: i64 = tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
                if broken > 0 {
                    return Err(DbError::Migration(format!(
                        "migration {version} would leave {broken} rows pointing at nothing; nothing was changed"
                    )));
                }
            }
            tx.pragma_update(None, "user_version", version)?;
            tx.commit()?;
            Ok(())
        })();
        if rebuilds {
            conn.pragma_update(None, "foreign_keys", true)?;
        }
        done?;
        tracing::info!(version, "database schema migrated");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_database_reaches_latest_and_stays_there() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let mut conn = super::super::open_connection(&path, false).unwrap();
        migrate(&mut conn, &path).unwrap();
        migrate(&mut conn, &path).unwrap();
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, LATEST);
        let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!(fk, 1);
    }

    #[test]
    fn rebuilding_devices_keeps_their_reports_and_allows_a_shared_machine_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let mut conn = super::super::open_connection(&path, false).unwrap();
        for (i, sql) in MIGRATIONS.iter().enumerate().take(7) {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", i as i64 + 1).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO clients (id, name, created_at, updated_at) VALUES (1, 'Contoso', 0, 0);
             INSERT INTO devices (id, client_id, machine_id, hostname, secret_hash, enrolled_at, last_seq)
                 VALUES (7, 1, 'm-1', 'pc', x'00', 0, 3);
             INSERT INTO device_reports (device_id, seq, collected_at, received_at) VALUES (7, 3, 0, 0);",
        )
        .unwrap();
        migrate(&mut conn, &path).unwrap();
        let reports: i64 =
            conn.query_row("SELECT count(*) FROM device_reports WHERE device_id = 7", [], |r| r.get(0)).unwrap();
        assert_eq!(reports, 1, "the rebuild did not cascade into the reports");
        conn.execute(
            "INSERT INTO devices (client_id, machine_id, hostname, secret_hash, enrolled_at, clone_of) VALUES (1, 'm-1', 'pc', x'01', 0, 7)",
            [],
        )
        .unwrap();
        let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!(fk, 1, "foreign keys are on again");
    }

    #[test]
    fn newer_database_is_refused_with_a_sentence() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let mut conn = super::super::open_connection(&path, false).unwrap();
        conn.pragma_update(None, "user_version", LATEST + 5).unwrap();
        let err = migrate(&mut conn, &path).unwrap_err().to_string();
        assert!(err.contains("newer version of Steward"), "{err}");
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)).unwrap();
        assert_eq!(tables, 0, "nothing was created in the refused database");
    }
}
