//! The harness itself: tools present, a refused argv is judged rejected (so the oracle can fail).

use gateway_contract::{Runner, Tools, Verdict, no_credentials_verdict};
use gateway_core::ProviderId;
use gateway_provider::{CommandSpec, PromptVia};

use super::Fixtures;

fn raw_spec(provider: ProviderId, program: &str, args: &[&str]) -> CommandSpec {
    CommandSpec {
        provider,
        program: program.to_owned(),
        args: args.iter().map(|arg| (*arg).to_owned()).collect(),
        env: Default::default(),
        env_remove: Vec::new(),
        cwd: None,
        stdin: Some("hi".to_owned()),
        prompt_file: None,
        prompt_via: PromptVia::Stdin,
        prompt_bytes: 2,
        output_format: String::new(),
        export_file: None,
    }
}

#[test]
fn a_bogus_flag_is_rejected_by_every_real_cli() {
    let tools = Tools::locate();
    let fixtures = Fixtures::new();
    let cases = [
        (
            ProviderId::Claude,
            "claude",
            vec!["-p", "--output-format", "json", "--bogus-flag"],
        ),
        (
            ProviderId::Codex,
            "codex",
            vec![
                "exec",
                "--json",
                "--skip-git-repo-check",
                "--full-auto",
                "-",
            ],
        ),
        (
            ProviderId::Gemini,
            "gemini",
            vec!["--skip-trust", "-o", "json", "--bogus-flag"],
        ),
        (
            ProviderId::Grok,
            "grok",
            vec!["-p", "hi", "--output-format", "stream-json"],
        ),
        (
            ProviderId::Mistral,
            "vibe",
            vec!["-p", "hi", "--model", "x"],
        ),
    ];
    for (provider, program, args) in cases {
        let runner = Runner::new(tools.cli(program), &fixtures.home);
        let run = runner.run(&raw_spec(provider, program, &args), None);
        let verdict = no_credentials_verdict(provider, &run);
        assert!(
            matches!(verdict, Verdict::Rejected(_)),
            "{program}: {verdict:?}\n{}",
            run.describe()
        );
    }
}

#[test]
fn versions_are_the_pinned_ones() {
    let tools = Tools::locate();
    let fixtures = Fixtures::new();
    let cases = [
        ("claude", "2.1.330"),
        ("codex", "0.169.0"),
        ("gemini", "0.61.0"),
        ("grok", "1.0.41"),
        ("vibe", "3.0.2"),
    ];
    for (program, version) in cases {
        let runner = Runner::new(tools.cli(program), &fixtures.home);
        let mut spec = raw_spec(ProviderId::Claude, program, &["--version"]);
        spec.stdin = None;
        let run = runner.run(&spec, None);
        assert!(
            run.stdout.contains(version),
            "{program} --version:\n{}",
            run.describe()
        );
    }
}

#[test]
fn the_fake_agent_is_found_or_built_from_another_crate() {
    let bin = gateway_test_support::fake_agent_bin();
    let output = std::process::Command::new(&bin)
        .arg("--version")
        .env("FAKE_AGENT_AS", "codex")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "codex-cli 0.169.0",
        "{}",
        bin.display()
    );
}
