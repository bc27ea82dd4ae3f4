//! `logs`: tool calls (recorded through the store's API, as the MCP server does) and the
//! requests of real jobs; `--follow` sees rows another process writes.

use std::io::{BufRead, BufReader};
use std::time::Duration;

use gateway_jobs::NewToolCall;
use serde_json::Value;

use super::{Fixture, LONG, assert_valid, claude, json_of};

fn call(tool: &str, is_error: bool) -> NewToolCall {
    NewToolCall {
        tool: tool.to_owned(),
        client_name: Some("claude-code".to_owned()),
        client_version: Some("2.1.0".to_owned()),
        args_summary: r#"{"prompt":"<5 chars>"}"#.to_owned(),
        duration_ms: 42,
        is_error,
        result_summary: Some(if is_error { "Job not found" } else { "ok" }.to_owned()),
        job_id: None,
        validation_id: None,
    }
}

#[tokio::test]
async fn logs_merge_tool_calls_and_requests_newest_first() {
    let f = Fixture::start().await;
    let records = f.service.records();
    records
        .record_tool_call(call("llm_job_status", false))
        .await
        .unwrap();
    f.run(f.request(claude(), "hello", &[])).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    records
        .record_tool_call(call("llm_job_cancel", true))
        .await
        .unwrap();

    let mut command = f.cli();
    command.args(["logs", "--json"]);
    let logs = json_of(command, 0);
    assert_valid(&logs);
    let kinds: Vec<(&str, &str)> = logs["data"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["type"].as_str().unwrap(),
                entry
                    .get("tool")
                    .or(entry.get("provider"))
                    .and_then(Value::as_str)
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("toolCall", "llm_job_cancel"),
            ("request", "claude"),
            ("toolCall", "llm_job_status")
        ]
    );

    let mut command = f.cli();
    command.args(["logs", "--errors", "--json"]);
    let errors = json_of(command, 0);
    let entries = errors["data"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["isError"], true);

    let mut command = f.cli();
    command.args(["logs", "--tool", "claude_request", "--json"]);
    let by_tool = json_of(command, 0);
    let entries = by_tool["data"]["entries"].as_array().unwrap();
    assert_eq!(
        (entries.len(), entries[0]["type"].as_str()),
        (1, Some("request"))
    );

    let mut command = f.cli();
    command.args(["logs"]);
    let table = String::from_utf8(command.output().unwrap().stdout).unwrap();
    assert!(table.starts_with("TIME (UTC)"), "{table}");
    assert!(
        table.contains("claude-code 2.1.0") && table.contains("error"),
        "{table}"
    );
}

#[tokio::test]
async fn follow_prints_rows_written_by_another_process() {
    let f = Fixture::start().await;
    let records = f.service.records();
    records
        .record_tool_call(call("before", false))
        .await
        .unwrap();
    let mut follow = super::gateway_process(f.dir.path())
        .args(["logs", "--follow", "--json"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = follow.stdout.take().unwrap();
    let (send, lines) = std::sync::mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if send.send(serde_json::from_str(&line).unwrap()).is_err() {
                return;
            }
        }
    });
    let (first, lines) = tokio::task::spawn_blocking(move || (lines.recv_timeout(LONG), lines))
        .await
        .unwrap();
    let first = first.unwrap();
    assert_valid(&first);
    assert_eq!(first["data"]["tool"], "before", "the backlog comes first");

    records.record_tool_call(call("after", true)).await.unwrap();
    let next = tokio::task::spawn_blocking(move || lines.recv_timeout(LONG))
        .await
        .unwrap()
        .unwrap();
    assert_valid(&next);
    assert_eq!(
        (
            next["data"]["tool"].as_str(),
            next["data"]["isError"].as_bool()
        ),
        (Some("after"), Some(true))
    );
    follow.kill().unwrap();
    follow.wait().unwrap();
}

#[tokio::test]
async fn request_rows_carry_the_model_the_job_knew() {
    let f = Fixture::start().await;
    // No model asked for: the CLI's default, as it reports it.
    let reported = f.run(f.request(claude(), "default model", &[])).await;
    // A model asked for: that one.
    let mut request = f.request(claude(), "chosen model", &[]);
    request.model = Some("opus".to_owned());
    let chosen = f.run(request).await;

    let mut command = f.cli();
    command.args(["logs", "--json"]);
    let logs = json_of(command, 0);
    assert_valid(&logs);
    let models: Vec<(&str, Option<&str>)> = logs["data"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["type"] == "request")
        .map(|entry| (entry["jobId"].as_str().unwrap(), entry["model"].as_str()))
        .collect();
    assert_eq!(
        models,
        [
            (chosen.as_str(), Some("opus")),
            (reported.as_str(), Some("claude-sonnet-4-5"))
        ]
    );
}
