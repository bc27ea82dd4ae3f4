//! `register` through the binary on real config files in a temp home: the entry lands in each
//! client's user config, a backup of the old file is kept, a second run changes nothing, other
//! servers stay; Claude Code gets its one command; `--dry-run` writes nothing.

use std::path::Path;

/// `llm-cli-gateway register ARGS` with `home` as `HOME` (and `XDG_CONFIG_HOME` unset).
fn register(home: &Path, args: &[&str]) -> (String, String) {
    let mut command = assert_cmd::Command::cargo_bin("llm-cli-gateway").unwrap();
    let output = command
        .env_clear()
        .env("HOME", home)
        .env("PATH", "/usr/bin:/bin")
        .arg("register")
        .args(args)
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    );
    assert!(output.status.success(), "{args:?}: {stdout}\n{stderr}");
    (stdout, stderr)
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn each_config_file_gets_the_entry_once_with_a_backup() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let codex_before = "# mine\n[mcp_servers.docs]\ncommand = \"docs\" # keep\n";
    let other = r#"{"mcpServers": {"other": {"command": "other"}}}"#;
    let files = [
        ("codex", home.join(".codex/config.toml"), codex_before),
        (
            "claude-desktop",
            home.join(".config/Claude/claude_desktop_config.json"),
            other,
        ),
        ("gemini", home.join(".gemini/settings.json"), other),
        ("cursor", home.join(".cursor/mcp.json"), other),
    ];
    for (client, path, before) in &files {
        write(path, before);
        let (_, said) = register(home, &[client]);
        assert!(
            said.contains("registered llm-cli-gateway"),
            "{client}: {said}"
        );
        let after = std::fs::read_to_string(path).unwrap();
        assert!(after.contains("llm-cli-gateway"), "{client}: {after}");
        assert!(
            after.contains("other") || after.contains("# keep"),
            "{client}: {after}"
        );
        let mut backup = path.as_os_str().to_owned();
        backup.push(".llm-cli-gateway.bak");
        assert_eq!(
            std::fs::read_to_string(&backup).unwrap(),
            *before,
            "{client}"
        );

        let (_, said) = register(home, &[client]);
        assert!(said.contains("nothing changed"), "{client}: {said}");
        assert_eq!(
            std::fs::read_to_string(path).unwrap(),
            after,
            "{client}: second run"
        );
    }
}

#[test]
fn dry_run_writes_nothing_and_claude_code_gets_its_command() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let (printed, said) = register(home, &["codex", "--dry-run"]);
    assert!(
        printed.contains("[mcp_servers.llm-cli-gateway]"),
        "{printed}"
    );
    assert!(said.contains("nothing written"), "{said}");
    assert!(!home.join(".codex/config.toml").exists());

    let (command, _) = register(
        home,
        &["claude-code", "--http", "http://127.0.0.1:3333/mcp"],
    );
    assert!(
        command.contains("-H 'Authorization: Bearer ${LLM_GATEWAY_AUTH_TOKEN}'"),
        "{command}"
    );
    assert!(
        !home.join(".claude.json").exists(),
        "Claude Code's file is its own"
    );
}
