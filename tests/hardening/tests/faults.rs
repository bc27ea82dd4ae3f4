//! Misbehaving providers, through the real binary: a flood of output, silence, a closed stdout.

use gateway_hardening::{World, http_calls};
use serde_json::json;

const TOKEN: &str = "hardening-token";

#[test]
fn a_provider_flooding_one_gigabyte_is_capped_with_exit_126() {
    // A 4 MiB cap (the default is 50 MiB) keeps the test fast; the provider would write 1 GB.
    let world = World::new()
        .with("LLM_GATEWAY_AUTH_TOKEN", TOKEN)
        .with("LLM_GATEWAY_OUTPUT_CAP_BYTES", "4194304")
        .with("FAKE_AGENT_OUTPUT_BYTES", "1000000000");
    let gateway = world.serve_http(&[]);
    let seen = http_calls(
        &world,
        &gateway.url,
        1,
        &[json!({"tool": "claude_request", "args": {"prompt": "flood"}})],
    );
    assert_eq!(
        seen[0]["structured"]["exitCode"], 126,
        "output cap: {}",
        seen[0]
    );
    let runs = world.clis.invocations();
    assert_eq!(runs.len(), 1);
    assert!(
        !gateway_hardening::alive(runs[0].pid),
        "the flooding provider still runs"
    );
}

#[test]
fn silence_and_a_closed_stdout_end_the_job_by_idle_time_out() {
    let world = World::new()
        .with("LLM_GATEWAY_AUTH_TOKEN", TOKEN)
        // codex never writes and never exits.
        .with("FAKE_AGENT_HANG_CODEX", "1")
        // gemini answers, closes stdout, then keeps running for 60 s.
        .with("FAKE_AGENT_CLOSE_STDOUT_GEMINI", "1")
        .with("FAKE_AGENT_HANG_AFTER_MS_GEMINI", "60000");
    let gateway = world.serve_http(&[]);
    let calls = [
        json!({"tool": "codex_request", "args": {"prompt": "silence", "idleTimeoutMs": 1000}}),
        json!({"tool": "gemini_request", "args": {"prompt": "close stdout", "idleTimeoutMs": 1000, "timeoutMs": 20000}}),
    ];
    let seen = http_calls(&world, &gateway.url, 1, &calls);
    assert_eq!(
        seen[0]["structured"]["exitCode"], 125,
        "idle time-out: {}",
        seen[0]
    );
    // A closed stdout is not the end of the process: the job ends when the process stays
    // silent for idleTimeoutMs (125), and the answer printed before closing is kept.
    let closed = &seen[1]["structured"];
    assert_eq!(closed["exitCode"], 125, "closed stdout: {}", seen[1]);
    assert!(
        closed["response"]
            .as_str()
            .unwrap_or_default()
            .contains("fake gemini answer"),
        "{}",
        seen[1]
    );
    let left: Vec<u32> = world
        .clis
        .invocations()
        .iter()
        .map(|call| call.pid)
        .filter(|&pid| gateway_hardening::alive(pid))
        .collect();
    assert!(left.is_empty(), "timed-out providers still run: {left:?}");
}
