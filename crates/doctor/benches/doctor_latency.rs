//! Doctor latency against the fake CLIs: with all six installed and each `--version` slowed
//! down by a different amount, a doctor run should take about as long as the slowest probe
//! (they run in parallel), not their sum. Target: less than the slowest probe + 150 ms.
//!
//! Run: `cargo bench -p gateway-doctor --bench doctor_latency` (add `--profile dev` to reuse a
//! debug build). It measures, as medians of several runs in the same process:
//! 1. the baseline: the slowest fake CLI's `--version`, spawned directly;
//! 2. `gateway_doctor::collect` in-process;
//! 3. `llm-cli-gateway doctor --json`, when the binary is built next to this bench (or named by
//!    `LLM_CLI_GATEWAY_BIN`).

#![expect(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a bench reports on stdout and fails loudly"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gateway_doctor::{DoctorOptions, collect};
use gateway_test_support::FakeClis;

/// `--version` delay per CLI, in ms; the slowest one is the floor of any doctor run.
const SLEEPS: [(&str, u64); 6] = [
    ("CLAUDE", 120),
    ("CODEX", 200),
    ("GEMINI", 300),
    ("AGY", 60),
    ("GROK", 160),
    ("VIBE", 240),
];
const SLOWEST: &str = "gemini";
const RUNS: usize = 9;
const BUDGET_MS: f64 = 150.0;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let clis = FakeClis::install(dir.path());
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let env: Vec<(String, String)> = SLEEPS
        .iter()
        .map(|(name, ms)| {
            (
                format!("FAKE_AGENT_VERSION_SLEEP_MS_{name}"),
                ms.to_string(),
            )
        })
        .collect();

    let baseline = median(RUNS, || {
        let status = Command::new(clis.cli(SLOWEST))
            .arg("--version")
            .envs(env.iter().cloned())
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
    });

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut options = DoctorOptions::isolated(clis.bin_dir.clone(), &home);
    options.env = env.iter().cloned().collect();
    options.run_status_commands = true;
    let in_process = median(RUNS, || {
        let report = runtime.block_on(collect(&options));
        assert!(report.providers.iter().all(|provider| provider.usable));
    });

    report("baseline: slowest fake --version", baseline, baseline);
    report("gateway_doctor::collect (in-process)", in_process, baseline);
    match gateway_binary() {
        Some(binary) => {
            let binary_run = median(RUNS, || {
                let output = Command::new(&binary)
                    .args(["doctor", "--json"])
                    .env_clear()
                    .env("PATH", &clis.bin_dir)
                    .env("HOME", &home)
                    .envs(env.iter().cloned())
                    .output()
                    .unwrap();
                let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
                assert_eq!(json["schema_version"], "1.0");
            });
            report("llm-cli-gateway doctor --json", binary_run, baseline);
        }
        None => println!(
            "llm-cli-gateway binary not built next to this bench; skipped (set LLM_CLI_GATEWAY_BIN)"
        ),
    }
}

fn median(runs: usize, mut run: impl FnMut()) -> Duration {
    run(); // warm-up: page cache, first spawn
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            run();
            started.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn report(label: &str, measured: Duration, baseline: Duration) {
    let overhead = measured.as_secs_f64() * 1000.0 - baseline.as_secs_f64() * 1000.0;
    let verdict = if overhead < BUDGET_MS {
        "within"
    } else {
        "OVER"
    };
    println!(
        "{label:<40} median {:>7.1} ms  ratio {:>5.2}x  overhead {overhead:>6.1} ms ({verdict} the {BUDGET_MS} ms budget)",
        measured.as_secs_f64() * 1000.0,
        measured.as_secs_f64() / baseline.as_secs_f64()
    );
}

/// `LLM_CLI_GATEWAY_BIN`, else `<target>/<profile>/llm-cli-gateway` next to this bench.
fn gateway_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("LLM_CLI_GATEWAY_BIN") {
        return Some(PathBuf::from(path));
    }
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent().filter(|dir| dir.ends_with("deps"))?.parent()?;
    Some(profile_dir.join("llm-cli-gateway")).filter(|path| Path::is_file(path))
}
