mod crash;
mod export;
mod fake;
mod lifecycle;
mod limits;
mod service;
mod signals;
mod stopping;

use std::path::Path;
use std::time::Duration;

use gateway_core::ProviderId;
use gateway_jobs::{JobService, JobsConfig, SubmitRequest, SupervisorCommand};
use gateway_provider::CommandSpec;

/// The stand-alone supervisor built with this crate.
pub(crate) fn supervisor() -> SupervisorCommand {
    SupervisorCommand::standalone(env!("CARGO_BIN_EXE_gateway-job-supervisor").into())
}

pub(crate) fn config(dir: &Path) -> JobsConfig {
    let mut config = JobsConfig::in_dir(dir);
    config.supervisor = Some(supervisor());
    config
}

pub(crate) struct Harness {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) service: JobService,
}

pub(crate) async fn harness() -> Harness {
    harness_with(|_| {}).await
}

pub(crate) async fn harness_with(tune: impl FnOnce(&mut JobsConfig)) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    tune(&mut config);
    let service = JobService::start(config).await.unwrap();
    Harness { dir, service }
}

/// A hand-built spec for an ordinary program (no provider builder needed).
pub(crate) fn spec(program: &str, args: &[&str]) -> CommandSpec {
    CommandSpec::new(
        ProviderId::Claude,
        program,
        args.iter().map(|arg| (*arg).to_owned()).collect(),
        "text",
    )
}

/// `sh -c script` (tests only: the engine itself never uses a shell).
pub(crate) fn script(script: &str) -> CommandSpec {
    spec("sh", &["-c", script])
}

pub(crate) fn request(spec: CommandSpec) -> SubmitRequest {
    SubmitRequest {
        spec,
        prompt: "test prompt".to_owned(),
        model: None,
        correlation_id: None,
        idempotency_key: None,
        force_refresh: false,
        idle_timeout: None,
        timeout: None,
        origin_tool: Some("test".to_owned()),
    }
}

pub(crate) const LONG: Duration = Duration::from_secs(30);

/// Whether `pid` is gone (or a zombie nobody reaped yet, which runs nothing). POSIX `ps`, so
/// the engine tests run on macOS too.
pub(crate) fn is_gone(pid: i32) -> bool {
    let Ok(out) = std::process::Command::new("ps")
        .args(["-o", "stat=", "-p", &pid.to_string()])
        .output()
    else {
        return true;
    };
    let state = String::from_utf8_lossy(&out.stdout);
    state.trim().is_empty() || state.trim_start().starts_with('Z')
}

/// Polls until `pid` is gone or `within` passes; returns whether it went.
pub(crate) async fn gone_within(pid: i32, within: Duration) -> bool {
    let deadline = std::time::Instant::now() + within;
    while std::time::Instant::now() < deadline {
        if is_gone(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    is_gone(pid)
}

pub(crate) fn all_output() -> gateway_jobs::OutputPaging {
    gateway_jobs::OutputPaging {
        max_chars: 10_000_000,
        stdout_offset_chars: 0,
        stderr_offset_chars: 0,
    }
}
