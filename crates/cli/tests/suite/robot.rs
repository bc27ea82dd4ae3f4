//! Robot mode: every envelope carries `meta` and validates, every failure under `--json` is an
//! error envelope with its exit code (clap's usage errors included), `logs export` / `stats` /
//! `--job`, `jobs show --prompt|--output`, estimated costs and budgets.

use std::path::Path;
use std::time::Duration;

use gateway_mcp::record::{Recorder, ToolCallEntry};
use gateway_store::costs::{Budget, ModelPrice};
use serde_json::Value;

use super::{Fixture, LONG, assert_valid, claude, codex, gateway, json_of};

/// Runs the binary, expects `code`, returns stdout as text.
fn stdout_of(mut command: assert_cmd::Command, code: i32) -> String {
    let output = command.output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(code),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn price(provider: &str, input: f64, output: f64) -> ModelPrice {
    ModelPrice {
        provider: provider.to_owned(),
        model: "*".to_owned(),
        input_per_mtok: input,
        cached_input_per_mtok: input / 10.0,
        output_per_mtok: output,
        source: "test".to_owned(),
    }
}

#[tokio::test]
async fn lists_carry_meta_and_every_failure_is_an_envelope() {
    let f = Fixture::start().await;
    for prompt in ["one", "two", "three"] {
        f.run(f.request(claude(), prompt, &[])).await;
    }
    let mut command = f.cli();
    command.args(["jobs", "list", "--limit", "2", "--json"]);
    let listed = json_of(command, 0);
    assert_valid(&listed);
    let meta = &listed["meta"];
    assert_eq!(
        (&meta["count"], &meta["truncated"]),
        (&Value::from(2), &Value::from(true))
    );
    assert_eq!(meta["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        meta["store"].as_str().unwrap().ends_with("logs.db"),
        "{meta}"
    );
    assert!(
        meta["generatedAt"].as_str().unwrap().ends_with('Z'),
        "{meta}"
    );

    let mut command = f.cli();
    command.args(["jobs", "list", "--json", "--status", "all"]);
    assert_eq!(json_of(command, 0)["meta"]["truncated"], false);

    // Every failure under --json: a usage error (exit 2), no store (3), no such job (1).
    let cases: [(&[&str], i32, &str); 5] = [
        (&["jobs", "list", "--bogus", "--json"], 2, "usage_error"),
        (&["logs", "--limit", "0", "--json"], 2, "usage_error"),
        (&["jobs", "show", "--json"], 2, "usage_error"),
        (&["jobs", "show", "ffffffff", "--json"], 1, "not_found"),
        (
            &["usage", "--json", "--db", "/nonexistent/logs.db"],
            3,
            "store_not_found",
        ),
    ];
    for (args, code, error) in cases {
        let mut command = f.cli();
        command.args(args);
        let envelope = json_of(command, code);
        assert_valid(&envelope);
        assert_eq!(envelope["ok"], false, "{args:?}");
        assert_eq!(envelope["error"]["code"], error, "{args:?}");
        assert!(
            !envelope["error"]["hint"].as_str().unwrap().is_empty(),
            "{envelope}"
        );
    }
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("llm-cli-gateway"))
        .args(["schema", "show", "jobs-list"])
        .stdout(writer)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "",
        "nothing to say about a reader that left"
    );
    assert!(output.status.success(), "{:?}", output.status);
}

