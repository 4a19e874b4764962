//! Admission of password work (Argon2, ~40 ms of CPU a run): at most
//! `password_hash_slots` at once per pod, across its instances
//! (`mewayz_store::slots`); past that, 503 `busy` with `Retry-After: 1`
//! before any work, so that a login burst never takes the CPU the probes
//! need.

use crate::{ApiError, ApiResult, Config};

/// Runs `work`, which hashes or checks a password, holding one of the
/// pod's slots for it, or answers 503 `busy` at once when none is free.
/// The slot is given back whatever `work` answers.
pub async fn with_password_slot(work: impl AsyncFnOnce() -> ApiResult) -> ApiResult {
    let limit = Config::password_hash_slots()?;
    let Some(slot) = mewayz_store::slots::take(limit, Config::database_timeout()?).await? else {
        return Err(ApiError::busy());
    };
    let answer = work().await;
    if let Err(err) = slot.give_back().await {
        // The answer stands: the slot lapses when its lease ends.
        eprintln!("a password slot could not be given back (it lapses when its lease ends): {err}");
    }
    answer
}
