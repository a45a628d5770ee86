//! Login throttling that strangers cannot turn against the people they attack.
//!
//! Failures are counted three ways within a window:
//! - per account *and* address: past `per_pair` failures that address waits before it may try that
//!   account again, twice as long after each further failure (up to the window). The account's
//!   owner, at another address, is not held up.
//! - per address, for any accounts: past `per_address` the address waits, growing likewise (a
//!   password spray from one place).
//! - per account, from anywhere: past `per_pair` every attempt for the account is slowed a little
//!   (at most `MAX_SLOWDOWN`), never refused, so a botnet cannot lock the owner out.
//!
//! Pure: the caller passes the time, so tests move it.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The first wait once a limit is reached; each further failure doubles it.
const FIRST_WAIT: Duration = Duration::from_secs(1);
/// The longest slow-down of an account under attack from many places.
const MAX_SLOWDOWN: Duration = Duration::from_secs(2);
/// Entries kept before old ones are swept.
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_pair: u32,
    pub per_address: u32,
    pub window: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Pair(String, IpAddr),
    Address(IpAddr),
    Account(String),
}

/// What to do with an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead after this delay (zero unless the account is under attack).
    Go(Duration),
    /// Refuse: try again after this long.
    Wait(Duration),
}

pub struct Throttle {
    limits: Limits,
    failures: Mutex<HashMap<Key, VecDeque<Instant>>>,
}

impl Throttle {
    pub fn new(limits: Limits) -> Throttle {
        Throttle { limits, failures: Mutex::new(HashMap::new()) }
    }

    fn account(login: &str) -> String {
        login.trim().to_lowercase()
    }

    /// Failures of `key` within the window, and the latest.
    fn recent(&self, map: &mut HashMap<Key, VecDeque<Instant>>, key: &Key, now: Instant) -> (u32, Option<Instant>) {
        let Some(times) = map.get_mut(key) else { return (0, None) };
        while times.front().is_some_and(|t| now.saturating_duration_since(*t) >= self.limits.window) {
            times.pop_front();
        }
        (times.len() as u32, times.back().copied())
    }

    /// How long is left to wait after `count` failures against a limit of `limit`.
    fn wait(&self, count: u32, limit: u32, last: Option<Instant>, now: Instant) -> Option<Duration> {
        if count < limit {
            return None;
        }
        let wait = FIRST_WAIT.saturating_mul(1u32 << (count - limit).min(20)).min(self.limits.window);
        let left = (last? + wait).saturating_duration_since(now);
        (!left.is_zero()).then_some(left)
    }

    /// May `login` be tried from `addr` now?
    pub fn check(&self, login: &str, addr: IpAddr, now: Instant) -> Verdict {
        let mut map = self.failures.lock().expect("throttle lock");
        let account = Self::account(login);
        let (pair, pair_last) = self.recent(&mut map, &Key::Pair(account.clone(), addr), now);
        let (address, address_last) = self.recent(&mut map, &Key::Address(addr), now);
        let waits = [
            self.wait(pair, self.limits.per_pair, pair_last, now),
            self.wait(address, self.limits.per_address, address_last, now),
        ];
        if let Some(longest) = waits.into_iter().flatten().max() {
            return Verdict::Wait(longest);
        }
        let (everywhere, _) = self.recent(&mut map, &Key::Account(account), now);
        let over = everywhere.saturating_sub(self.limits.per_pair);
        Verdict::Go(Duration::from_millis(100).saturating_mul(over).min(MAX_SLOWDOWN))
    }

    /// May a credential (an API key) be tried from `addr` now? Only the address counts.
    pub fn check_address(&self, addr: IpAddr, now: Instant) -> Option<Duration> {
        let mut map = self.failures.lock().expect("throttle lock");
        let (count, last) = self.recent(&mut map, &Key::Address(addr), now);
        self.wait(count, self.limits.per_address, last, now)
    }

