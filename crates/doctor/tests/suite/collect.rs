//! `collect` against fake worlds: which CLIs are installed, how they answer, what the store,
//! HTTP settings and client configs look like.

use std::time::Duration;

use gateway_doctor::{DoctorReport, Exposure, LoginStatus, ProviderCheck, Status, collect};
use gateway_jobs::probe::ProbeStatus;
use pretty_assertions::assert_eq;

use super::world::World;

fn provider<'a>(report: &'a DoctorReport, binary: &str) -> &'a ProviderCheck {
    report
        .providers
        .iter()
        .find(|p| p.binary == binary)
        .unwrap()
}

/// `(binary, status, usable, login)` for every backend, in report order.
fn summary(report: &DoctorReport) -> Vec<(&str, Status, bool, LoginStatus)> {
    report
        .providers
        .iter()
        .map(|p| (p.binary, p.status, p.usable, p.login.status))
        .collect()
}

fn has_action(report: &DoctorReport, needle: &str) -> bool {
    report
        .next_actions
        .iter()
        .any(|action| action.contains(needle))
}

#[tokio::test]
async fn no_clis_means_not_ok_with_install_guidance() {
    let world = World::new();
    let report = collect(&world.options).await;
    assert!(!report.ok);
    assert!(report.attention_needed);
    assert!(
        report
            .providers
            .iter()
            .all(|p| p.path.is_none() && p.probe.is_none())
    );
    assert!(report.providers.iter().all(|p| p.status == Status::Info));
    assert!(has_action(
        &report,
        "Install at least one provider CLI: `npm install -g @anthropic-ai/claude-code@latest`"
    ));
    assert!(report.store.can_open, "{}", report.store.detail);
}

#[tokio::test]
async fn some_clis_report_versions_paths_and_logins() {
    let mut world = World::new();
    world.install(&["claude", "codex"]);
    world.set_env("ANTHROPIC_API_KEY", "sk-ant-secret-value");
    let report = collect(&world.options).await;
    assert!(report.ok);
    assert_eq!(
        summary(&report),
        vec![
            ("claude", Status::Ok, true, LoginStatus::Authenticated),
            ("codex", Status::Warn, true, LoginStatus::NotAuthenticated),
            ("gemini", Status::Info, false, LoginStatus::NotChecked),
            ("agy", Status::Info, false, LoginStatus::NotChecked),
            ("grok", Status::Info, false, LoginStatus::NotChecked),
            ("vibe", Status::Info, false, LoginStatus::NotChecked),
        ]
    );
    let claude = provider(&report, "claude");
    assert_eq!(claude.version.as_deref(), Some("2.1.330 (Claude Code)"));
    assert_eq!(
        claude.path.as_deref(),
        Some(world.bin().join("claude").to_str().unwrap())
    );
    assert_eq!(
        claude.login.evidence,
        vec!["env ANTHROPIC_API_KEY".to_owned()]
    );
    assert!(has_action(&report, "Log in to codex: `codex login`"));
    let json = serde_json::to_string(&report).unwrap();
    assert!(
        !json.contains("sk-ant-secret-value"),
        "a secret leaked into the report"
    );
}

#[tokio::test]
async fn all_clis_with_credentials_are_ready() {
    let mut world = World::new();
    world.install_all();
    for key in [
        "ANTHROPIC_API_KEY",
        "CODEX_API_KEY",
        "GEMINI_API_KEY",
        "XAI_API_KEY",
    ] {
        world.set_env(key, "x");
    }
    world.write_home(".vibe/.env", "MISTRAL_API_KEY=abc\n");
    world.set_env("LLM_GATEWAY_AUTH_TOKEN", "0123456789abcdef0123456789");
    let report = collect(&world.options).await;
    assert!(report.ok);
    assert!(report.providers.iter().all(|p| p.usable));
    assert_eq!(provider(&report, "gemini").selected, Some(true));
    assert_eq!(provider(&report, "agy").selected, Some(false));
    assert_eq!(provider(&report, "agy").login.status, LoginStatus::Unknown);
    assert_eq!(
        provider(&report, "vibe").login.evidence,
        vec!["file ~/.vibe/.env (MISTRAL_API_KEY)".to_owned()]
    );
    assert_eq!(
        provider(&report, "grok").facts.len(),
        0,
        "xAI's grok is recognised"
    );
    assert_eq!(report.http.exposure, Exposure::LocalOnly);
}

#[tokio::test]
async fn a_hanging_version_probe_times_out_without_stalling_the_others() {
    let mut world = World::new();
    world.install_all();
    world.set_env("FAKE_AGENT_VERSION_SLEEP_MS_CODEX", "20000");
    world.options.probe_timeout = Duration::from_millis(700);
    let report = collect(&world.options).await;
    let codex = provider(&report, "codex");
    assert_eq!(
        codex.probe.as_ref().map(|p| p.status),
        Some(ProbeStatus::TimedOut)
    );
    assert_eq!((codex.status, codex.usable), (Status::Error, false));
    assert!(provider(&report, "claude").usable);
    assert!(report.ok, "other providers are usable");
    assert!(report.attention_needed, "a broken CLI needs attention");
    assert!(has_action(&report, "codex at "));
}

