//! Slots for CPU-heavy work, shared by every instance of a pod: a request
//! takes one before it runs a password hash, or is turned away at once.
//!
//! Argon2 is ~40 ms of CPU a run. Queued without a bound, a burst of logins
//! kept every core busy for seconds and the kubelet's probes, which need
//! only a moment of CPU, timed out (3 of 104 under 40 clients). Admitted, at
//! most `limit` hashes run in a pod at once and a request that finds no
//! slot free is answered 503 before any password work, so the CPU always has room
//! for the probes and the cheap routes.
//!
//! Spin gives instances no shared memory, and one pod runs many instances
//! (a WASI P3 instance serves up to 16 requests; the Spin 3.6 build's P2
//! accounts component one). What every instance of a pod shares is Spin's
//! SQLite `default` database, a file in the pod: a slot is a row of
//! `work_slots` there, taken by one statement that counts and inserts under
//! SQLite's write lock, so two instances can never both take the last one.
//! A slot whose request never gave it back (its instance trapped or was
//! stopped) lapses after eight database deadlines and five seconds; rows a
//! pod's restart leaves in a SQLite file on a volume lapse the same way.

use std::time::Duration;

use crate::{Db, StoreError, Value};

/// How long a slot is held at most: far longer than a hash and the
/// database calls around it take (each may take the whole deadline), so
/// that a slot lapses only when its request is gone (its instance trapped
/// or was stopped, or the statement that took it was given up after the
/// host had run it). Until then that slot is lost to the pod.
fn lease_ms(deadline: Duration) -> i64 {
    const HASH_MS: i64 = 5_000;
    // A login makes up to 6 database calls while it holds its slot.
    8 * i64::try_from(deadline.as_millis()).unwrap_or(i64::MAX / 16) + HASH_MS
}

const CREATE: &str = "CREATE TABLE IF NOT EXISTS work_slots (
    holder TEXT PRIMARY KEY,
    expires_at_ms BIGINT NOT NULL
)";

/// Counting and inserting in one statement: SQLite runs it under its write
/// lock, so no other connection takes a slot between the two.
const TAKE: &str = "INSERT INTO work_slots (holder, expires_at_ms)
    SELECT $1, $2 WHERE (SELECT COUNT(*) FROM work_slots WHERE expires_at_ms > $3) < $4
    RETURNING holder";

/// Gives a slot back, and clears lapsed ones (so the table stays as small
/// as the work in flight).
const GIVE_BACK: &str = "DELETE FROM work_slots WHERE holder = $1 OR expires_at_ms <= $2";

/// A slot held by this request; [`Slot::give_back`] frees it.
pub struct Slot {
    db: Db,
    holder: String,
}

/// Takes one of `limit` slots of the pod, or answers `None` at once when
/// every one is taken. Database calls wait at most `deadline`.
pub async fn take(limit: u32, deadline: Duration) -> Result<Option<Slot>, StoreError> {
    let db = Db::open_pod_local(deadline).await?;
    let holder = mewayz_time::new_id();
    let now = mewayz_time::now_millis();
    let expires = now + lease_ms(deadline);
    let params = [Value::from(holder.as_str()), expires.into(), now.into(), i64::from(limit).into()];
    let rows = match db.probe(TAKE, &params).await {
        // The pod's first slot: the table is made on first use, in the
        // pod's own database, outside the app's migrations (the app's data
        // may live in PostgreSQL).
        Err(StoreError::Query(why)) if why.contains("no such table") => {
            db.execute(CREATE, &[]).await?;
            db.query(TAKE, &params).await?
        }
        other => other?,
    };
    Ok((!rows.is_empty()).then_some(Slot { db, holder }))
}

impl Slot {
    /// Frees the slot. If that fails, the slot lapses when its lease ends.
    pub async fn give_back(self) -> Result<(), StoreError> {
        self.db.execute(GIVE_BACK, &[self.holder.as_str().into(), mewayz_time::now_millis().into()]).await
    }
}
