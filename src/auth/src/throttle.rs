//! How many password attempts a key — an account, a client address — gets.
//!
//! Each key has a counter of failures in a window, and of attempts still
//! being checked. An attempt that may go ahead is counted as pending
//! *before* the password is checked, and failures plus pending attempts may
//! not pass the limit, so many attempts sent at once cannot all slip past
//! the check. When the check ends the attempt is settled: a failure, or
//! (right password) nothing. Past the limit, attempts are refused without
//! any Argon2 work until the window is over, and each window in a row that
//! ends locked makes the next lock-out twice as long (up to `max_lock`).

/// Limits for one kind of key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures allowed in one window.
    pub limit: i64,
    /// Seconds.
    pub window: i64,
    /// The longest lock-out, in seconds.
    pub max_lock: i64,
}

impl Policy {
    /// Per account (by email, whether or not an account uses it): 10 failed
    /// logins or password changes in 15 minutes.
    pub const ACCOUNT: Policy = Policy { limit: 10, window: 15 * 60, max_lock: 4 * 60 * 60 };
    /// Per client address: 50 failed logins in 15 minutes, over any accounts.
    /// Only failures count, so many people behind one NAT still sign in.
    pub const ADDRESS: Policy = Policy { limit: 50, window: 15 * 60, max_lock: 4 * 60 * 60 };

    /// Per client address: 50 registrations an hour. Each costs an Argon2
    /// run and a row, and counts whatever its outcome. No lock-out longer
    /// than the window: whoever shares the address (a carrier NAT) must not
    /// be kept from signing up for hours by someone else's burst.
    pub const REGISTRATION: Policy = Policy { limit: 50, window: 60 * 60, max_lock: 60 * 60 };

    /// Decides an attempt at `now` (Unix seconds) against a key's stored
    /// counter, and returns the counter to store. The usual `Proceed` case
    /// is also written as one SQL statement (`mewayz_store::attempts`):
    /// keep the two in step.
    pub fn attempt(&self, mut counter: Counter, now: i64) -> (Counter, Verdict) {
        if now < counter.locked_until {
            return (counter, Verdict::Refuse { retry_after: counter.locked_until - now });
        }
        if now >= counter.window_start + self.window {
            if counter.failures < self.limit {
                // The window ended without a lock-out: the run is over.
                counter.strikes = 0;
            }
            counter.failures = 0;
            counter.pending = 0;
            counter.window_start = now;
        }
        if counter.failures < self.limit && counter.failures + counter.pending >= self.limit {
            // Attempts still being checked fill the limit: wait for them.
            return (counter, Verdict::Refuse { retry_after: 1 });
        }
        if counter.failures >= self.limit {
            // Locked until this window ends, and longer for every window in
            // a row that ended locked.
            counter.strikes += 1;
            let lock = (self.window << (counter.strikes - 1).min(16)).min(self.max_lock);
            counter.locked_until = (counter.window_start + lock).max(now + 1);
            return (counter, Verdict::Refuse { retry_after: counter.locked_until - now });
        }
        counter.pending += 1;
        (counter, Verdict::Proceed)
    }

    /// Settles an attempt that went ahead: it is no longer pending, and a
    /// failure counts.
    pub fn settle(counter: Counter, failed: bool) -> Counter {
        Counter { pending: (counter.pending - 1).max(0), failures: counter.failures + i64::from(failed), ..counter }
    }
}

/// A key's stored state. `Counter::default()` for a key never seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counter {
    pub failures: i64,
    pub window_start: i64,
    pub locked_until: i64,
    /// Windows in a row that ended in a lock-out.
    pub strikes: i64,
    /// Attempts that went ahead and are not settled yet.
    pub pending: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Check the password, then settle the attempt.
    Proceed,
    /// 429: try again in `retry_after` seconds.
    Refuse { retry_after: i64 },
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_800_000_000;
    const P: Policy = Policy { limit: 3, window: 900, max_lock: 3600 };

    fn run(counter: &mut Counter, now: i64) -> Verdict {
        let (next, verdict) = P.attempt(*counter, now);
        *counter = next;
        verdict
    }

    /// An attempt with a wrong password, checked and settled.
    fn fail(counter: &mut Counter, now: i64) -> Verdict {
        let verdict = run(counter, now);
        if verdict == Verdict::Proceed {
            *counter = Policy::settle(*counter, true);
        }
        verdict
    }

    #[test]
    fn the_limit_holds_in_a_window_and_the_lock_ends_with_it() {
        let mut c = Counter::default();
        for i in 0..3 {
            assert_eq!(fail(&mut c, T + i), Verdict::Proceed);
        }
        assert_eq!(fail(&mut c, T + 10), Verdict::Refuse { retry_after: 890 });
        assert_eq!(fail(&mut c, T + 500), Verdict::Refuse { retry_after: 400 }, "refusals do not extend it");
        assert_eq!(fail(&mut c, T + 900), Verdict::Proceed, "a new window");
        assert_eq!((c.failures, c.pending), (1, 0));
    }

    #[test]
    fn each_window_that_ends_locked_doubles_the_next_lock_up_to_the_cap() {
        let mut c = Counter::default();
        let mut start = T;
        for expected_lock in [900, 1800, 3600, 3600] {
            for _ in 0..3 {
                assert_eq!(fail(&mut c, start), Verdict::Proceed);
            }
            assert_eq!(fail(&mut c, start), Verdict::Refuse { retry_after: expected_lock });
            start += expected_lock;
        }
        // A window that ends without a lock-out ends the run.
        assert_eq!(fail(&mut c, start), Verdict::Proceed);
        assert_eq!(fail(&mut c, start + 900), Verdict::Proceed);
        assert_eq!(c.strikes, 0);
    }

    #[test]
    fn right_passwords_never_count_and_cannot_cancel_a_failure() {
        let mut c = Counter::default();
        assert_eq!(fail(&mut c, T), Verdict::Proceed);
        for _ in 0..10 {
            assert_eq!(run(&mut c, T), Verdict::Proceed);
            c = Policy::settle(c, false);
        }
        assert_eq!((c.failures, c.pending), (1, 0), "a right password settles only its own attempt");
    }

    #[test]
    fn parallel_attempts_are_counted_before_the_password_is_checked() {
        // Eleven attempts arrive before any password check finishes: only
        // the limit's worth may go on to Argon2.
        let mut c = Counter::default();
        let verdicts: Vec<Verdict> = (0..11).map(|_| run(&mut c, T)).collect();
        assert_eq!(verdicts.iter().filter(|v| **v == Verdict::Proceed).count(), 3);
        assert_eq!(verdicts[3], Verdict::Refuse { retry_after: 1 }, "no lock-out for attempts still pending");
    }
}
