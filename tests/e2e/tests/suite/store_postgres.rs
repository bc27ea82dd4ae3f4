//! A gateway on a PostgreSQL store, end to end: a job runs through a supervisor process and is
//! read back by the CLI from the same database, and the store's URL (with its password) never
//! reaches a provider CLI's environment nor the gateway's stderr.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;

use gateway_e2e::World;
use serde_json::{Value, json};

/// The password of a `postgres://user:password@host/db` URL.
fn password_of(url: &str) -> String {
    let userinfo = url
        .trim_start_matches("postgres://")
        .split('@')
        .next()
        .unwrap();
    userinfo.split_once(':').unwrap().1.to_owned()
}

#[test]
fn a_job_on_postgres_runs_and_its_cli_never_sees_the_database_url() {
    let url = gateway_test_support::test_database();
    let password = password_of(&url);
    let world = World::new().with("LLM_GATEWAY_DATABASE_URL", &url);
    let mut child = world.serve_stdio(Stdio::piped());
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    for message in [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "claude_request", "arguments": {"prompt": "say hello from postgres"}}}),
    ] {
        writeln!(stdin, "{message}").unwrap();
    }
    let answer = loop {
        let line = stdout.next().expect("the gateway answered").unwrap();
        let value: Value = serde_json::from_str(&line).unwrap();
        if value["id"] == 2 {
            break value;
        }
    };
    drop(stdin);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}\n{stderr}");
    let text = answer["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(text.contains("fake claude answer"), "{answer}");
    assert!(
        !stderr.contains(&password),
        "the password leaked to stderr:\n{stderr}"
    );

    let invocations = world.clis.invocations();
    assert_eq!(invocations.len(), 1, "{invocations:?}");
    let env = &invocations[0].env;
    assert!(!env.contains_key("LLM_GATEWAY_DATABASE_URL"), "{env:?}");
    assert!(
        env.values().all(|value| !value.contains(&password)),
        "the CLI's environment holds the database password"
    );

    let listed = world
        .gateway()
        .args(["jobs", "list", "--json"])
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.status.success(), "{printed}");
    assert!(!printed.contains(&password), "{printed}");
    let envelope: Value = serde_json::from_str(&printed).unwrap();
    let jobs = envelope["data"]["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 1, "{envelope}");
    assert_eq!(jobs[0]["status"], "completed", "{envelope}");
    assert!(
        envelope["meta"]["store"]
            .as_str()
            .unwrap()
            .contains(":***@"),
        "{envelope}"
    );
}
