//! Secrets stay out of the store and the log, however they arrive: split across the output
//! stream's chunks, or printed by a library at `trace`.

#![expect(clippy::unwrap_used, reason = "tests")]

use gateway_hardening::{World, databases, http_calls};
use serde_json::json;

const TOKEN: &str = "tok-0123456789abcdef-bearer";
/// An Anthropic-shaped key: what must never be stored or logged.
const KEY_BODY: &str =
    "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrSt";

fn key() -> String {
    format!("sk-ant-api03-{KEY_BODY}")
}

/// Every byte of output the store holds for every job, in order.
fn stored_output(world: &World) -> String {
    let mut all = String::new();
    for path in databases(world) {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mut statement = conn
            .prepare("SELECT text FROM job_output ORDER BY job_id, stream, seq")
            .unwrap();
        let texts = statement
            .query_map([], |row| row.get::<_, String>(0))
            .unwrap();
        for text in texts {
            all.push_str(&text.unwrap());
        }
    }
    all
}

/// The probe's case: a key that straddles the 64 KiB point where a long line is cut into
/// chunks was stored, its first half redacted and its second half in clear.
#[test]
fn a_key_split_across_output_chunks_is_not_stored() {
    // The key starts 26 bytes before the 64 KiB cut.
    let answer = format!("x ANSWER={}~{}~END", "A".repeat(65500), key());
    let world = World::new()
        .with("LLM_GATEWAY_AUTH_TOKEN", TOKEN)
        .with("FAKE_AGENT_RESPONSE", &answer);
    let gateway = world.serve_http(&[]);
    let seen = http_calls(
        &world,
        &gateway.url,
        1,
        &[json!({"tool": "claude_request", "args": {"prompt": "echo", "outputFormat": "text"}})],
    );
    assert_eq!(seen[0]["structured"]["status"], "completed", "{}", seen[0]);
    let stored = stored_output(&world);
    assert!(stored.contains("~END"), "the output was not stored");
    assert!(
        stored.contains("[REDACTED:anthropic_key]"),
        "no marker stored"
    );
    for window in KEY_BODY.as_bytes().chunks(16) {
        let window = std::str::from_utf8(window).unwrap();
        assert!(
            !stored.contains(window),
            "{window:?} of the key was stored in clear"
        );
    }
}

/// With `LLM_GATEWAY_LOG=trace`, neither a secret in the prompt or answer nor the bearer
/// token reaches the log.
#[test]
fn a_trace_log_holds_no_secret() {
    let world = World::new()
        .with("LLM_GATEWAY_AUTH_TOKEN", TOKEN)
        .with("LLM_GATEWAY_LOG", "trace")
        .with(
            "FAKE_AGENT_RESPONSE",
            &format!("the answer holds {}", key()),
        );
    let gateway = world.serve_http(&[]);
    let prompt = format!("use password=hunter2-{KEY_BODY} and {}", key());
    let seen = http_calls(
        &world,
        &gateway.url,
        1,
        &[json!({"tool": "claude_request", "args": {"prompt": prompt}})],
    );
    assert_eq!(seen[0]["structured"]["status"], "completed", "{}", seen[0]);
    let log = gateway.stderr();
    assert!(
        log.contains(" DEBUG "),
        "the log level did not apply:\n{log}"
    );
    for secret in [&KEY_BODY[..24], "hunter2", TOKEN] {
        assert!(!log.contains(secret), "{secret:?} is in the trace log");
    }
}
