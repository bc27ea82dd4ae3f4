//! The export file a CLI leaves in its output directory (vibe's `export.json`, the only place
//! with its usage and cost): read after exit into the outcome, never a reason to fail the job.

use std::path::Path;
use std::time::{Duration, SystemTime};

use gateway_core::{JobStatus, ProviderId, RunOutcome, Usage};
use gateway_provider::spec::OUTPUT_DIR_PLACEHOLDER;
use gateway_provider::vibe::VibeOptions;
use gateway_provider::{CommandSpec, ProviderOptions, RunRequest, SessionMode};
use gateway_test_support::FakeClis;

use super::{Harness, LONG, all_output, harness, request, spec};

/// An export in vibe 3.0.2's shape (trimmed): 12 in (3 cached), 5 out.
const EXPORT: &str = r#"{"outcome":"finished","stop_reason":null,"error":null,"session_id":"e-1","usage":{"input_tokens":12,"output_tokens":5,"cached_input_tokens":3,"total_tokens":17},"cost_usd":0.0000555,"exit_code":0}"#;

/// Runs `spec` to the end; the job must complete. Returns its outcome and stdout.
async fn completed(h: &Harness, spec: CommandSpec) -> (RunOutcome, String) {
    let job = h.service.submit(request(spec)).await.unwrap();
    let done = h.service.wait(&job.job_id, LONG).await.unwrap().unwrap();
    let result = h
        .service
        .result(&job.job_id, all_output())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        done.status,
        JobStatus::Completed,
        "{done:?}\nstderr: {}",
        result.stderr.text
    );
    (done.outcome.unwrap(), result.stdout.text)
}

/// `sh -c script sh <output dir>` as a mistral job whose export is `<output dir>/export.json`.
fn writes_export(script: &str) -> CommandSpec {
    let mut spec = spec("sh", &["-c", script, "sh", OUTPUT_DIR_PLACEHOLDER]);
    spec.provider = ProviderId::Mistral;
    spec.export_file = Some(format!("{OUTPUT_DIR_PLACEHOLDER}/export.json"));
    spec
}

#[tokio::test]
async fn the_fake_vibe_export_reaches_the_outcome() {
    let h = harness().await;
    let clis = FakeClis::install(h.dir.path());
    let run = RunRequest {
        prompt: "say ok".to_owned(),
        model: None,
        session: SessionMode::Fresh,
        working_dir: None,
        options: ProviderOptions::Mistral(VibeOptions::default()),
    };
    let mut spec = gateway_provider::build(&run).unwrap();
    spec.env.insert(
        "PATH".to_owned(),
        clis.path().to_string_lossy().into_owned(),
    );
    let (outcome, _) = completed(&h, spec).await;
    assert_eq!(
        outcome.usage,
        Usage {
            input_tokens: Some(12),
            output_tokens: Some(5),
            cache_read_tokens: Some(0),
            cache_creation_tokens: None,
        }
    );
    assert_eq!(outcome.cost_usd, Some(5.55e-5));
    assert!(!outcome.is_error);
}

#[tokio::test]
async fn the_output_dir_is_private_and_removed_with_the_job() {
    let h = harness().await;
    let script =
        format!("stat -c %a \"$1\"; echo \"$1\"; printf '%s' '{EXPORT}' > \"$1/export.json\"");
    let (outcome, stdout) = completed(&h, writes_export(&script)).await;
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.first(), Some(&"700"), "{stdout}");
    let dir = Path::new(lines[1]);
    assert!(dir.is_absolute() && !dir.exists(), "{stdout}");
    assert_eq!(outcome.usage.input_tokens, Some(9), "cached tokens apart");
    assert_eq!(outcome.usage.cache_read_tokens, Some(3));
    assert_eq!(outcome.usage.output_tokens, Some(5));
    assert_eq!(outcome.session_id.as_deref(), Some("e-1"));
}

#[tokio::test]
async fn a_missing_or_unusable_export_leaves_the_job_without_usage() {
    let h = harness().await;
    let scripts = [
        ("missing", "echo ok".to_owned()),
        (
            "garbage",
            "echo ok; printf 'not json' > \"$1/export.json\"".to_owned(),
        ),
        (
            "a directory",
            "echo ok; mkdir \"$1/export.json\"".to_owned(),
        ),
        // Opening a FIFO for reading would block until a writer comes: it must not hang.
        ("a fifo", "echo ok; mkfifo \"$1/export.json\"".to_owned()),
        (
            "a symlink",
            format!("echo ok; printf '%s' '{EXPORT}' > \"$1/real\"; ln -s real \"$1/export.json\""),
        ),
        (
            "over 1 MiB",
            // Valid JSON with the usage first, padded past the cap.
            format!(
                "echo ok; {{ printf '%s' '{}'; head -c 1100000 /dev/zero | tr '\\0' x; printf '\"}}'; }} > \"$1/export.json\"",
                EXPORT.trim_end_matches('}').to_owned() + r#","pad":""#
            ),
        ),
    ];
    for (case, script) in scripts {
        let (outcome, stdout) = completed(&h, writes_export(&script)).await;
        assert_eq!(stdout, "ok\n", "{case}");
        assert_eq!(outcome.usage, Usage::default(), "{case}");
        assert_eq!(outcome.cost_usd, None, "{case}");
        assert_eq!(outcome.text.trim(), "ok", "{case}");
    }
}

#[tokio::test]
async fn a_stale_export_in_the_callers_dir_is_ignored_and_a_fresh_one_read() {
    let h = harness().await;
    let dir = h.dir.path().join("caller-output");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("export.json");
    std::fs::write(&file, EXPORT).unwrap();
    let hour_ago = SystemTime::now() - Duration::from_secs(3_600);
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(hour_ago)
        .unwrap();
    let dir = dir.to_string_lossy().into_owned();
    let caller = |script: &str| {
        let mut spec = spec("sh", &["-c", script, "sh", &dir]);
        spec.provider = ProviderId::Mistral;
        spec.export_file = Some(format!("{dir}/export.json"));
        spec
    };
    let (stale, _) = completed(&h, caller("echo ok")).await;
    assert_eq!(stale.usage, Usage::default());
    let (fresh, _) = completed(&h, caller("touch \"$1/export.json\"; echo ok")).await;
    assert_eq!(fresh.usage.output_tokens, Some(5));
    assert!(file.exists(), "the caller's export stays");
}
