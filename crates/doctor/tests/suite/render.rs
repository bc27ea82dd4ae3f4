//! The human rendering, snapshot-tested on a world with a bit of everything.

use gateway_doctor::{collect, render_human};

use super::world::World;

#[tokio::test]
async fn human_report_reads_well() {
    let mut world = World::new();
    world.install(&["claude", "codex", "grok"]);
    world.install_script("vibe", "exit 1");
    world.set_env("ANTHROPIC_API_KEY", "x");
    world.set_env("LLM_GATEWAY_HTTP_HOST", "0.0.0.0");
    world.write_home(".codex/config.toml", "model = \"o3\"\n");
    let mut report = collect(&world.options).await;
    // Versions come from the shared fake; the snapshot is about layout and wording.
    for provider in report.providers.iter_mut().filter(|p| p.version.is_some()) {
        provider.version = Some("[VERSION]".into());
    }
    let text = render_human(&report, false).replace(&world.root_str(), "[TEMP]");
    insta::assert_snapshot!(text);
    assert!(!text.contains('\u{1b}'), "no colour when disabled");
    assert!(
        render_human(&report, true).contains("\u{1b}[31m✗"),
        "errors are red when colour is on"
    );
}
