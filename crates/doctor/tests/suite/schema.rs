//! Real doctor reports validate against the report of `setup/status.schema.json` (the CLI's
//! tests check the whole envelope), and the schema is strict enough to catch drift.

use gateway_doctor::collect;

use super::world::World;

fn validator() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../setup/status.schema.json"
    );
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let report = serde_json::json!({ "$ref": "#/$defs/report", "$defs": schema["$defs"] });
    jsonschema::validator_for(&report).unwrap()
}

fn assert_valid(validator: &jsonschema::Validator, document: &serde_json::Value) {
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "schema violations:\n{}",
        errors.join("\n")
    );
}

#[tokio::test]
async fn reports_from_many_worlds_match_the_schema() {
    let validator = validator();
    let empty = World::new();
    let mut full = World::new();
    full.install_all();
    full.set_env("ANTHROPIC_API_KEY", "x");
    full.set_env("LLM_GATEWAY_HTTP_HOST", "0.0.0.0");
    full.set_env("LLM_GATEWAY_LOGS_DB", "none");
    full.write_home(
        ".claude.json",
        r#"{"mcpServers": {"llm-cli-gateway": {"url": "http://127.0.0.1:3333/mcp"}}}"#,
    );
    full.write_home(".gemini/settings.json", "{broken");
    full.write_home(".vibe/config.toml", "[session_logging]\nenabled = false\n");
    let mut hanging = World::new();
    hanging.install(&["codex"]);
    hanging.set_env("FAKE_AGENT_VERSION_SLEEP_MS", "20000");
    hanging.options.probe_timeout = std::time::Duration::from_millis(300);
    for world in [&empty, &full, &hanging] {
        let report = collect(&world.options).await;
        assert_valid(&validator, &serde_json::to_value(&report).unwrap());
    }
}

#[tokio::test]
async fn the_schema_rejects_unknown_fields_and_values() {
    let validator = validator();
    let world = World::new();
    let report = collect(&world.options).await;
    let data = serde_json::to_value(&report).unwrap();
    assert!(validator.is_valid(&data));
    let mut extra = data.clone();
    extra["store"]["token"] = serde_json::json!("leak");
    assert!(!validator.is_valid(&extra));
    let mut wrong = data.clone();
    wrong["http"]["exposure"] = serde_json::json!("public");
    assert!(!validator.is_valid(&wrong));
    let mut version = data;
    version["schemaVersion"] = serde_json::json!("1.0");
    assert!(!validator.is_valid(&version));
}
