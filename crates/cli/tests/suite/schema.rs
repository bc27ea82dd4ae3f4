//! `schema list|show`: every kind has a schema, the list itself validates, and each schema is
//! pinned by a snapshot so that a change to the contract is reviewed.

use std::path::Path;

use super::{assert_valid, gateway, json_of};

#[test]
fn every_kind_has_a_pinned_schema() {
    let mut command = gateway(Path::new("/nonexistent"));
    command.args(["schema", "list", "--json"]);
    let list = json_of(command, 0);
    assert_valid(&list);
    let kinds: Vec<String> = list["data"]["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|kind| kind["kind"].as_str().unwrap().to_owned())
        .collect();
    assert!(kinds.len() >= 10, "{kinds:?}");
    for kind in kinds {
        let mut command = gateway(Path::new("/nonexistent"));
        command.args(["schema", "show", &kind]);
        let schema = json_of(command, 0);
        assert_eq!(
            schema["properties"]["schema"]["const"],
            format!("llm-cli-gateway.v1.{kind}")
        );
        insta::assert_json_snapshot!(format!("schema-{kind}"), schema);
    }
}

#[test]
fn an_unknown_kind_is_a_usage_error() {
    let mut command = gateway(Path::new("/nonexistent"));
    command.args(["schema", "show", "jobs"]);
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("jobs-list"));
}
