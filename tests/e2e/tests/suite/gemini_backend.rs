//! Which gemini backend runs is one rule (`GeminiBackend::select`), and the request tools,
//! doctor and validation all follow it: with only `agy` installed, `gemini_request` runs agy
//! (it used to answer "`gemini` was not found on PATH" while doctor said agy was selected).

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

use gateway_e2e::World;
use serde_json::{Value, json};

/// A world whose `PATH` holds the fake CLIs minus `missing`, and system directories only.
fn world_without(missing: &[&str]) -> World {
    let world = World::new();
    for name in missing {
        std::fs::remove_file(world.clis.cli(name)).unwrap();
    }
    let path = format!("{}:/usr/bin:/bin", world.clis.bin_dir.display());
    world.with("PATH", &path)
}

/// Calls `gemini_request` over stdio; returns its result.
fn gemini_request(world: &World) -> Value {
    let mut child = world.serve_stdio(Stdio::null());
    let mut stdin = child.stdin.take().unwrap();
    let messages = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "gemini_request", "arguments": {"prompt": "which backend?", "outputFormat": "text"}}}),
    ];
    for message in messages {
        writeln!(stdin, "{message}").unwrap();
    }
    let reply = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(|line| serde_json::from_str::<Value>(&line.unwrap()).unwrap())
        .find(|message| message["id"] == 2)
        .unwrap();
    drop(stdin);
    child.wait().unwrap();
    reply["result"].clone()
}

/// The binary doctor marks as gemini's selected backend.
fn doctor_selects(world: &World) -> String {
    let output = world.gateway().args(["doctor", "--json"]).output().unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let providers = report["data"]["providers"].as_array().unwrap();
    let selected: Vec<&str> = providers
        .iter()
        .filter(|check| check["provider"] == "gemini" && check["selected"] == true)
        .map(|check| check["binary"].as_str().unwrap())
        .collect();
    assert_eq!(selected.len(), 1, "{providers:#?}");
    selected[0].to_owned()
}

fn ran(world: &World) -> Vec<String> {
    world
        .clis
        .invocations()
        .into_iter()
        .filter(|call| call.kind != "version")
        .map(|call| call.name)
        .collect()
}

#[test]
fn with_only_agy_installed_gemini_request_runs_agy_as_doctor_says() {
    let world = world_without(&["gemini"]);
    let result = &gemini_request(&world)["structuredContent"];
    assert_eq!(result["status"], "completed", "{result}");
    assert_eq!(ran(&world), ["agy"]);
    assert_eq!(doctor_selects(&world), "agy");
}

#[test]
fn the_backend_variable_forces_agy_and_a_bad_value_is_named() {
    let world = world_without(&[]).with("LLM_GATEWAY_GEMINI_BACKEND", "agy");
    let result = &gemini_request(&world)["structuredContent"];
    assert_eq!(result["status"], "completed", "{result}");
    assert_eq!(ran(&world), ["agy"]);
    assert_eq!(doctor_selects(&world), "agy");

    let world = world_without(&[]);
    assert_eq!(
        gemini_request(&world)["structuredContent"]["status"],
        "completed"
    );
    assert_eq!(ran(&world), ["gemini"]);
    assert_eq!(doctor_selects(&world), "gemini");

    let world = world_without(&[]).with("LLM_GATEWAY_GEMINI_BACKEND", "bard");
    let result = gemini_request(&world);
    assert_eq!(result["isError"], true, "{result}");
    assert!(
        result["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("LLM_GATEWAY_GEMINI_BACKEND"),
        "{result}"
    );
    assert!(ran(&world).is_empty());
}