#[tokio::test]
async fn only_agy_installed_selects_the_agy_backend_unless_forced() {
    let mut world = World::new();
    world.install(&["agy"]);
    let report = collect(&world.options).await;
    assert_eq!(provider(&report, "agy").selected, Some(true));
    assert!(!provider(&report, "agy").verified);
    world.set_env("LLM_GATEWAY_GEMINI_BACKEND", "gemini");
    let report = collect(&world.options).await;
    assert_eq!(provider(&report, "agy").selected, Some(false));
    assert_eq!(provider(&report, "gemini").selected, Some(true));
}

#[tokio::test]
async fn status_commands_decide_the_login_when_enabled() {
    let mut world = World::new();
    world.install(&["claude"]);
    world.install_script(
        "codex",
        r#"case "$*" in
  --version) echo "codex-cli 0.169.0" ;;
  "login status") echo "Not logged in"; exit 1 ;;
  *) exit 2 ;;
esac"#,
    );
    world.write_home(".codex/auth.json", "{}");
    world.options.run_status_commands = true;
    let report = collect(&world.options).await;
    let codex = provider(&report, "codex");
    assert_eq!(codex.login.status, LoginStatus::NotAuthenticated);
    assert!(
        codex
            .login
            .evidence
            .contains(&"command `codex login status`".to_owned())
    );
    // The fake claude rejects `auth status --json` with a usage error: no verdict, so the
    // (absent) files decide, and claude may keep credentials where doctor cannot look.
    assert_eq!(
        provider(&report, "claude").login.status,
        LoginStatus::Unknown
    );
}

#[tokio::test]
async fn community_grok_and_disabled_vibe_logging_are_flagged() {
    let mut world = World::new();
    world.install(&["vibe"]);
    world.install_script("grok", r#"[ "$1" = "--version" ] && echo "1.0.1""#);
    world.write_home(".vibe/config.toml", "[session_logging]\nenabled = false\n");
    world.set_env("XAI_API_KEY", "x");
    world.set_env("MISTRAL_API_KEY", "x");
    let report = collect(&world.options).await;
    let grok = provider(&report, "grok");
    assert_eq!(
        (grok.status, grok.facts[0].name.as_str()),
        (Status::Warn, "identity")
    );
    let vibe = provider(&report, "vibe");
    assert_eq!(
        (vibe.status, vibe.facts[0].status),
        (Status::Warn, Status::Warn)
    );
    assert!(has_action(&report, "@xai-official/grok"));
    assert!(has_action(&report, "[session_logging]"));
}

#[tokio::test]
async fn an_unwritable_store_is_not_ok() {
    use std::os::unix::fs::PermissionsExt;
    let mut world = World::new();
    world.install(&["claude"]);
    let data = world.root.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o555)).unwrap();
    world.set_env("LLM_GATEWAY_HOME", data.to_str().unwrap());
    // Root ignores mode bits, so whether a 0555 directory is writable depends on who runs the
    // test; doctor must agree with what really happens.
    let really_writable = tempfile::tempfile_in(&data).is_ok();
    let report = collect(&world.options).await;
    assert_eq!(
        report.store.can_open, really_writable,
        "{}",
        report.store.detail
    );
    assert_eq!(report.ok, really_writable);
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();

    // Unwritable for everyone: the data directory would have to live under a regular file.
    let file = world.root.path().join("plain-file");
    std::fs::write(&file, "").unwrap();
    world.set_env("LLM_GATEWAY_HOME", file.join("gw").to_str().unwrap());
    let report = collect(&world.options).await;
    assert_eq!(
        (report.store.status, report.store.can_open, report.ok),
        (Status::Error, false, false)
    );
    assert!(
        report.store.detail.contains("is not a directory"),
        "{}",
        report.store.detail
    );
    assert!(has_action(&report, "LLM_GATEWAY_LOGS_DB"));
}

#[tokio::test]
async fn an_existing_database_reports_schema_version_and_job_counts() {
    use gateway_store::{DedupPolicy, NewJob, Store, StoreOptions};
    let mut world = World::new();
    world.install(&["claude"]);
    let db = world.root.path().join("logs.db");
    let store = Store::open(&StoreOptions {
        location: gateway_store::Location::File(db.clone()),
        redact: true,
    })
    .unwrap();
    let job = NewJob {
        id: "job-1".into(),
        correlation_id: "corr-1".into(),
        dedup_key: "key-1".into(),
        idempotency_key: None,
        provider: "claude".into(),
        model: None,
        program: "claude".into(),
        argv: vec!["-p".into()],
        cwd: None,
        origin_tool: None,
        owner_instance: "test".into(),
        created_at_ms: gateway_store::now_ms(),
        prompt: "hi".into(),
    };
    store
        .submit_job(
            &job,
            DedupPolicy {
                window_ms: 0,
                force_refresh: false,
            },
        )
        .unwrap();
    drop(store);
    world.set_env("LLM_GATEWAY_LOGS_DB", db.to_str().unwrap());
    let report = collect(&world.options).await;
    let counts = report.store.job_counts.clone().unwrap();
    assert_eq!((counts["queued"], counts["completed"]), (1, 0));
    assert_eq!(
        (
            report.store.exists,
            report.store.can_open,
            report.store.schema_version
        ),
        (true, true, Some(Store::latest_schema_version()))
    );
    assert!(report.store.size_bytes.unwrap() > 0);

    std::fs::write(&db, "not a database at all, just text that is long enough to have a header ................................................").unwrap();
    std::fs::remove_file(world.root.path().join("logs.db-wal")).ok();
    let report = collect(&world.options).await;
    assert_eq!(
        (report.store.can_open, report.store.status, report.ok),
        (false, Status::Error, false),
        "{}",
        report.store.detail
    );
}

