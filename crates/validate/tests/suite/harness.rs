//! A validator over a real job service in a temp data dir, with the fake CLIs alone on `PATH`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gateway_core::ProviderId;
use gateway_jobs::{JobService, JobsConfig};
use gateway_test_support::{FakeClis, Invocation};
use gateway_validate::{
    Intent, OriginalRequest, RunSpec, SeatChoice, SeatProgress, StoreRunRecords, ValidationReport,
    Validator, ValidatorConfig,
};

pub(super) struct Harness {
    pub(super) dir: tempfile::TempDir,
    pub(super) clis: FakeClis,
    pub(super) validator: Validator,
    pub(super) env: BTreeMap<String, String>,
}

/// A verdict-shaped answer.
pub(super) fn answer(verdict: &str) -> String {
    format!(
        "Verdict: {verdict}\nRationale: checked it.\nRisks:\n- none really\nSuggested next step: merge"
    )
}

impl Harness {
    /// `env`: fake-agent controls (`FAKE_AGENT_RESPONSE_CODEX`, …) for every seat.
    pub(super) async fn new(env: &[(&str, &str)]) -> Harness {
        Harness::with_config(env, |_| {}).await
    }

    pub(super) async fn with_config(
        env: &[(&str, &str)],
        tune: impl FnOnce(&mut JobsConfig),
    ) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let clis = FakeClis::install(dir.path());
        let mut seat_env: BTreeMap<String, String> = env
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        seat_env.insert("PATH".to_owned(), clis.bin_dir.display().to_string());
        seat_env.insert("FAKE_AGENT_LOG".to_owned(), clis.log.display().to_string());
        let mut config = JobsConfig::in_dir(&data_dir(dir.path()));
        tune(&mut config);
        let validator = start_validator(config, &seat_env).await;
        Harness {
            dir,
            clis,
            validator,
            env: seat_env,
        }
    }

    /// Shuts the job service down and starts a fresh one (and validator) on the same files.
    pub(super) async fn restart(&mut self) {
        self.validator.jobs().shutdown().await;
        let config = JobsConfig::in_dir(&data_dir(self.dir.path()));
        self.validator = start_validator(config, &self.env).await;
    }

    pub(super) fn remove_cli(&self, name: &str) {
        std::fs::remove_file(self.clis.bin_dir.join(name)).unwrap();
    }

    pub(super) async fn start(
        &self,
        intent: Intent,
        request: OriginalRequest,
        providers: &[ProviderId],
    ) -> ValidationReport {
        self.validator
            .start(spec(intent, request, providers))
            .await
            .unwrap()
    }

    /// Starts a validate run and waits for it, collecting progress.
    pub(super) async fn validate(
        &self,
        question: &str,
        providers: &[ProviderId],
    ) -> (ValidationReport, Vec<SeatProgress>) {
        let started = self
            .start(Intent::Validate, question_request(question), providers)
            .await;
        self.wait(&started.validation_id).await
    }

    pub(super) async fn wait(&self, id: &str) -> (ValidationReport, Vec<SeatProgress>) {
        let progress = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&progress);
        let report = self
            .validator
            .wait(id, Duration::from_secs(60), &move |event| {
                sink.lock().unwrap().push(event)
            })
            .await
            .unwrap();
        let events = progress.lock().unwrap().clone();
        (report, events)
    }

    /// Logged runs (not `--version` probes) of the fake CLIs.
    pub(super) fn runs(&self) -> Vec<Invocation> {
        self.clis
            .invocations()
            .into_iter()
            .filter(|call| call.kind != "version")
            .collect()
    }

    pub(super) fn run_of(&self, name: &str) -> Invocation {
        self.runs()
            .into_iter()
            .find(|call| call.name == name)
            .unwrap_or_else(|| panic!("{name} never ran"))
    }
}

pub(super) fn question_request(question: &str) -> OriginalRequest {
    OriginalRequest {
        question: Some(question.to_owned()),
        ..OriginalRequest::default()
    }
}

pub(super) fn spec(intent: Intent, request: OriginalRequest, providers: &[ProviderId]) -> RunSpec {
    RunSpec {
        intent,
        request,
        seats: providers
            .iter()
            .copied()
            .map(SeatChoice::provider)
            .collect(),
        read_only: None,
        working_dir: None,
        force_refresh: false,
        origin_tool: "validate_with_models".to_owned(),
    }
}

fn data_dir(root: &Path) -> PathBuf {
    root.join("data")
}

async fn start_validator(mut config: JobsConfig, seat_env: &BTreeMap<String, String>) -> Validator {
    config.supervisor = None;
    let jobs = JobService::start(config).await.unwrap();
    let records = Arc::new(StoreRunRecords::new(jobs.records()));
    let validator_config = ValidatorConfig {
        seat_env: seat_env.clone(),
        ..ValidatorConfig::default()
    };
    Validator::new(jobs, records, validator_config)
}
