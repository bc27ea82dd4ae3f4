//! Daily budgets (`[budget]` of config.toml): a request that would start past one is refused
//! with a non-retryable error naming it, through the MCP tool and through the CLI.

use gateway_e2e::{World, gateway_bin, python_scenarios};
use serde_json::Value;

/// A world whose config.toml gives codex a spent (zero) daily budget.
fn world() -> World {
    let world = World::new();
    let config = world.home.path().join("budget.toml");
    std::fs::write(&config, "[budget.providers]\ncodex = 0\n").unwrap();
    world.with("LLM_GATEWAY_CONFIG", config.to_str().unwrap())
}

#[test]
fn a_spent_budget_refuses_through_the_mcp_tool_and_the_cli() {
    let world = world();
    let out = python_scenarios(
        &world,
        gateway_bin().to_str().unwrap(),
        "legacy",
        "budget",
        None,
    );
    let refused = &out["budget"]["refused"];
    assert_eq!(refused["isError"], true, "{refused}");
    let text = refused["text"].as_str().unwrap();
    assert!(
        text.contains("codex daily budget of $0.00") && !text.contains("retry"),
        "{text}"
    );
    assert_eq!(
        out["budget"]["allowed"]["isError"], false,
        "other providers run"
    );
    let ran: Vec<String> = world
        .clis
        .invocations()
        .into_iter()
        .filter(|i| i.kind == "run")
        .map(|i| i.name)
        .collect();
    assert!(
        !ran.contains(&"codex".to_owned()),
        "codex must not run: {ran:?}"
    );

    let output = world
        .gateway()
        .args([
            "validate",
            "is the plan sound?",
            "--models",
            "codex",
            "--json",
        ])
        .output()
        .unwrap();
    let envelope: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&output.stdout)));
    assert_eq!(output.status.code(), Some(1), "{envelope:#}");
    gateway_e2e::assert_envelope_valid(&world, &envelope);
    assert!(
        envelope.to_string().contains("codex daily budget"),
        "{envelope:#}"
    );
}
