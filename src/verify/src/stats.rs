//! Latency percentiles (nearest-rank), in milliseconds.

use std::time::Duration;

use serde::Serialize;

/// The `p`-th percentile (0 < p ≤ 100) by the nearest-rank method: the
/// smallest value with at least p % of the values at or below it. Always one
/// of the values; `None` for no values.
pub fn percentile(values: &[Duration], p: f64) -> Option<Duration> {
    assert!(p > 0.0 && p <= 100.0, "percentile {p} out of (0, 100]");
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Milliseconds, as a float.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Milliseconds rounded to the microsecond, for JSON.
fn ms_json(d: Duration) -> f64 {
    (ms(d) * 1000.0).round() / 1000.0
}

/// A route's latency summary, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Latency {
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    #[serde(skip)]
    pub p99: Duration,
}

impl Latency {
    /// `None` when there is nothing to measure.
    pub fn of(values: &[Duration]) -> Option<Self> {
        let p99 = percentile(values, 99.0)?;
        Some(Latency {
            p50_ms: ms_json(percentile(values, 50.0)?),
            p95_ms: ms_json(percentile(values, 95.0)?),
            p99_ms: ms_json(p99),
            max_ms: ms_json(*values.iter().max()?),
            p99,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn millis(values: impl IntoIterator<Item = u64>) -> Vec<Duration> {
        values.into_iter().map(Duration::from_millis).collect()
    }

    #[test]
    fn nearest_rank_on_one_to_a_hundred() {
        let values = millis((1..=100).rev());
        assert_eq!(percentile(&values, 50.0), Some(Duration::from_millis(50)));
        assert_eq!(percentile(&values, 95.0), Some(Duration::from_millis(95)));
        assert_eq!(percentile(&values, 99.0), Some(Duration::from_millis(99)));
        assert_eq!(percentile(&values, 100.0), Some(Duration::from_millis(100)));
        assert_eq!(percentile(&values, 0.1), Some(Duration::from_millis(1)));
    }

    #[test]
    fn small_samples_round_up() {
        // 5 samples: p50 is the 3rd, p95 and p99 the 5th.
        let values = millis([40, 10, 30, 50, 20]);
        assert_eq!(percentile(&values, 50.0), Some(Duration::from_millis(30)));
        assert_eq!(percentile(&values, 95.0), Some(Duration::from_millis(50)));
        assert_eq!(percentile(&values, 99.0), Some(Duration::from_millis(50)));
        // 20 samples: p95 is the 19th, so one slow outlier does not move it.
        let mut values = millis([1; 19]);
        values.push(Duration::from_millis(900));
        assert_eq!(percentile(&values, 95.0), Some(Duration::from_millis(1)));
        assert_eq!(percentile(&values, 99.0), Some(Duration::from_millis(900)));
    }

    #[test]
    fn one_value_and_none() {
        let one = millis([7]);
        for p in [1.0, 50.0, 99.0, 100.0] {
            assert_eq!(percentile(&one, p), Some(Duration::from_millis(7)));
        }
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(Latency::of(&[]), None);
    }

    #[test]
    fn latency_summary_in_milliseconds() {
        let values = vec![Duration::from_micros(1_234), Duration::from_micros(2_500), Duration::from_micros(900)];
        let latency = Latency::of(&values).unwrap();
        assert_eq!(latency.p50_ms, 1.234);
        assert_eq!(latency.p95_ms, 2.5);
        assert_eq!(latency.p99_ms, 2.5);
        assert_eq!(latency.max_ms, 2.5);
        assert_eq!(latency.p99, Duration::from_micros(2_500));
    }

    #[test]
    #[should_panic]
    fn percentile_zero_is_a_bug() {
        percentile(&millis([1]), 0.0);
    }
}
