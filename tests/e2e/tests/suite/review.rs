//! Issue 19 through the real binary: `validate_with_models` reports prose verdicts honestly, and
//! `review_changes` (MCP, official Python SDK) and `llm-cli-gateway review --json` review a real
//! git diff with fake CLIs whose findings overlap: merged findings with true corroboration
//! counts, a single-seat finding kept, a failed seat reported, the diff never in argv.

use std::path::{Path, PathBuf};
use std::process::Command;

use gateway_e2e::{World, gateway_bin, python_scenarios};
use pretty_assertions::assert_eq;
use serde_json::Value;

const CLAUDE: &str = r#"```json
{"verdict": "reject", "summary": "Retries can double-charge.", "findings": [
 {"file": "pay.rs", "startLine": 2, "endLine": 3, "severity": "high", "title": "Retry double-charges the customer", "rationale": "charge() is not idempotent"},
 {"file": "pay.rs", "startLine": 8, "severity": "low", "title": "Vague function name", "rationale": "pay_once reads better"}]}
```"#;
const CODEX: &str = r#"{"verdict": "approve with changes", "summary": "Add a key.", "findings": [
 {"file": "b/pay.rs", "startLine": 2, "severity": "critical", "title": "Double charge on retry", "rationale": "POST retried"}]}"#;
const GROK: &str = r#"{"verdict": "reject", "findings": [
 {"path": "./pay.rs", "line": 3, "severity": "medium", "title": "Charges twice when retried", "rationale": "no idempotency key"}]}"#;

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.email=e2e@example.com", "-c", "user.name=e2e"])
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// A repository with one commit and an uncommitted change to `pay.rs` (and a large file kept
/// out of the default review only by `paths`).
fn repo(world: &World) -> PathBuf {
    let repo = world.home.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::create_dir_all(world.home.path().join("not-a-repo")).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("pay.rs"), "fn pay() {\n    charge();\n}\n").unwrap();
    std::fs::write(repo.join("big.txt"), "x\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "pay"]);
    std::fs::write(
        repo.join("pay.rs"),
        "fn pay() {\n    retry(charge);\n    retry(charge);\n}\n",
    )
    .unwrap();
    std::fs::write(repo.join("big.txt"), "y\n".repeat(2_000)).unwrap();
    repo
}

fn review_world() -> (World, PathBuf) {
    let world = World::new()
        .with("FAKE_AGENT_RESPONSE_CLAUDE", CLAUDE)
        .with("FAKE_AGENT_RESPONSE_CODEX", CODEX)
        .with("FAKE_AGENT_RESPONSE_GROK", GROK)
        .with("FAKE_AGENT_EXIT_CODE_GEMINI", "1");
    let repo = repo(&world);
    let world = world.with("E2E_REVIEW_REPO", repo.to_str().unwrap());
    (world, repo)
}

/// The facts both surfaces must report about the review.
fn check_review(report: &Value) {
    assert_eq!(report["schemaVersion"], "review-report.v1", "{report}");
    let findings = report["findings"].as_array().unwrap();
    let summary: Vec<(&str, u64, u64, Vec<&str>)> = findings
        .iter()
        .map(|finding| {
            (
                finding["file"].as_str().unwrap(),
                finding["corroboration"].as_u64().unwrap(),
                finding["reviewers"].as_u64().unwrap(),
                finding["reports"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["provider"].as_str().unwrap())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("pay.rs", 3, 4, vec!["claude", "codex", "grok"]),
            ("pay.rs", 1, 4, vec!["claude"]),
        ],
        "{report}"
    );
    assert_eq!(
        findings[0]["label"],
        "corroborated by 3 of 4 models (claude, codex, grok)"
    );
    assert_eq!(findings[0]["severity"], "critical");
    assert_eq!(findings[1]["label"], "reported by 1 of 4 models (claude)");
    let gemini = &report["seats"][2];
    assert_eq!(
        (&gemini["provider"], &gemini["status"]),
        (&Value::from("gemini"), &Value::from("failed"))
    );
    assert_eq!(
        report["verdicts"]["notAnswered"],
        serde_json::json!(["gemini"])
    );
    assert_eq!(
        report["hasMaterialDisagreement"], true,
        "reject vs approve with changes"
    );
    assert_ne!(report["confidence"], "high");
    assert_eq!(
        report["diff"]["files"],
        serde_json::json!(["big.txt", "pay.rs"])
    );
}

/// Every seat read the diff from stdin or its prompt file; no argv carried it.
fn check_diff_not_in_argv(world: &World) {
    let runs: Vec<_> = world
        .clis
        .invocations()
        .into_iter()
        .filter(|call| call.kind == "run")
        .collect();
    assert!(runs.len() >= 3, "{runs:?}");
    for run in runs {
        let argv = run.argv.join(" ");
        assert!(
            !argv.contains("retry(charge)"),
            "diff in {}'s argv: {argv}",
            run.name
        );
        let prompt = run.prompt.unwrap_or_default();
        assert!(
            prompt.contains("+    retry(charge);"),
            "{}: {prompt}",
            run.name
        );
    }
}

#[test]
fn review_changes_merges_findings_through_the_python_sdk() {
    let (world, _repo) = review_world();
    let out = python_scenarios(
        &world,
        gateway_bin().to_str().unwrap(),
        "auto",
        "review",
        None,
    );
    let review = &out["review"];
    let result = &review["result"];
    assert_eq!(result["isError"], false, "{result}");
    check_review(&result["structured"]);
    let text = result["text"].as_str().unwrap();
    assert!(
        text.contains("corroborated by 3 of 4 models (claude, codex, grok)"),
        "{text}"
    );
    assert!(text.contains("gemini did not review (failed)"), "{text}");
    assert_eq!(review["progress"].as_array().unwrap().len(), 4, "{review}");
    check_review(&review["status"]["structured"]);
    check_diff_not_in_argv(&world);
    for (case, needle) in [
        ("badRange", "invalid `range`"),
        ("flagLike", "is not a revision"),
        ("tooBig", "larger than 1000 bytes"),
        ("notRepo", "not a git repository"),
    ] {
        let error = &review[case];
        assert_eq!(error["isError"], true, "{case}: {error}");
        assert!(
            error["text"].as_str().unwrap().contains(needle),
            "{case}: {error}"
        );
    }
}

#[test]
fn review_command_prints_the_same_report_as_json() {
    let (world, repo) = review_world();
    let output = world
        .gateway()
        .args([
            "review",
            "--dir",
            repo.to_str().unwrap(),
            "--models",
            "claude,codex,gemini,grok",
            "--json",
        ])
        .output()
        .unwrap();
    let envelope: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&output.stderr)));
    assert_eq!(envelope["schema"], "llm-cli-gateway.v1.review");
    assert_eq!(envelope["ok"], true, "{envelope}");
    gateway_e2e::assert_envelope_valid(&world, &envelope);
    check_review(&envelope["data"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "a failed seat is not a clean review"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("4/4 models answered"), "{stderr}");

    let bad = world
        .gateway()
        .args([
            "review",
            "--dir",
            repo.to_str().unwrap(),
            "--range",
            "nope..HEAD",
            "--json",
        ])
        .output()
        .unwrap();
    let envelope: Value = serde_json::from_slice(&bad.stdout).unwrap();
    gateway_e2e::assert_envelope_valid(&world, &envelope);
    assert_eq!(
        (
            bad.status.code(),
            &envelope["ok"],
            &envelope["error"]["code"]
        ),
        (
            Some(2),
            &Value::from(false),
            &Value::from("invalid_argument")
        )
    );
}

#[test]
fn validate_with_models_reports_inferred_verdicts_honestly() {
    let world = World::new()
        .with(
            "FAKE_AGENT_RESPONSE_CLAUDE",
            "Verdict: APPROVE\nRationale: keys are stored first.",
        )
        .with(
            "FAKE_AGENT_RESPONSE_CODEX",
            "I would approve this with minor changes: cap the retries.",
        )
        .with(
            "FAKE_AGENT_RESPONSE_GEMINI",
            "REJECT. Retrying on 502 can double-charge.",
        );
    let out = python_scenarios(
        &world,
        gateway_bin().to_str().unwrap(),
        "auto",
        "validate_mixed",
        None,
    );
    let report = &out["validate_mixed"]["structured"];
    let seats: Vec<(&str, &str, &str)> = report["perModelOutputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|seat| {
            (
                seat["provider"].as_str().unwrap(),
                seat["verdictClass"].as_str().unwrap_or("none"),
                seat["verdictSource"].as_str().unwrap_or("none"),
            )
        })
        .collect();
    assert_eq!(
        seats,
        vec![
            ("claude", "approve", "stated"),
            ("codex", "approve_with_changes", "inferred"),
            ("gemini", "reject", "inferred"),
        ],
        "{report}"
    );
    assert_ne!(report["confidence"], "high");
    let recommendation = report["finalRecommendation"].as_str().unwrap();
    assert!(
        recommendation.contains(
            "1 of 3 approve: claude; 1 of 3 approve with changes: codex (inferred); 1 of 3 reject: gemini (inferred)"
        ),
        "{recommendation}"
    );
    assert!(!recommendation.contains("3 of 3"), "{recommendation}");
}
