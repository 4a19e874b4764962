//! `verify`: probes a running Mewayz API the way the kubelet does and says
//! whether the deployment is ready — or, with `--watch`, whether a rolling
//! update dropped a single probe.

mod probe;
mod progress;
mod report;
mod stats;
mod watch;

use std::{io::Write, process::ExitCode, time::Duration};

use clap::Parser;

use crate::{
    probe::{Prober, Target},
    progress::Progress,
    report::Report,
};

const AFTER_HELP: &str = "\
Probes GET / /health /api/health /readiness /liveness like the kubelet: a new connection per request,
User-Agent \"kube-probe/1.31 (mewayz-verify)\", no redirects followed; a sample succeeds on HTTP 200-399
received in full within --timeout. A round probes the five routes at once. Latency percentiles
(nearest rank) count samples that got an answer or timed out; failed connections are not timed.
GET /api/status is reported too, but is not part of any verdict.

Exit status: 0 every verdict passes (--watch: no sample failed), 1 otherwise, 2 usage error.

Examples:
  verify --url http://127.0.0.1:3000
  verify --url http://127.0.0.1:3000 --samples 100 --max-p99 50ms --json
  verify --url http://127.0.0.1:3000 --watch 5m      # during a rolling update";

#[derive(Debug, Parser)]
#[command(
    name = "verify",
    version,
    about = "Verify a Mewayz API deployment the way Kubernetes probes it",
    after_help = AFTER_HELP
)]
struct Cli {
    /// Base URL of the app; a trailing slash or a path prefix is fine
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:3000")]
    url: String,

    /// Samples per route
    #[arg(
        long,
        value_name = "N",
        default_value_t = 20,
        value_parser = clap::value_parser!(u32).range(1..=100_000),
        conflicts_with = "watch"
    )]
    samples: u32,

    /// Per-request timeout, like a probe's timeoutSeconds (e.g. 1s, 500ms)
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = positive_duration)]
    timeout: Duration,

    /// The Speed verdict passes when every route's p99 is under this
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "100ms",
        value_parser = positive_duration,
        conflicts_with = "watch"
    )]
    max_p99: Duration,

    /// Print one JSON document instead of the human report
    #[arg(long)]
    json: bool,

    /// Probe continuously for DURATION (e.g. 30s, 5m), reporting every failed sample as it happens
    #[arg(long, value_name = "DURATION", value_parser = positive_duration)]
    watch: Option<Duration>,

    /// With --watch: start a round over the five routes this often
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "100ms",
        value_parser = positive_duration,
        requires = "watch"
    )]
    interval: Duration,
}

/// A humantime duration above zero.
fn positive_duration(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text.trim()).map_err(|e| format!("{e} (e.g. 1s, 250ms, 5m)"))?;
    if duration.is_zero() {
        return Err("must be more than zero".into());
    }
    Ok(duration)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let target = match Target::parse(&cli.url) {
        Ok(target) => target,
        Err(error) => {
            eprintln!("verify: invalid --url: {error}");
            return ExitCode::from(2);
        }
    };
    let prober = Prober::new(target, cli.timeout);
    let show_progress = progress::allowed(cli.json);

    let (output, pass) = match cli.watch {
        Some(duration) => {
            if !cli.json {
                print(&format!(
                    "Watching {} for {}: a round over the five probe routes every {}, timeout {}\n",
                    prober.target().base(),
                    humantime::format_duration(duration),
                    humantime::format_duration(cli.interval),
                    humantime::format_duration(cli.timeout),
                ));
            }
            let progress = Progress::watch(duration, show_progress);
            let report = watch::run(&prober, duration, cli.interval, &progress, |line| {
                if !cli.json {
                    progress.suspend(|| print(&format!("{line}\n")));
                }
            });
            progress.finish();
            let output = if cli.json { json(&report) } else { Ok(report.human_summary()) };
            (output, report.pass)
        }
        None => {
            let progress = Progress::samples(u64::from(cli.samples), show_progress);
            let mut samples = Vec::with_capacity(cli.samples as usize * probe::ROUTES.len());
            for done in 1..=cli.samples {
                samples.extend(prober.round());
                progress.sample_tick(u64::from(done));
            }
            let status_route = prober.status_route();
            progress.finish();
            let report =
                Report::new(prober.target().base(), cli.samples, cli.timeout, cli.max_p99, &samples, status_route);
            let output = if cli.json { json(&report) } else { Ok(report.human()) };
            (output, report.pass)
        }
    };
    let output = match output {
        Ok(output) => output,
        Err(error) => {
            eprintln!("verify: the report could not be written as JSON: {error}");
            return ExitCode::from(1);
        }
    };
    print(&output);
    if pass { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

fn json(value: &impl serde::Serialize) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

/// Prints to stdout; a closed pipe is not worth a panic.
fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
