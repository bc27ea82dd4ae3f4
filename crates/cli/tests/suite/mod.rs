mod doctor;
mod jobs;
mod logs;
mod register;
mod robot;
mod schema;
mod serve;
mod store_postgres;
mod usage;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use gateway_jobs::{JobService, JobsConfig, SubmitRequest};
use gateway_provider::{ProviderOptions, RunRequest, SessionMode};
use gateway_test_support::FakeClis;
use serde_json::Value;

pub(crate) const LONG: Duration = Duration::from_secs(30);

/// A data directory with a running job service (this test process is the "gateway") and the
/// fake CLIs on the jobs' `PATH`.
pub(crate) struct Fixture {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) service: JobService,
    pub(crate) clis: FakeClis,
}

impl Fixture {
    pub(crate) async fn start() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let clis = FakeClis::install(dir.path());
        let mut config = JobsConfig::in_dir(dir.path());
        config.supervisor = None;
        let service = JobService::start(config).await.unwrap();
        Fixture { dir, service, clis }
    }

    /// A provider request through the real argv builder, run by the fake CLI with `env`.
    pub(crate) fn request(
        &self,
        options: ProviderOptions,
        prompt: &str,
        env: &[(&str, &str)],
    ) -> SubmitRequest {
        let mut spec = gateway_provider::build(&RunRequest {
            prompt: prompt.to_owned(),
            model: None,
            session: SessionMode::Fresh,
            working_dir: None,
            options,
        })
        .unwrap();
        let mut vars: BTreeMap<String, String> = env
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        vars.insert(
            "PATH".to_owned(),
            self.clis.path().to_string_lossy().into_owned(),
        );
        vars.insert(
            "FAKE_AGENT_LOG".to_owned(),
            self.clis.log.to_string_lossy().into_owned(),
        );
        spec.env.extend(vars);
        SubmitRequest {
            spec,
            prompt: prompt.to_owned(),
            model: None,
            correlation_id: None,
            idempotency_key: None,
            force_refresh: true,
            idle_timeout: None,
            timeout: None,
            origin_tool: Some("claude_request".to_owned()),
        }
    }

    /// Runs a job to its end; returns its id.
    pub(crate) async fn run(&self, request: SubmitRequest) -> String {
        let submitted = self.service.submit(request).await.unwrap();
        self.service
            .wait(&submitted.job_id, LONG)
            .await
            .unwrap()
            .expect("job finished");
        submitted.job_id
    }

    /// The binary, pointed at this store and data directory, with a clean environment.
    pub(crate) fn cli(&self) -> assert_cmd::Command {
        gateway(self.dir.path())
    }
}

pub(crate) fn claude() -> ProviderOptions {
    ProviderOptions::Claude(Default::default())
}

pub(crate) fn codex() -> ProviderOptions {
    ProviderOptions::Codex(Default::default())
}

/// `llm-cli-gateway` with `LLM_GATEWAY_HOME=home` and nothing else of ours in the environment.
pub(crate) fn gateway(home: &Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("llm-cli-gateway").unwrap();
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("LLM_GATEWAY_") {
            command.env_remove(&name);
        }
    }
    command.env("LLM_GATEWAY_HOME", home).env_remove("NO_COLOR");
    command
}

/// The same as a plain `std::process::Command`, for children that keep running.
pub(crate) fn gateway_process(home: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("llm-cli-gateway"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("LLM_GATEWAY_") {
            command.env_remove(&name);
        }
    }
    command.env("LLM_GATEWAY_HOME", home);
    command
}

/// Runs the binary, expects `code`, and parses stdout as one JSON document.
pub(crate) fn json_of(mut command: assert_cmd::Command, code: i32) -> Value {
    let output = command.output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "stdout is not one JSON document ({error}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// Asserts `envelope` is valid against the schema `schema show <kind>` prints, where kind is
/// read from the envelope's own `schema` field.
pub(crate) fn assert_valid(envelope: &Value) {
    let name = envelope["schema"].as_str().expect("schema field");
    let kind = name.strip_prefix("llm-cli-gateway.v1.").expect("v1 prefix");
    let schema = json_of(
        {
            let mut command = gateway(Path::new("/nonexistent"));
            command.args(["schema", "show", kind]);
            command
        },
        0,
    );
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(envelope)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{kind} envelope invalid: {errors:#?}\n{envelope:#}"
    );
}

/// Whether `pid` is gone (a zombie counts: it runs nothing).
pub(crate) fn is_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

pub(crate) async fn gone_within(pid: u32, within: Duration) -> bool {
    let deadline = std::time::Instant::now() + within;
    while std::time::Instant::now() < deadline {
        if is_gone(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    is_gone(pid)
}
