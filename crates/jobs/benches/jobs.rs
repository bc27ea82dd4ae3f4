//! Job-engine benchmarks against a baseline measured in the same run (spec §5).
//!
//! The fake CLI is this binary re-run with `GW_BENCH_FAKE` set (`tick`: sleep 10 ms, print one
//! line; `stream:<bytes>`: print that many bytes of 100-byte lines as fast as the pipe takes
//! them), so both the engine and the baseline spawn exactly the same program. Its output goes
//! through the real codex `--json` parser (lines it does not know become bounded events).
//!
//! Figures: jobs/s for 1,000 jobs (engine vs. spawning the fake directly, both 32 at a time),
//! async start latency and dedup-hit latency (medians, vs. the median direct spawn), and peak
//! RSS of a process streaming 200 MB through one job (vs. a process that drains the fake
//! directly), plus MB/s at 50 and 200 MB to show the cost is linear.
//!
//! Run: `cargo bench -p gateway-jobs --bench jobs` (add `-- quick` for 200 jobs / 50 MB).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::io::Write;
use std::time::{Duration, Instant};

use gateway_core::{JobStatus, ProviderId};
use gateway_jobs::{JobFilter, JobService, JobsConfig, SubmitRequest, SupervisorCommand};
use gateway_provider::CommandSpec;

const FAKE: &str = "GW_BENCH_FAKE";
const RSS_CHILD: &str = "GW_BENCH_RSS";

