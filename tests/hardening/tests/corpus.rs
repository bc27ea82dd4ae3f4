//! The bad-input corpus (`corpus/bad-input.json`, written by `corpus/generate.py`) through the
//! real binary and the official Python MCP client, one session for the whole corpus.

#![expect(clippy::unwrap_used, reason = "tests")]

use gateway_hardening::{World, crate_dir, gateway_bin, python_lines};
use serde_json::Value;

#[test]
fn every_hostile_call_is_refused_naming_its_parameter_and_spawns_nothing() {
    let corpus_path = crate_dir().join("corpus/bad-input.json");
    let corpus: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&corpus_path).unwrap()).unwrap();
    assert!(
        corpus.len() >= 100,
        "the corpus shrank to {} cases",
        corpus.len()
    );
    let world = World::new();
    let bin = gateway_bin();
    let lines = python_lines(
        &world,
        "corpus.py",
        &[bin.to_str().unwrap(), corpus_path.to_str().unwrap()],
    );
    assert_eq!(
        lines.len(),
        corpus.len() + 1,
        "one observation per case plus the control"
    );

    let failures: Vec<String> = corpus
        .iter()
        .zip(&lines)
        .filter_map(|(case, seen)| judge(case, seen))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} hostile calls were not refused properly:\n{}",
        failures.len(),
        corpus.len(),
        failures.join("\n")
    );

    let control = lines.last().unwrap();
    assert_eq!(
        control["isError"], false,
        "the control call failed: {control}"
    );
    let runs: Vec<_> = world
        .clis
        .invocations()
        .into_iter()
        .filter(|call| call.kind != "version")
        .collect();
    assert_eq!(
        runs.len(),
        1,
        "hostile calls spawned a provider CLI: {runs:#?}"
    );
    assert_eq!(runs[0].prompt.as_deref(), Some("hardening-control"));
}

/// `None` when the call was refused (an `isError` result or a protocol error) and the error text
/// names the parameter; else a line describing the failure.
fn judge(case: &Value, seen: &Value) -> Option<String> {
    let name = case["name"].as_str().unwrap();
    assert_eq!(seen["name"], name, "observations out of order");
    let expect = case["expect"].as_str().unwrap();
    let message = format!(
        "{}{}",
        seen["text"].as_str().unwrap_or(""),
        seen["exception"].as_str().unwrap_or("")
    );
    let refused = seen["isError"] == true || !seen["exception"].is_null();
    if refused && message.contains(expect) {
        return None;
    }
    let excerpt: String = message.chars().take(200).collect();
    Some(format!(
        "  {name}: refused={refused}, expected `{expect}` in: {excerpt}"
    ))
}
