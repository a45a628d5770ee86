//! `steward admin ...`: the same operations as the API, run against the data folder directly.
//! They go through the same store (with its busy timeout), so they are safe while the server runs.

use serde_json::json;

use crate::auth;
use crate::certid::TlsIdentity;
use crate::cli::{AdminCommand, ApiKeyCommand, ClientCommand, EnrollTokenCommand, TlsCommand, UserCommand};
use crate::clock::Clock;
use crate::config::Config;
use crate::db::users::{NewUser, Role};
use crate::db::{Db, DbError, api_keys, audit, clients, users};
use crate::install::install_command;
use crate::services::enrollment as enroll_tokens;
use crate::text::one_line_problem;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Runs one admin command; returns what to print on stdout. `stdin_line` supplies the password
/// for `--password-stdin`.
pub async fn run(
    db: &Db,
    config: &Config,
    command: AdminCommand,
    stdin_line: impl FnOnce() -> std::io::Result<String>,
) -> Result<String, AdminError> {
    // A command is one moment: everything it records carries the same time.
    let t = Clock::system().now();
    match command {
        AdminCommand::Tls(TlsCommand::Rotate { activate }) => tls_rotate(db, config, activate, t).await,
        AdminCommand::EnrollToken(EnrollTokenCommand::Create { client, site, ttl, uses, json }) => {
            let ttl = ttl.unwrap_or(config.monitoring.enroll_token_ttl);
            if ttl.0.is_zero() || ttl.0.as_secs() > enroll_tokens::MAX_TTL_SECS {
                return Err(AdminError::Input("--ttl must be between 1s and 90d.".into()));
            }
            if !(1..=enroll_tokens::MAX_USES).contains(&uses) {
                return Err(AdminError::Input(format!("--uses must be between 1 and {}.", enroll_tokens::MAX_USES)));
            }
            let name = client.clone();
            let site_name = site.clone();
            let (client_id, site_id) = db
                .read(move |c| {
                    let found = clients::find_by_name(c, &name)?
                        .ok_or_else(|| DbError::NotFound(format!("There is no client named {name:?}.")))?;
                    let site_id = match &site_name {
                        Some(s) => Some(
                            clients::sites(c, found.id)?
                                .into_iter()
                                .find(|x| x.name.eq_ignore_ascii_case(s))
                                .ok_or_else(|| DbError::NotFound(format!("Client {name:?} has no site named {s:?}.")))?
                                .id,
                        ),
                        None => None,
                    };
                    Ok((found.id, site_id))
                })
                .await?;
            let (token, made) = enroll_tokens::create_token(
                db,
                enroll_tokens::TokenRequest { client_id, site_id, ttl, uses, by: None },
                audit::Who::cli(),
                t,
            )
            .await?;
            let public_url = config.public_url(config.server.listen);
            let hosts: Vec<String> = crate::netaddr::url_host(&public_url).into_iter().collect();
            let identity = crate::server::tls::load_or_create(&config.tls, &config.server.data_dir, &hosts)
                .map_err(|e| AdminError::Input(e.to_string()))?
                .map(|c| TlsIdentity { fingerprint: c.fingerprint, spki_pin: c.spki_pin });
            let command = install_command(&public_url, identity.as_ref(), &token);
            Ok(if json {
                json!({ "token": token, "install_command": command }).to_string()
            } else {
                format!(
                    "Enrollment token for {client} (expires {}, {} use{}):\n  {token}\n\nInstall the agent on a Linux machine with:\n  {command}",
                    made.expires_at,
                    uses,
                    if uses == 1 { "" } else { "s" }
                )
            })
        }
        AdminCommand::Client(ClientCommand::Add { name, json }) => {
            let name = name.trim().to_owned();
            if name.is_empty() || name.chars().count() > 200 {
                return Err(AdminError::Input("The client name must be 1 to 200 characters.".into()));
            }
            if let Some(problem) = one_line_problem(&name) {
                return Err(AdminError::Input(format!("The client name {problem}.")));
            }
            let client = db
                .write(move |c| {
                    let client = clients::insert(c, &name, "", t)?;
                    audit::record(c, t, &audit::Who::cli(), "client.created", &client.id.to_string(), "")?;
                    Ok(client)
                })
                .await?;
            Ok(if json { json!({ "id": client.id }).to_string() } else { format!("{}", client.id) })
        }
        AdminCommand::Client(ClientCommand::List { json }) => {
            let list = db.read(|c| clients::list(c, None, None, None, i64::MAX as usize)).await?;
            if json {
                return Ok(serde_json::to_string(&list).expect("clients serialize"));
            }
            let mut out = format!("{:>6}  {:<40} {:>5}", "ID", "NAME", "SITES");
            for c in list {
                out.push_str(&format!("\n{:>6}  {:<40} {:>5}", c.id, c.name, c.site_count));
            }
            Ok(out)
        }
        AdminCommand::User(UserCommand::Add { email, role, client, name, password_stdin, json }) => {
            let email = email.trim().to_owned();
            if !crate::text::is_email(email.trim()) {
                return Err(AdminError::Input(format!("{email:?} is not an e-mail address.")));
            }
            let (password, made_up) = password_from(password_stdin, stdin_line, &email)?;
            if let Some(problem) = one_line_problem(name.trim()) {
                return Err(AdminError::Input(format!("The user's --name {problem}.")));
            }
            if role == Role::Client && client.is_none() {
                return Err(AdminError::Input("A user with --role client needs --client NAME.".into()));
            }
            if role != Role::Client && client.is_some() {
                return Err(AdminError::Input("--client is only for --role client.".into()));
            }
            let hash = hash(password.clone()).await?;
            let user = db
                .write(move |c| {
                    let client_id = match &client {
                        Some(n) => Some(
                            clients::find_by_name(c, n)?
                                .ok_or_else(|| DbError::NotFound(format!("There is no client named {n:?}.")))?
                                .id,
                        ),
                        None => None,
                    };
                    let new = NewUser {
                        login: &email,
                        email: &email,
                        name: name.trim(),
                        role,
                        client_id,
                        password_hash: &hash,
                    };
                    let user = users::insert(c, &new, t)?;
                    audit::record(c, t, &audit::Who::cli(), "user.created", &user.login, "")?;
                    Ok(user)
                })
                .await?;
            Ok(match (json, made_up) {
                (true, true) => json!({ "id": user.id, "password": password }).to_string(),
                (true, false) => json!({ "id": user.id }).to_string(),
                (false, true) => {
                    format!("Added user {} (id {}). Password, shown once: {password}", user.login, user.id)
                }
                (false, false) => format!("Added user {} (id {}).", user.login, user.id),
            })
        }
        AdminCommand::User(UserCommand::List { json }) => {
            let list = db.read(|c| users::list(c, None, i64::MAX as usize)).await?;
            if json {
                return Ok(serde_json::to_string(&list).expect("users serialize"));
            }
            let mut out = format!("{:>6}  {:<36} {:<11} {:<20} {}", "ID", "LOGIN", "ROLE", "CLIENT", "STATUS");
            for u in list {
                out.push_str(&format!(
                    "\n{:>6}  {:<36} {:<11} {:<20} {}",
                    u.id,
                    u.login,
                    u.role,
                    u.client.unwrap_or_default(),
                    if u.disabled { "disabled" } else { "active" }
                ));
            }
            Ok(out)
        }
        AdminCommand::User(UserCommand::SetPassword { user, password_stdin }) => {
            let (password, made_up) = password_from(password_stdin, stdin_line, user.trim())?;
            let hash = hash(password.clone()).await?;
            let login = user.trim().to_owned();
            let shown = login.clone();
            db.write(move |c| {
                let (u, _) = users::by_login(c, &login)?
                    .ok_or_else(|| DbError::NotFound(format!("There is no user {login:?}.")))?;
                let (ended, keys) = crate::services::accounts::set_password(c, u.id, &hash, None, t)?;
                let detail = format!("{} sessions ended, {} API keys revoked", ended.len(), keys.len());
                audit::record(c, t, &audit::Who::cli(), "password.reset", &u.login, &detail)
            })
            .await?;
            Ok(if made_up {
                format!("New password for {shown}, shown once: {password}")
            } else {
                format!("Password set for {shown}.")
            })
        }
        AdminCommand::ApiKey(ApiKeyCommand::Create { user, name, expires_in, json }) => {
            let name = name.trim().to_owned();
            if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
                return Err(AdminError::Input("The key's --name must be 1 to 100 characters on one line.".into()));
            }
            if let Some(d) = expires_in
                && (d.0.is_zero() || d.0.as_secs() > 5 * 366 * 86_400)
            {
                return Err(AdminError::Input("--expires-in must be between 1s and 5 years.".into()));
            }
            if let Some(problem) = one_line_problem(&name) {
                return Err(AdminError::Input(format!("The key's --name {problem}.")));
            }
            let key = auth::new_api_key();
            let (hash, prefix) = (auth::sha256(key.as_bytes()), key[..12].to_owned());
            let login = user.trim().to_owned();
            db.write(move |c| {
                let (u, _) = users::by_login(c, &login)?
                    .ok_or_else(|| DbError::NotFound(format!("There is no user {login:?}.")))?;
                if u.disabled {
                    return Err(DbError::conflict("user", format!("The user {login:?} is disabled.")));
                }
                let expires_at = expires_in.map(|d| t + d.0.as_secs() as i64);
                let new = api_keys::NewKey { user_id: u.id, name: &name, prefix: &prefix, key_hash: &hash, expires_at };
                let made = api_keys::insert(c, &new, t)?;
                let detail = format!("{} ({}) for {}", made.name, made.prefix, made.user);
                audit::record(c, t, &audit::Who::cli(), "api_key.created", &made.id.to_string(), &detail)
            })
            .await?;
            Ok(if json { json!({ "key": key }).to_string() } else { key })
        }
        AdminCommand::ApiKey(ApiKeyCommand::List { user, json }) => {
            let keys = db
                .read(move |c| {
                    let user_id = match &user {
                        Some(login) => Some(
                            users::by_login(c, login.trim())?
                                .ok_or_else(|| DbError::NotFound(format!("There is no user {login:?}.")))?
                                .0
                                .id,
                        ),
                        None => None,
                    };
                    api_keys::list(c, user_id, None, 100_000, t)
                })
                .await?;
            if json {
                return Ok(json!({ "items": keys }).to_string());
            }
            let mut out = format!(
                "{:>6}  {:<24} {:<14} {:<30} {:<21} {}",
                "id", "name", "prefix", "user", "last used", "expires"
            );
            for k in keys {
                out.push_str(&format!(
                    "\n{:>6}  {:<24} {:<14} {:<30} {:<21} {}",
                    k.id,
                    k.name,
                    k.prefix,
                    k.user,
                    k.last_used_at.unwrap_or_else(|| "never".into()),
                    match (k.expires_at, k.expired) {
                        (Some(e), true) => format!("{e} (expired)"),
                        (Some(e), false) => e,
                        (None, _) => "never".into(),
                    }
                ));
            }
            Ok(out)
        }
        AdminCommand::ApiKey(ApiKeyCommand::Revoke { id }) => {
            let key = db
                .write(move |c| {
                    let key = api_keys::get(c, id, t)?
                        .ok_or_else(|| DbError::NotFound(format!("There is no API key with id {id} in force.")))?;
                    api_keys::revoke(c, id, None, None, t)?;
                    let detail = format!("{} ({}) of {}", key.name, key.prefix, key.user);
                    audit::record(c, t, &audit::Who::cli(), "api_key.revoked", &id.to_string(), &detail)?;
                    Ok(key)
                })
                .await?;
            Ok(format!("Revoked API key {id} ({}, {}) of {}.", key.name, key.prefix, key.user))
        }
    }
}

