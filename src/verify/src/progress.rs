//! A progress indicator on stderr — only when stderr is a terminal, never
//! with `--json`, and only for runs that take more than a second.

use std::{
    io::IsTerminal,
    sync::atomic::{AtomicBool, Ordering},
    time::{Duration, Instant},
};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Runs shorter than this show no progress.
const SHOW_AFTER: Duration = Duration::from_secs(1);

const SAMPLES_TEMPLATE: &str = "{spinner} sampling {bar:30} {pos}/{len} rounds ({elapsed})";
const WATCH_TEMPLATE: &str = "{spinner} watching {bar:30} {elapsed}/{duration_total} {msg}";

/// The bar's style from one of the templates above (a unit test parses
/// them); were one ever refused, the bar keeps indicatif's default look.
fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|error| {
        eprintln!("verify: progress template {template:?} refused ({error}); using the default");
        ProgressStyle::default_bar()
    })
}

pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    shown: AtomicBool,
}

/// Whether a progress indicator may be drawn at all.
pub fn allowed(json: bool) -> bool {
    !json && std::io::stderr().is_terminal()
}

impl Progress {
    pub fn off() -> Self {
        Progress { bar: None, started: Instant::now(), shown: AtomicBool::new(false) }
    }

    /// `rounds` sampling rounds: how long they take is not known up front, so
    /// the bar appears once the run has taken a second.
    pub fn samples(rounds: u64, allowed: bool) -> Self {
        if !allowed {
            return Self::off();
        }
        let bar = ProgressBar::with_draw_target(Some(rounds), ProgressDrawTarget::hidden());
        bar.set_style(style(SAMPLES_TEMPLATE));
        Progress { bar: Some(bar), started: Instant::now(), shown: AtomicBool::new(false) }
    }

    /// A watch of known duration: shown from the start if over a second.
    pub fn watch(duration: Duration, allowed: bool) -> Self {
        if !allowed || duration <= SHOW_AFTER {
            return Self::off();
        }
        let bar = ProgressBar::with_draw_target(Some(duration.as_millis() as u64), ProgressDrawTarget::stderr());
        bar.set_style(style(WATCH_TEMPLATE).with_key(
            "duration_total",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let total = Duration::from_millis(state.len().unwrap_or(0));
                let _ = write!(w, "{}", humantime::format_duration(Duration::from_secs(total.as_secs())));
            },
        ));
        bar.set_message("0 failed");
        Progress { bar: Some(bar), started: Instant::now(), shown: AtomicBool::new(true) }
    }

    pub fn sample_tick(&self, rounds_done: u64) {
        let Some(bar) = &self.bar else { return };
        if !self.shown.load(Ordering::Relaxed) && self.started.elapsed() >= SHOW_AFTER {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown.store(true, Ordering::Relaxed);
        }
        bar.set_position(rounds_done);
    }

    pub fn watch_tick(&self, elapsed: Duration, failures: usize) {
        let Some(bar) = &self.bar else { return };
        bar.set_position(elapsed.as_millis() as u64);
        bar.set_message(format!("{failures} failed"));
    }

    /// Runs `f` (which prints) with the bar out of the way.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// Removes the bar before the report is printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_templates_parse() {
        for template in [SAMPLES_TEMPLATE, WATCH_TEMPLATE] {
            ProgressStyle::with_template(template).unwrap();
        }
    }
}
