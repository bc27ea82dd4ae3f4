//! Estimated costs in MCP results: codex and gemini report no cost, so their answers carry the
//! store's estimate from the price table with `costEstimated: true`; claude reports its own,
//! so its answers carry no flag. The sync answer, `llm_job_result` and `llm_request_result`
//! agree.

use gateway_e2e::{World, gateway_bin, python_scenarios};
use serde_json::Value;

#[test]
fn codex_and_gemini_answers_carry_an_estimated_cost_and_claude_its_own() {
    let world = World::new();
    let out = python_scenarios(
        &world,
        gateway_bin().to_str().unwrap(),
        "legacy",
        "costs",
        None,
    );
    for (tool, estimated) in [
        ("codex_request", true),
        ("gemini_request", true),
        ("claude_request", false),
    ] {
        let seen = &out["costs"][tool];
        let cost = |view: &Value| view["costUsd"].as_f64();
        let answer = &seen["answer"];
        assert_eq!(answer["status"], "completed", "{tool}: {seen:#}");
        let usd = cost(answer).unwrap_or_else(|| panic!("{tool}: no costUsd: {seen:#}"));
        assert!(usd > 0.0, "{tool}: {seen:#}");
        for view in [answer, &seen["result"], &seen["recorded"]] {
            assert_eq!(cost(view), Some(usd), "{tool}: {seen:#}");
            // Omitted when false: no null or false flag on the wire.
            let flag = view.get("costEstimated");
            assert_eq!(
                flag,
                estimated.then_some(&Value::Bool(true)),
                "{tool}: {view:#}"
            );
        }
    }
}
