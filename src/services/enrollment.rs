//! Enrollment tokens: made for a client (and site), shown once, stored hashed, audited.

use crate::config::HumanDuration;
use crate::db::enroll_tokens::{self, EnrollToken, NewToken};
use crate::db::{Db, DbError, audit, clients};

/// Longest life and most uses a token may have.
pub const MAX_TTL_SECS: u64 = 90 * 86_400;
pub const MAX_USES: i64 = 10_000;

/// What a new token is for: a client (and site), how long and how many machines, and who asked.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub client_id: i64,
    pub site_id: Option<i64>,
    pub ttl: HumanDuration,
    pub uses: i64,
    /// The user who made it; `None` from the command line.
    pub by: Option<i64>,
}

/// Makes a token at `t`. Returns the token, shown once, and its record.
pub async fn create_token(
    db: &Db,
    request: TokenRequest,
    who: crate::db::audit::Who,
    t: i64,
) -> Result<(String, EnrollToken), DbError> {
    let TokenRequest { client_id, site_id, ttl, uses, by } = request;
    let token = format!("enr_{}", crate::auth::random_token());
    let (hash, prefix) = (crate::auth::sha256(token.as_bytes()), token[..12].to_owned());
    let made = db
        .write(move |c| {
            let client = clients::get(c, client_id)?
                .ok_or_else(|| DbError::NotFound(format!("There is no client with id {client_id}.")))?;
            if let Some(site) = site_id {
                match clients::get_site(c, site)? {
                    Some(s) if s.client_id == client_id => {}
                    _ => {
                        return Err(DbError::NotFound(format!("Client {:?} has no site with id {site}.", client.name)));
                    }
                }
            }
            let new = NewToken {
                token_hash: &hash,
                prefix: &prefix,
                client_id,
                site_id,
                created_by: by,
                expires_at: t + ttl.0.as_secs() as i64,
                max_uses: uses,
            };
            let made = enroll_tokens::insert(c, &new, t)?;
            audit::record(c, t, &who, "enroll_token.created", &made.id.to_string(), &client.name)?;
            Ok(made)
        })
        .await?;
    Ok((token, made))
}
