//! Logins decide readiness: a report is `ok` only when some installed CLI is not known to be
//! logged out. The fake CLIs have no credentials unless a test gives them some; the fake codex
//! answers `codex login status` like a logged-out one (exit 1).

use gateway_doctor::{DoctorReport, LoginStatus, collect, render_human};
use pretty_assertions::assert_eq;

use super::world::World;

/// `(binary, login)` of the usable backends.
fn logins(report: &DoctorReport) -> Vec<(&str, LoginStatus)> {
    report
        .providers
        .iter()
        .filter(|p| p.usable)
        .map(|p| (p.binary, p.login.status))
        .collect()
}

#[tokio::test]
async fn every_installed_cli_logged_out_needs_attention_with_login_commands() {
    let mut world = World::new();
    world.install(&["codex", "gemini", "grok"]);
    world.options.run_status_commands = true;
    let report = collect(&world.options).await;
    assert_eq!(
        logins(&report),
        vec![
            ("codex", LoginStatus::NotAuthenticated),
            ("gemini", LoginStatus::NotAuthenticated),
            ("grok", LoginStatus::NotAuthenticated),
        ]
    );
    assert!(!report.ok, "no provider can answer");
    assert!(report.attention_needed);
    let actions = report.next_actions.join("\n");
    assert!(
        report.next_actions[0].starts_with("Log in to at least one provider CLI"),
        "{actions}"
    );
    for command in [
        "`codex login`",
        "`export GEMINI_API_KEY=<key>`",
        "`grok login --device-auth`",
    ] {
        assert!(
            actions.contains(command),
            "{command} missing from:\n{actions}"
        );
    }
    assert!(!actions.contains("Install at least one"), "{actions}");
    let text = render_human(&report, false);
    assert!(text.contains("doctor: attention needed"), "{text}");
}

#[tokio::test]
async fn one_logged_in_cli_is_enough_to_be_ready() {
    let mut world = World::new();
    world.install(&["codex", "gemini", "grok"]);
    world.set_env("XAI_API_KEY", "x");
    let report = collect(&world.options).await;
    assert_eq!(
        report
            .providers
            .iter()
            .find(|p| p.binary == "grok")
            .map(|p| p.login.status),
        Some(LoginStatus::Authenticated)
    );
    assert!(report.ok);
    assert!(!report.attention_needed, "{:#?}", report.next_actions);
    assert!(render_human(&report, false).contains("doctor: ready"));
    assert!(
        !report
            .next_actions
            .iter()
            .any(|action| action.starts_with("Log in to at least one")),
        "{:#?}",
        report.next_actions
    );
}

#[tokio::test]
async fn an_unknown_login_is_not_counted_as_logged_out() {
    let world = World::new();
    // claude and vibe may keep credentials where doctor cannot look; agy is unverified.
    world.install(&["claude", "codex", "vibe"]);
    let report = collect(&world.options).await;
    assert_eq!(
        logins(&report),
        vec![
            ("claude", LoginStatus::Unknown),
            ("codex", LoginStatus::NotAuthenticated),
            ("vibe", LoginStatus::Unknown),
        ]
    );
    assert!(report.ok);
    assert!(!report.attention_needed, "{:#?}", report.next_actions);

    let world = World::new();
    world.install(&["agy", "codex"]);
    let report = collect(&world.options).await;
    assert!(report.ok, "agy's login is unknown: {:#?}", logins(&report));
    assert!(!report.attention_needed);
}
