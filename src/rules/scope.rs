//! Where a rule or a maintenance window applies, and which rule wins when several of the same
//! kind match one device: the most specific. Device beats tag beats site beats client beats
//! global. A tag ranks above a site because a tag is something a technician put on a handful of
//! devices on purpose ("backup-server"), while a site is where a device happens to be.

use serde::{Deserialize, Serialize};

/// Where something applies.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum Scope {
    Global,
    Client {
        client_id: i64,
    },
    Site {
        site_id: i64,
    },
    Device {
        device_id: i64,
    },
    Tag {
        /// 1 to 40 characters, no spaces or control characters (trimmed, lower-cased).
        #[schema(pattern = r"^[ \t\n\r]*[!-~]{1,40}[ \t\n\r]*$")]
        tag: String,
    },
}

/// What scoping needs to know about a device.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceFacts {
    pub device_id: i64,
    pub client_id: i64,
    pub site_id: Option<i64>,
    /// Lower case.
    pub tags: Vec<String>,
}

impl Scope {
    pub fn matches(&self, d: &DeviceFacts) -> bool {
        match self {
            Scope::Global => true,
            Scope::Client { client_id } => *client_id == d.client_id,
            Scope::Site { site_id } => Some(*site_id) == d.site_id,
            Scope::Device { device_id } => *device_id == d.device_id,
            Scope::Tag { tag } => d.tags.iter().any(|t| t.eq_ignore_ascii_case(tag)),
        }
    }

    /// Higher is more specific.
    pub fn specificity(&self) -> u8 {
        match self {
            Scope::Global => 0,
            Scope::Client { .. } => 1,
            Scope::Site { .. } => 2,
            Scope::Tag { .. } => 3,
            Scope::Device { .. } => 4,
        }
    }

    /// The database's columns: (scope, scope_id, scope_tag).
    pub fn to_columns(&self) -> (&'static str, Option<i64>, Option<&str>) {
        match self {
            Scope::Global => ("global", None, None),
            Scope::Client { client_id } => ("client", Some(*client_id), None),
            Scope::Site { site_id } => ("site", Some(*site_id), None),
            Scope::Device { device_id } => ("device", Some(*device_id), None),
            Scope::Tag { tag } => ("tag", None, Some(tag)),
        }
    }

    pub fn from_columns(scope: &str, id: Option<i64>, tag: Option<String>) -> Option<Scope> {
        Some(match (scope, id, tag) {
            ("global", None, None) => Scope::Global,
            ("client", Some(client_id), None) => Scope::Client { client_id },
            ("site", Some(site_id), None) => Scope::Site { site_id },
            ("device", Some(device_id), None) => Scope::Device { device_id },
            ("tag", None, Some(tag)) => Scope::Tag { tag },
            _ => return None,
        })
    }

    /// A tag scope's tag in its stored form; `None` when it cannot be one.
    pub fn normalized(self) -> Result<Scope, String> {
        match self {
            Scope::Tag { tag } => {
                let t = tag.trim().to_lowercase();
                if t.is_empty() || t.len() > 40 || t.chars().any(|c| c.is_control() || c.is_whitespace()) {
                    Err(format!("{tag:?} is not a tag (1 to 40 characters, no spaces)."))
                } else {
                    Ok(Scope::Tag { tag: t })
                }
            }
            other => Ok(other),
        }
    }
}

/// Of the `candidates` that match `device`, the index of the most specific per kind. Ties go to
/// the lower index (callers pass rules oldest first, so the older rule wins a tie).
pub fn winners<'a, K: Eq + std::hash::Hash + Clone + 'a>(
    device: &DeviceFacts,
    candidates: impl IntoIterator<Item = (usize, &'a Scope, K)>,
) -> Vec<usize> {
    let mut best: std::collections::HashMap<K, (u8, usize)> = std::collections::HashMap::new();
    for (i, scope, kind) in candidates {
        if !scope.matches(device) {
            continue;
        }
        let s = scope.specificity();
        best.entry(kind)
            .and_modify(|b| {
                if s > b.0 || (s == b.0 && i < b.1) {
                    *b = (s, i)
                }
            })
            .or_insert((s, i));
    }
    let mut out: Vec<usize> = best.into_values().map(|(_, i)| i).collect();
    out.sort_unstable();
    out
}

/// A device as evaluation sees it.
#[derive(Debug, Clone)]
pub struct DeviceView {
    pub facts: DeviceFacts,
    pub hostname: String,
    pub client: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device() -> DeviceFacts {
        DeviceFacts { device_id: 7, client_id: 2, site_id: Some(3), tags: vec!["backup-server".into()] }
    }

    #[test]
    fn scopes_match_their_devices_only() {
        let d = device();
        assert!(Scope::Global.matches(&d));
        assert!(Scope::Client { client_id: 2 }.matches(&d));
        assert!(!Scope::Client { client_id: 9 }.matches(&d));
        assert!(Scope::Site { site_id: 3 }.matches(&d));
        assert!(Scope::Device { device_id: 7 }.matches(&d));
        assert!(Scope::Tag { tag: "Backup-Server".into() }.matches(&d));
        assert!(!Scope::Tag { tag: "web".into() }.matches(&d));
        let no_site = DeviceFacts { site_id: None, ..device() };
        assert!(!Scope::Site { site_id: 3 }.matches(&no_site));
    }

    #[test]
    fn the_most_specific_rule_of_a_kind_wins_and_kinds_do_not_mix() {
        let d = device();
        let scopes = [
            (Scope::Global, "disk"),
            (Scope::Client { client_id: 2 }, "disk"),
            (Scope::Device { device_id: 7 }, "disk"),
            (Scope::Site { site_id: 3 }, "disk"),
            (Scope::Global, "cpu"),
            (Scope::Client { client_id: 9 }, "cpu"),
            (Scope::Tag { tag: "backup-server".into() }, "mem"),
            (Scope::Site { site_id: 3 }, "mem"),
        ];
        let w = winners(&d, scopes.iter().enumerate().map(|(i, (s, k))| (i, s, *k)));
        assert_eq!(w, vec![2, 4, 6]);
    }

    #[test]
    fn ties_go_to_the_older_rule() {
        let d = device();
        let scopes = [(Scope::Global, "disk"), (Scope::Global, "disk")];
        assert_eq!(winners(&d, scopes.iter().enumerate().map(|(i, (s, k))| (i, s, *k))), vec![0]);
    }
}
