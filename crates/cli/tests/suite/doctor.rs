//! `doctor`'s exit code through the binary: logged-out CLIs are not `ready`.

use std::path::Path;

use super::json_of;

/// `doctor --json` in `dir` with only `clis` (the fake, under their names) on `PATH`, an empty
/// home and exactly `env` besides.
fn doctor(dir: &Path, clis: &[&str], env: &[(&str, &str)]) -> assert_cmd::Command {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(dir.join("home")).unwrap();
    for name in clis {
        std::os::unix::fs::symlink(gateway_test_support::fake_agent_bin(), bin.join(name)).unwrap();
    }
    let mut command = assert_cmd::Command::cargo_bin("llm-cli-gateway").unwrap();
    command
        .env_clear()
        .env("PATH", &bin)
        .env("HOME", dir.join("home"))
        .env("LLM_GATEWAY_HOME", dir.join("data"))
        .envs(env.iter().copied())
        .current_dir(dir)
        .args(["doctor", "--json"]);
    command
}

#[test]
fn all_installed_clis_logged_out_exit_1_and_one_login_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let report = json_of(doctor(dir.path(), &["codex", "gemini", "grok"], &[]), 1);
    assert_eq!(report["ok"], false, "{report:#}");
    assert_eq!(report["data"]["attentionNeeded"], true);
    super::assert_valid(&report);
    let actions = report["data"]["nextActions"].to_string();
    assert!(actions.contains("`codex login`"), "{actions}");

    let dir = tempfile::tempdir().unwrap();
    let report = json_of(
        doctor(
            dir.path(),
            &["codex", "gemini", "grok"],
            &[("XAI_API_KEY", "x")],
        ),
        0,
    );
    assert_eq!(report["ok"], true, "{report:#}");
}
