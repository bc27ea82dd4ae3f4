//! Shared steps: build, run without credentials, run against the mock and parse.

mod agy;
mod claude;
mod codex;
mod fake;
mod gemini;
mod grok;
mod harness;
mod vibe;

use std::path::PathBuf;

use gateway_contract::oracle::codex_started;
use gateway_contract::vendor::point_at_mock;
use gateway_contract::{CliRun, Runner, Tools, Verdict, no_credentials_verdict};
use gateway_core::{AgentEvent, ExitInfo, ProviderId, RunOutcome};
use gateway_provider::{CommandSpec, ProviderOptions, RunRequest, SessionMode};
use gateway_test_support::{MockVendorApi, TestHome};

/// Files and directories the options refer to, inside a temp home.
pub(crate) struct Fixtures {
    pub(crate) home: TestHome,
    pub(crate) dir: String,
    pub(crate) text_file: String,
    pub(crate) mcp_config: String,
    pub(crate) schema_file: String,
    pub(crate) image: String,
}

impl Fixtures {
    pub(crate) fn new() -> Fixtures {
        let home = TestHome::new();
        let root = home.path().join("fixtures");
        std::fs::create_dir_all(root.join("extra-dir")).unwrap();
        std::fs::create_dir_all(home.path().join("work")).unwrap();
        let write = |name: &str, contents: &[u8]| -> String {
            let path = root.join(name);
            std::fs::write(&path, contents).unwrap();
            path.display().to_string()
        };
        let text_file = write("system.txt", b"Answer briefly.");
        let mcp_config = write("mcp.json", br#"{"mcpServers":{}}"#);
        let schema_file = write("schema.json", br#"{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"],"additionalProperties":false}"#);
        let image = write("pixel.png", &PIXEL_PNG);
        let dir = root.join("extra-dir").display().to_string();
        Fixtures {
            home,
            dir,
            text_file,
            mcp_config,
            schema_file,
            image,
        }
    }

    /// The working directory runs use (and `workingDir` for resume-latest).
    pub(crate) fn work_dir(&self) -> PathBuf {
        self.home.path().join("work")
    }
}

/// A 1×1 PNG.
const PIXEL_PNG: [u8; 67] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// A request with the given options and defaults elsewhere.
pub(crate) fn request(prompt: &str, options: ProviderOptions) -> RunRequest {
    RunRequest {
        prompt: prompt.to_owned(),
        model: None,
        session: SessionMode::Fresh,
        working_dir: None,
        options,
    }
}

/// The builder's spec, or a failure naming the case.
pub(crate) fn build(case: &str, request: &RunRequest) -> CommandSpec {
    gateway_provider::build(request)
        .unwrap_or_else(|error| panic!("{case}: the builder refused: {error}"))
}

/// A prompt of exactly 1 MiB (spec: prompts up to 1 MiB must work for every verified provider;
/// vibe 3.0.2 refuses one byte more: "piped prompt exceeds 1048576 bytes").
pub(crate) fn big_prompt() -> String {
    let mut prompt = String::from("-Starts with a dash. Reply OK.\n");
    while prompt.len() < 1024 * 1024 {
        prompt.push_str("filler line of a large prompt for the contract suite\n");
    }
    prompt.truncate(1024 * 1024);
    prompt
}

/// Runs the named cases (in the order given) with no credentials and asserts the CLI accepted
/// each argv. One test per case or chain keeps every test short enough for nextest's limit.
pub(crate) fn assert_accepted(
    provider: ProviderId,
    fixtures: &Fixtures,
    cases: Vec<(&str, RunRequest)>,
    names: &[&str],
) {
    let mut selected: Vec<(&str, RunRequest)> = cases
        .into_iter()
        .filter(|(case, _)| names.contains(case))
        .collect();
    assert_eq!(selected.len(), names.len(), "unknown case among {names:?}");
    selected.sort_by_key(|(case, _)| names.iter().position(|name| name == case));
    assert_all_accepted(provider, fixtures, &selected);
}

/// Runs each case with no credentials and asserts the CLI accepted the argv.
pub(crate) fn assert_all_accepted(
    provider: ProviderId,
    fixtures: &Fixtures,
    cases: &[(&str, RunRequest)],
) {
    let tools = Tools::locate();
    let mut failures = Vec::new();
    for (case, request) in cases {
        let spec = build(case, request);
        let mut runner = Runner::new(tools.cli(&spec.program), &fixtures.home);
        // provider-clis.md §6: claude refuses bypass flags as root unless IS_SANDBOX=1.
        runner.env.insert("IS_SANDBOX".into(), "1".into());
        let stop: Option<fn(&str) -> bool> =
            (provider == ProviderId::Codex).then_some(codex_started as fn(&str) -> bool);
        let run = runner.run(&spec, stop);
        match no_credentials_verdict(provider, &run) {
            Verdict::Accepted => {}
            verdict => failures.push(format!("== {case}: {verdict:?}\n{}", run.describe())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} argv shapes not accepted by the real {provider}:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// One success-path run against the mock: the real CLI's stdout through our parser.
pub(crate) struct Parsed {
    pub(crate) run: CliRun,
    pub(crate) events: Vec<AgentEvent>,
    pub(crate) outcome: RunOutcome,
}

pub(crate) fn run_against_mock(
    provider: ProviderId,
    fixtures: &Fixtures,
    mock: &MockVendorApi,
    request: &RunRequest,
) -> Parsed {
    let tools = Tools::locate();
    let spec = build("mock run", request);
    let mut runner = Runner::new(tools.cli(&spec.program), &fixtures.home);
    point_at_mock(&mut runner, provider, mock);
    let run = runner.run(&spec, None);
    let mut parser = gateway_provider::parser_for(&spec);
    let mut events = Vec::new();
    for line in run.stdout.lines() {
        events.extend(parser.feed_line(line));
    }
    let stderr_tail: String = run
        .stderr
        .chars()
        .rev()
        .take(8 * 1024)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let mut outcome = parser.finish(
        ExitInfo {
            code: run.code,
            signal: None,
        },
        &stderr_tail,
    );
    // What the job engine does after exit: merge the export the CLI left (vibe's usage).
    if let Some(export) = run.export() {
        gateway_provider::apply_export(provider, &mut outcome, &export);
    }
    assert_eq!(
        run.code,
        Some(0),
        "the real {provider} failed against the mock:\n{}",
        run.describe()
    );
    Parsed {
        run,
        events,
        outcome,
    }
}