fn password_from(
    from_stdin: bool,
    stdin_line: impl FnOnce() -> std::io::Result<String>,
    login: &str,
) -> Result<(String, bool), AdminError> {
    if !from_stdin {
        return Ok((auth::random_password(), true));
    }
    let line =
        stdin_line().map_err(|e| AdminError::Input(format!("cannot read the password from standard input: {e}")))?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    auth::check_new_password(&password, &[login]).map_err(AdminError::Input)?;
    Ok((password, false))
}

async fn hash(password: String) -> Result<String, AdminError> {
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| AdminError::Input(e.to_string()))?
        .map_err(|e| AdminError::Input(e.to_string()))
}

/// `steward admin tls rotate [--activate]`: prepares the next self-signed key (agents learn its
/// pin when they check in) or puts it in place (served from the server's next start).
async fn tls_rotate(db: &Db, config: &Config, activate: bool, t: i64) -> Result<String, AdminError> {
    use crate::server::tls::{Rotation, rotate};
    let hosts: Vec<String> = crate::netaddr::url_host(&config.public_url(config.server.listen)).into_iter().collect();
    let done =
        rotate(&config.tls, &config.server.data_dir, &hosts, activate).map_err(|e| AdminError::Input(e.to_string()))?;
    let (action, detail, text) = match &done {
        Rotation::Prepared { next_pin, new } => (
            "tls.next_key",
            format!("next key sha256//{next_pin}"),
            format!(
                "{} next TLS key, public key pin sha256//{next_pin}.\nRunning agents learn it at their next check-in. Once they have, run \
                 `steward admin tls rotate --activate` and restart the server.",
                if *new { "Made the" } else { "The" }
            ),
        ),
        Rotation::Activated { pin } => (
            "tls.key_activated",
            format!("key sha256//{pin}"),
            format!(
                "The next TLS key (pin sha256//{pin}) is now the server's key; restart the server to serve it. \
                 The previous key is kept as tls/previous-*.pem."
            ),
        ),
    };
    db.write(move |c| audit::record(c, t, &audit::Who::cli(), action, "tls", &detail)).await?;
    Ok(text)
}
