//! The one source of the current time. The server reads time only through a `Clock`: the system
//! clock in production, a manual one in tests, which move it instead of sleeping. Cheap to clone:
//! clones share the same time.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Clone)]
pub struct Clock(Arc<Source>);

enum Source {
    System,
    /// Unix seconds, moved only by `advance` and `set`; `moved` wakes the timers waiting on it.
    Manual(AtomicI64, tokio::sync::Notify),
}

impl Clock {
    /// The machine's clock.
    pub fn system() -> Clock {
        Clock(Arc::new(Source::System))
    }

    /// A clock that stands at `unix_seconds` until a test moves it.
    pub fn manual(unix_seconds: i64) -> Clock {
        Clock(Arc::new(Source::Manual(AtomicI64::new(unix_seconds), tokio::sync::Notify::new())))
    }

    /// Now, in unix seconds (UTC).
    pub fn now(&self) -> i64 {
        match &*self.0 {
            Source::System => time::OffsetDateTime::now_utc().unix_timestamp(),
            Source::Manual(t, _) => t.load(Ordering::SeqCst),
        }
    }

    /// Completes when a manual clock is moved; never for the system clock. Timers wait on this
    /// beside their tick, so a test that moves the clock sees them act at once.
    pub async fn moved(&self) {
        match &*self.0 {
            Source::Manual(_, moved) => moved.notified().await,
            Source::System => std::future::pending().await,
        }
    }

    /// True for a manual clock (timers then wake on its moves, not on the wall clock).
    pub fn is_manual(&self) -> bool {
        matches!(&*self.0, Source::Manual(..))
    }

    /// Moves a manual clock forward by `seconds`. A system clock cannot be moved: this panics,
    /// since only tests hold a manual clock.
    pub fn advance(&self, seconds: i64) {
        match &*self.0 {
            Source::Manual(t, moved) => {
                t.fetch_add(seconds, Ordering::SeqCst);
                moved.notify_waiters();
            }
            Source::System => panic!("the system clock cannot be moved"),
        }
    }

    /// Sets a manual clock to `unix_seconds`.
    pub fn set(&self, unix_seconds: i64) {
        match &*self.0 {
            Source::Manual(t, moved) => {
                t.store(unix_seconds, Ordering::SeqCst);
                moved.notify_waiters();
            }
            Source::System => panic!("the system clock cannot be set"),
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.0 {
            Source::System => f.write_str("Clock::system"),
            Source::Manual(t, _) => write!(f, "Clock::manual({})", t.load(Ordering::SeqCst)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_its_clones_move_with_it() {
        let clock = Clock::manual(1_000);
        let seen_by_timer = clock.clone();
        assert_eq!(seen_by_timer.now(), 1_000);
        clock.advance(90);
        assert_eq!(seen_by_timer.now(), 1_090);
        clock.set(5_000);
        assert_eq!(seen_by_timer.now(), 5_000);
        assert!(clock.is_manual() && !Clock::system().is_manual());
    }

    #[tokio::test]
    async fn a_timer_waiting_on_a_manual_clock_wakes_when_it_moves() {
        let clock = Clock::manual(0);
        let timer = {
            let clock = clock.clone();
            tokio::spawn(async move {
                clock.moved().await;
                clock.now()
            })
        };
        // Let the timer start waiting, then move the clock: it wakes and sees the new time.
        while !timer.is_finished() {
            tokio::task::yield_now().await;
            clock.advance(60);
        }
        assert!(timer.await.unwrap() >= 60);
        let system = Clock::system();
        let never = tokio::time::timeout(std::time::Duration::from_millis(20), system.moved()).await;
        assert!(never.is_err(), "the system clock is never 'moved'");
    }

    #[test]
    fn the_system_clock_reads_the_machines_time() {
        let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let now = Clock::system().now();
        assert!((before..=before + 5).contains(&now), "{now} vs {before}");
    }
}