fn main() {
    if let Ok(mode) = std::env::var(FAKE) {
        fake_cli(&mode);
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    if let Ok(mode) = std::env::var(RSS_CHILD) {
        runtime.block_on(rss_child(&mode));
        return;
    }
    let quick = std::env::args().any(|arg| arg == "quick");
    let jobs = if quick { 200 } else { 1_000 };
    runtime.block_on(async {
        throughput(jobs).await;
        latencies().await;
    });
    let big = if quick { 50 } else { 200 };
    rss_and_linearity(big);
}

/// The fake CLI.
fn fake_cli(mode: &str) {
    let mut out = std::io::stdout().lock();
    if mode == "tick" {
        std::thread::sleep(Duration::from_millis(10));
        writeln!(out, "{{\"type\":\"text\",\"text\":\"done\"}}").unwrap();
    } else if let Some(bytes) = mode.strip_prefix("stream:") {
        let total: usize = bytes.parse().unwrap();
        let line = format!("{}\n", "x".repeat(99));
        let block = line.repeat(640); // 64,000 bytes per write
        let mut written = 0;
        while written + block.len() <= total {
            out.write_all(block.as_bytes()).unwrap();
            written += block.len();
        }
        while written < total {
            out.write_all(line.as_bytes()).unwrap();
            written += line.len();
        }
    }
}

fn fake_spec(mode: &str, tag: usize) -> CommandSpec {
    let program = std::env::current_exe()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    CommandSpec::new(
        ProviderId::Codex,
        program,
        vec![format!("--tag={tag}")],
        "json",
    )
    .with_env(FAKE, mode)
}

fn request(spec: CommandSpec) -> SubmitRequest {
    SubmitRequest {
        spec,
        prompt: "bench".to_owned(),
        model: None,
        correlation_id: None,
        idempotency_key: None,
        force_refresh: false,
        idle_timeout: None,
        timeout: None,
        origin_tool: None,
    }
}

fn config(dir: &std::path::Path) -> JobsConfig {
    let mut config = JobsConfig::in_dir(dir);
    config.supervisor = Some(SupervisorCommand::standalone(
        env!("CARGO_BIN_EXE_gateway-job-supervisor").into(),
    ));
    config.max_queued = 2_000;
    config.output_cap_bytes = 512 * 1024 * 1024;
    config
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}

/// Direct spawns of the fake, `parallel` at a time; returns the wall time.
async fn direct_batch(count: usize, parallel: usize) -> Duration {
    let started = Instant::now();
    let semaphore = std::sync::Arc::new(tokio::sync::Semaphore::new(parallel));
    let mut handles = Vec::new();
    for tag in 0..count {
        let permit = semaphore.clone().acquire_owned().await.unwrap();
        handles.push(tokio::spawn(async move {
            let spec = fake_spec("tick", tag);
            let output = tokio::process::Command::new(&spec.program)
                .args(&spec.args)
                .envs(&spec.env)
                .process_group(0)
                .output()
                .await
                .unwrap();
            assert!(output.status.success());
            drop(permit);
        }));
    }
    for handle in handles {
        handle.await.unwrap();
    }
    started.elapsed()
}

async fn throughput(count: usize) {
    let baseline = direct_batch(count, 32).await;
    let dir = tempfile::tempdir().unwrap();
    let service = JobService::start(config(dir.path())).await.unwrap();
    let started = Instant::now();
    let mut ids = Vec::new();
    for tag in 0..count {
        ids.push(
            service
                .submit(request(fake_spec("tick", tag)))
                .await
                .unwrap()
                .job_id,
        );
    }
    for id in &ids {
        let done = service
            .wait(id, Duration::from_secs(600))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(done.status, JobStatus::Completed, "{done:?}");
    }
    let engine = started.elapsed();
    let filter = JobFilter {
        statuses: vec![JobStatus::Completed],
        limit: Some(1_000),
        ..JobFilter::default()
    };
    let stored = service.list(filter).await.unwrap().len();
    service.shutdown().await;
    let direct_rate = count as f64 / baseline.as_secs_f64();
    let engine_rate = count as f64 / engine.as_secs_f64();
    println!(
        "throughput  {count} jobs of a 10 ms CLI: engine {engine_rate:.0} jobs/s, direct spawn {direct_rate:.0} jobs/s \
         (ratio {:.2}); completed rows stored {stored}/{count}",
        engine_rate / direct_rate
    );
}

async fn latencies() {
    let samples = 200;
    let mut direct = Vec::new();
    for tag in 0..samples {
        let spec = fake_spec("tick", tag);
        let started = Instant::now();
        let mut child = tokio::process::Command::new(&spec.program)
            .args(&spec.args)
            .envs(&spec.env)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        direct.push(started.elapsed());
        child.wait().await.unwrap();
    }
    let direct = median(direct);
    let dir = tempfile::tempdir().unwrap();
    let service = JobService::start(config(dir.path())).await.unwrap();
    let mut starts = Vec::new();
    let mut ids = Vec::new();
    for tag in 0..samples {
        let started = Instant::now();
        let submitted = service
            .submit(request(fake_spec("tick", 10_000 + tag)))
            .await
            .unwrap();
        starts.push(started.elapsed());
        ids.push(submitted.job_id);
        // Keep the system as idle as for the baseline: one job at a time.
        service
            .wait(ids.last().unwrap(), Duration::from_secs(60))
            .await
            .unwrap()
            .unwrap();
    }
    let mut hits = Vec::new();
    for _ in 0..samples {
        let started = Instant::now();
        let submitted = service
            .submit(request(fake_spec("tick", 10_000)))
            .await
            .unwrap();
        hits.push(started.elapsed());
        assert!(submitted.deduped_from.is_some());
    }
    service.shutdown().await;
    let (start, hit) = (median(starts), median(hits));
    println!(
        "latency     median direct spawn {:.3} ms; async start {:.3} ms (ratio {:.2}); dedup hit {:.3} ms (ratio {:.2})",
        ms(direct),
        ms(start),
        ms(start) / ms(direct),
        ms(hit),
        ms(hit) / ms(direct)
    );
}

/// Runs one scenario in a fresh child process (so peak RSS is its own) and parses its report.
fn run_rss_child(mode: &str) -> (u64, Duration) {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .env(RSS_CHILD, mode)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let mut fields = text.split_whitespace();
    let kib: u64 = fields.next().unwrap().parse().unwrap();
    let micros: u64 = fields.next().unwrap().parse().unwrap();
    (kib, Duration::from_micros(micros))
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Child side: `engine:<bytes>` streams through one job; `direct:<bytes>` drains the fake.
async fn rss_child(mode: &str) {
    let (kind, bytes) = mode.split_once(':').unwrap();
    let fake = format!("stream:{bytes}");
    let started = Instant::now();
    if kind == "direct" {
        let spec = fake_spec(&fake, 0);
        let mut child = tokio::process::Command::new(&spec.program)
            .args(&spec.args)
            .envs(&spec.env)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        tokio::io::copy(&mut stdout, &mut tokio::io::sink())
            .await
            .unwrap();
        child.wait().await.unwrap();
    } else {
        let dir = tempfile::tempdir().unwrap();
        let service = JobService::start(config(dir.path())).await.unwrap();
        let job = service.submit(request(fake_spec(&fake, 0))).await.unwrap();
        let done = service
            .wait(&job.job_id, Duration::from_secs(600))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(done.status, JobStatus::Completed, "{done:?}");
        let paging = gateway_jobs::OutputPaging {
            max_chars: 1,
            stdout_offset_chars: 0,
            stderr_offset_chars: 0,
        };
        let result = service.result(&job.job_id, paging).await.unwrap().unwrap();
        assert_eq!(
            result.stdout.total_chars,
            bytes.parse::<u64>().unwrap(),
            "every byte stored"
        );
        service.shutdown().await;
    }
    println!("{} {}", peak_rss_kib(), started.elapsed().as_micros());
}

fn rss_and_linearity(big_mb: u64) {
    let small_mb = big_mb / 4;
    let mb = 1_000_000;
    let (direct_kib, direct_time) = run_rss_child(&format!("direct:{}", big_mb * mb));
    let (engine_kib, engine_time) = run_rss_child(&format!("engine:{}", big_mb * mb));
    let (_, small_time) = run_rss_child(&format!("engine:{}", small_mb * mb));
    let big_rate = big_mb as f64 / engine_time.as_secs_f64();
    let small_rate = small_mb as f64 / small_time.as_secs_f64();
    println!(
        "streaming   {big_mb} MB through one job: peak RSS {:.1} MB (direct drain {:.1} MB, ratio {:.2}); \
         {big_rate:.0} MB/s vs direct {:.0} MB/s; {small_mb} MB at {small_rate:.0} MB/s (linearity {:.2})",
        engine_kib as f64 / 1024.0,
        direct_kib as f64 / 1024.0,
        engine_kib as f64 / direct_kib as f64,
        big_mb as f64 / direct_time.as_secs_f64(),
        big_rate / small_rate
    );
}