#[tokio::test]
async fn export_streams_both_formats_and_stats_count_drops() {
    let f = Fixture::start().await;
    let job = f.run(f.request(claude(), "exported", &[])).await;
    // A recorder with room for one entry: fed without yielding, it must drop the rest.
    let recorder = Recorder::with_capacity(f.service.clone(), 1);
    for index in 0..10 {
        recorder.record(ToolCallEntry {
            tool: "llm_job_status".to_owned(),
            client_name: Some("robot".to_owned()),
            client_version: None,
            args_summary: "{}".to_owned(),
            duration_ms: 10 * index,
            is_error: index == 0,
            result_summary: Some("status=completed".to_owned()),
            job_id: Some(job.clone()),
            validation_id: None,
        });
    }
    assert_eq!(recorder.dropped(), 9);
    let deadline = std::time::Instant::now() + LONG;
    let stats = loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut command = f.cli();
        command.args(["logs", "stats", "--json"]);
        let stats = json_of(command, 0);
        if stats["data"]["dropped"] == 9 || std::time::Instant::now() > deadline {
            break stats;
        }
    };
    assert_valid(&stats);
    assert_eq!(stats["data"]["dropped"], 9, "{stats:#}");
    let tool = &stats["data"]["tools"][0];
    assert_eq!(
        (
            &tool["tool"],
            &tool["calls"],
            &tool["errors"],
            &tool["errorRate"]
        ),
        (
            &Value::from("llm_job_status"),
            &Value::from(1),
            &Value::from(1),
            &Value::from(1.0)
        )
    );
    let mut command = f.cli();
    command.args(["logs", "stats"]);
    assert!(stdout_of(command, 0).contains("dropped records: 9"));

    let mut command = f.cli();
    command.args(["logs", "export"]);
    let lines: Vec<Value> = stdout_of(command, 0)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let kinds: Vec<&str> = lines
        .iter()
        .map(|row| row["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["request", "toolCall"], "oldest first");
    assert_eq!(lines[1]["jobId"], job.as_str());

    let mut command = f.cli();
    command.args(["logs", "export", "--format", "csv", "--type", "request"]);
    let csv = stdout_of(command, 0);
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(rows[0].starts_with("type,id,atMs,tool,provider,"), "{csv}");
    assert!(
        rows[1].starts_with("request,") && rows[1].contains(&job),
        "{csv}"
    );

    let mut command = f.cli();
    command.args(["logs", "export", "--since", "1h", "--until", "1h"]);
    assert_eq!(stdout_of(command, 0), "", "an empty window");
}

#[tokio::test]
async fn logs_join_a_job_to_its_tool_calls_and_show_prints_prompt_and_answer() {
    let f = Fixture::start().await;
    let job = f
        .run(f.request(
            claude(),
            "the question, api_key=sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789",
            &[("FAKE_AGENT_RESPONSE", "the answer")],
        ))
        .await;
    let other = f.run(f.request(claude(), "another", &[])).await;
    let records = f.service.records();
    for id in [&job, &other] {
        records
            .record_tool_call(gateway_jobs::NewToolCall {
                tool: "claude_request".to_owned(),
                client_name: None,
                client_version: None,
                args_summary: "{}".to_owned(),
                duration_ms: 5,
                is_error: false,
                result_summary: None,
                job_id: Some(id.clone()),
                validation_id: None,
            })
            .await
            .unwrap();
    }
    let short = &job[job.len() - 8..];
    let mut command = f.cli();
    command.args(["logs", "--job", short, "--json"]);
    let logs = json_of(command, 0);
    assert_valid(&logs);
    let rows: Vec<(&str, &str)> = logs["data"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["type"].as_str().unwrap(),
                row["jobId"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [("toolCall", job.as_str()), ("request", job.as_str())]
    );

    let mut command = f.cli();
    command.args(["jobs", "show", short, "--prompt"]);
    let prompt = stdout_of(command, 0);
    assert!(prompt.starts_with("the question"), "{prompt}");
    assert!(!prompt.contains("abcdefghijklmnop"), "redacted: {prompt}");
    let mut command = f.cli();
    command.args(["jobs", "show", short, "--output", "--json"]);
    let answer = json_of(command, 0);
    assert_valid(&answer);
    assert_eq!(answer["data"]["text"], "the answer");
}

#[tokio::test]
async fn codex_and_gemini_costs_are_estimated_and_budgets_refuse() {
    let f = Fixture::start().await;
    let records = f.service.records();
    records
        .set_cost_policy(
            vec![price("codex", 1.25, 10.0), price("gemini", 2.0, 12.0)],
            Vec::new(),
        )
        .await
        .unwrap();
    let codex_job = f.run(f.request(codex(), "estimate me", &[])).await;
    let gemini = gateway_provider::ProviderOptions::Gemini(Default::default());
    let gemini_job = f.run(f.request(gemini, "estimate me too", &[])).await;
    let claude_job = f.run(f.request(claude(), "reports its own", &[])).await;
    for (job, estimated) in [
        (&codex_job, true),
        (&gemini_job, true),
        (&claude_job, false),
    ] {
        let mut command = f.cli();
        command.args(["jobs", "show", job, "--json"]);
        let shown = json_of(command, 0);
        assert_valid(&shown);
        assert_eq!(shown["data"]["costEstimated"], estimated, "{shown:#}");
        assert!(
            shown["data"]["costUsd"].as_f64().unwrap() > 0.0,
            "{shown:#}"
        );
    }
    let mut command = f.cli();
    command.args(["jobs", "list"]);
    assert!(stdout_of(command, 0).contains("~$"));
    let mut command = f.cli();
    command.args(["usage", "providers", "--json"]);
    let usage = json_of(command, 0);
    assert_valid(&usage);
    let estimated: Vec<(&str, bool)> = usage["data"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["key"].as_str().unwrap(),
                row["estimatedCostUsd"].as_f64().unwrap() > 0.0,
            )
        })
        .collect();
    assert_eq!(
        estimated,
        [("claude", false), ("codex", true), ("gemini", true)]
    );

    // A budget already spent: the next request is refused, naming it.
    records
        .set_cost_policy(
            Vec::new(),
            vec![Budget {
                scope: "codex".to_owned(),
                daily_usd: 0.000_001,
            }],
        )
        .await
        .unwrap();
    let refused = f
        .service
        .submit(f.request(codex(), "one more", &[]))
        .await
        .unwrap_err();
    let message = refused.to_string();
    assert!(
        message.contains("codex daily budget") && message.contains("config.toml"),
        "{message}"
    );
    f.run(f.request(claude(), "other providers still run", &[]))
        .await;
    let mut command = f.cli();
    command.args(["usage", "--json"]);
    let usage = json_of(command, 0);
    assert_valid(&usage);
    assert_eq!(usage["data"]["budgets"][0]["scope"], "codex");
    assert!(usage["data"]["budgets"][0]["spentUsd"].as_f64().unwrap() > 0.0);
    let mut command = f.cli();
    command.args([
        "doctor",
        "--json",
        "--no-status-commands",
        "--timeout-ms",
        "500",
    ]);
    let doctor: Value = serde_json::from_slice(&command.output().unwrap().stdout).unwrap();
    assert_valid(&doctor);
    assert_eq!(doctor["data"]["store"]["budgets"][0]["scope"], "codex");
    assert!(
        doctor["meta"]["store"]
            .as_str()
            .unwrap()
            .ends_with("logs.db")
    );
}