    pub fn failed(&self, login: &str, addr: IpAddr, now: Instant) {
        let account = Self::account(login);
        self.record([Key::Pair(account.clone(), addr), Key::Address(addr), Key::Account(account)], now);
    }

    pub fn failed_address(&self, addr: IpAddr, now: Instant) {
        self.record([Key::Address(addr)], now);
    }

    fn record<const N: usize>(&self, keys: [Key; N], now: Instant) {
        let mut map = self.failures.lock().expect("throttle lock");
        if map.len() > MAX_ENTRIES {
            let window = self.limits.window;
            map.retain(|_, times| times.back().is_some_and(|t| now.saturating_duration_since(*t) < window));
        }
        for key in keys {
            let times = map.entry(key).or_default();
            times.push_back(now);
            // Only the count within the window matters; bound what one key can hold.
            if times.len() > 1000 {
                times.pop_front();
            }
        }
    }

    /// A right password from `addr`: that address's failures for the account are forgiven.
    pub fn succeeded(&self, login: &str, addr: IpAddr) {
        self.failures.lock().expect("throttle lock").remove(&Key::Pair(Self::account(login), addr));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn throttle() -> Throttle {
        Throttle::new(Limits { per_pair: 3, per_address: 6, window: Duration::from_secs(900) })
    }

    #[test]
    fn an_attacked_account_still_opens_for_its_owner() {
        let (t, now) = (throttle(), Instant::now());
        let attacker = ip("198.51.100.7");
        for _ in 0..3 {
            assert_eq!(t.check("Admin", attacker, now), Verdict::Go(Duration::ZERO));
            t.failed("admin", attacker, now);
        }
        assert!(matches!(t.check("admin", attacker, now), Verdict::Wait(_)), "the attacker waits");
        assert!(matches!(t.check("ADMIN", ip("203.0.113.5"), now), Verdict::Go(_)), "the owner does not");
    }

    #[test]
    fn waits_grow_with_each_failure_past_the_limit_up_to_the_window() {
        let (t, start) = (throttle(), Instant::now());
        let a = ip("198.51.100.7");
        let mut now = start;
        let mut waits = Vec::new();
        for _ in 0..14 {
            match t.check("bob", a, now) {
                Verdict::Go(_) => t.failed("bob", a, now),
                Verdict::Wait(w) => {
                    waits.push(w.as_secs());
                    now += w;
                    assert!(matches!(t.check("bob", a, now), Verdict::Go(_)), "free again once waited");
                    t.failed("bob", a, now);
                }
            }
        }
        assert_eq!(&waits[..5], [1, 2, 4, 8, 16]);
        assert!(waits.iter().all(|w| *w <= 900));
        // A right password from there forgives that address.
        t.succeeded("bob", a);
        assert!(matches!(t.check("bob", a, now), Verdict::Go(_)));
    }

    #[test]
    fn one_address_spraying_many_accounts_is_held_up() {
        let (t, now) = (throttle(), Instant::now());
        let a = ip("198.51.100.7");
        for i in 0..6 {
            t.failed(&format!("user{i}"), a, now);
        }
        assert!(matches!(t.check("someone-else", a, now), Verdict::Wait(_)));
        assert!(t.check_address(a, now).is_some());
        assert!(t.check_address(ip("203.0.113.5"), now).is_none());
    }

    #[test]
    fn many_addresses_only_slow_an_account_down_and_the_window_forgets() {
        let (t, now) = (throttle(), Instant::now());
        for i in 0..50 {
            t.failed("admin", IpAddr::from([198, 51, 100, i]), now);
        }
        match t.check("admin", ip("203.0.113.5"), now) {
            Verdict::Go(delay) => assert_eq!(delay, MAX_SLOWDOWN),
            other => panic!("the owner must get in: {other:?}"),
        }
        let later = now + Duration::from_secs(901);
        assert_eq!(t.check("admin", ip("198.51.100.1"), later), Verdict::Go(Duration::ZERO));
    }
}