#[tokio::test]
async fn an_http_bind_on_all_interfaces_without_token_is_misconfigured() {
    let mut world = World::new();
    world.install(&["claude"]);
    world.set_env("LLM_GATEWAY_HTTP_HOST", "0.0.0.0");
    let report = collect(&world.options).await;
    assert_eq!(
        (report.http.exposure, report.http.status, report.http.ready),
        (Exposure::Misconfigured, Status::Error, false)
    );
    assert!(
        report.ok,
        "HTTP settings do not make the gateway unusable over stdio"
    );
    assert!(report.attention_needed);
    assert!(has_action(&report, "export LLM_GATEWAY_AUTH_TOKEN="));
}

#[tokio::test]
async fn client_registrations_are_found_and_stale_ones_flagged() {
    let world = World::new();
    world.install(&["claude"]);
    let gateway = world.bin().join("llm-cli-gateway");
    super::world::write_executable(&gateway, "exit 0");
    world.write_home(
        ".claude.json",
        r#"{"projects": {"/work": {"mcpServers": {"gw": {"command": "/gone/llm-cli-gateway", "args": ["serve"]}}}}}"#,
    );
    world.write_home(
        ".codex/config.toml",
        &format!(
            "[mcp_servers.llm-cli-gateway]\ncommand = {:?}\nargs = [\"serve\"]\n",
            gateway.to_str().unwrap()
        ),
    );
    world.write_home(".gemini/settings.json", "{ not json");
    world.write_home(
        ".cursor/mcp.json",
        r#"{"mcpServers": {"other": {"command": "npx"}}}"#,
    );
    let report = collect(&world.options).await;
    let clients: Vec<(&str, Status, bool)> = report
        .clients
        .iter()
        .map(|c| (c.client, c.status, c.registered))
        .collect();
    assert_eq!(
        clients,
        vec![
            ("claude-desktop", Status::Info, false),
            ("claude-code", Status::Warn, true),
            ("codex", Status::Ok, true),
            ("gemini", Status::Warn, false),
            ("cursor", Status::Info, false),
        ]
    );
    assert!(has_action(
        &report,
        "`llm-cli-gateway register claude-code`"
    ));
    assert!(
        !has_action(&report, "Register the gateway"),
        "it is registered somewhere"
    );
}

/// Gemini CLI disables MCP servers in folders it does not trust: doctor says so (with the fix)
/// only when the gateway is registered there, folder trust is on and no rule trusts the folder.
#[tokio::test]
async fn gemini_untrusted_folder_is_reported_with_the_fix() {
    let mut world = World::new();
    let project = world.home().join("project");
    std::fs::create_dir_all(&project).unwrap();
    world.options.cwd = Some(project.clone());
    let gemini_status = |report: &DoctorReport| {
        let gemini = report
            .clients
            .iter()
            .find(|c| c.client == "gemini")
            .unwrap();
        (gemini.status, gemini.detail.clone())
    };
    let registered =
        r#"{"mcpServers": {"llm-cli-gateway": {"httpUrl": "http://127.0.0.1:3333/mcp"}}}"#;
    world.write_home(".gemini/settings.json", registered);
    let report = collect(&world.options).await;
    let (status, detail) = gemini_status(&report);
    assert_eq!(status, Status::Warn, "{detail}");
    assert!(
        detail.contains("untrusted folders") && detail.contains("TRUST_FOLDER"),
        "{detail}"
    );
    assert!(has_action(
        &report,
        "Gemini CLI disables MCP servers in untrusted folders"
    ));

    let rule = format!(r#"{{"{}": "TRUST_FOLDER"}}"#, project.display());
    world.write_home(".gemini/trustedFolders.json", &rule);
    assert_eq!(gemini_status(&collect(&world.options).await).0, Status::Ok);

    world.write_home(".gemini/trustedFolders.json", "{}");
    let off = r#"{"security": {"folderTrust": {"enabled": false}}, "mcpServers": {"llm-cli-gateway": {"httpUrl": "http://127.0.0.1:3333/mcp"}}}"#;
    world.write_home(".gemini/settings.json", off);
    assert_eq!(gemini_status(&collect(&world.options).await).0, Status::Ok);
}