#[test]
fn pricing_prints_the_table_with_config_overrides() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "[pricing.codex]\n\"gpt-5-codex\" = { input = 9, output = 99 }\n[budget]\ndaily_usd = 3\n",
    )
    .unwrap();
    let mut command = gateway(dir.path());
    command.args(["usage", "pricing", "--json"]);
    let pricing = json_of(command, 0);
    assert_valid(&pricing);
    let prices = pricing["data"]["prices"].as_array().unwrap();
    assert!(prices.iter().any(|row| row["model"] == "gpt-5-codex"
        && row["outputPerMtok"] == 99.0
        && row["source"] == "config.toml"));
    assert_eq!(pricing["data"]["budgets"][0]["dailyUsd"], 3.0);
    let mut command = gateway(dir.path());
    command.args(["usage", "pricing"]);
    let table = stdout_of(command, 0);
    assert!(
        table.contains("default 2025-11-20") && table.contains("budget all:"),
        "{table}"
    );
}

#[test]
fn every_kind_has_a_valid_example() {
    let mut command = gateway(Path::new("/nonexistent"));
    command.args(["schema", "list", "--json"]);
    let list = json_of(command, 0);
    for kind in list["data"]["kinds"].as_array().unwrap() {
        let kind = kind["kind"].as_str().unwrap();
        let mut command = gateway(Path::new("/nonexistent"));
        command.args(["schema", "example", kind]);
        let example = json_of(command, 0);
        assert_valid(&example);
        assert_eq!(example["schema"], format!("llm-cli-gateway.v1.{kind}"));
    }
}
