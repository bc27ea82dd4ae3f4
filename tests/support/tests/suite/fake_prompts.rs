//! The prompt is read where the real CLI reads it, and refused argv is refused the real way.

use super::util::{Fakes, stderr};

#[test]
fn prompts_come_from_where_each_cli_reads_them() {
    let fakes = Fakes::new();
    std::fs::write(fakes.dir.path().join("prompt.txt"), "-from a file").unwrap();
    std::fs::write(
        fakes.dir.path().join("blocks.json"),
        r#"{"content":[{"type":"text","text":"from blocks"}]}"#,
    )
    .unwrap();
    let cases: &[(&str, &[&str], Option<&str>, &str)] = &[
        (
            "claude",
            &["-p", "--output-format", "json"],
            Some("-via stdin"),
            "-via stdin",
        ),
        (
            "claude",
            &["-p", "--add-dir", "/tmp", "--", "-after dashes"],
            None,
            "-after dashes",
        ),
        (
            "codex",
            &["exec", "--skip-git-repo-check", "--json", "--", "-"],
            Some("codex stdin"),
            "codex stdin",
        ),
        (
            "codex",
            &["exec", "--skip-git-repo-check", "positional"],
            None,
            "positional",
        ),
        (
            "gemini",
            &["--skip-trust", "--prompt=-attached"],
            None,
            "-attached",
        ),
        (
            "gemini",
            &["--skip-trust", "-p", "question"],
            Some("context"),
            "context\n\nquestion",
        ),
        (
            "gemini",
            &["--skip-trust", "-o", "json"],
            Some("only stdin"),
            "only stdin",
        ),
        ("grok", &["-p=-dash"], None, "-dash"),
        (
            "grok",
            &["--prompt-file", "prompt.txt"],
            None,
            "-from a file",
        ),
        (
            "grok",
            &["--prompt-file", "blocks.json"],
            None,
            "from blocks",
        ),
        (
            "grok",
            &["--prompt-json", r#"{"content":"json arg"}"#],
            None,
            "json arg",
        ),
        ("vibe", &["--prompt=-eq"], None, "-eq"),
        (
            "vibe",
            &["-p", "--output", "json"],
            Some("vibe stdin"),
            "vibe stdin",
        ),
        (
            "vibe",
            &["--prompt-file", "prompt.txt"],
            None,
            "-from a file",
        ),
        ("agy", &["--print"], Some("agy stdin"), "agy stdin"),
    ];
    for (name, args, stdin, expected) in cases {
        let output = fakes.run(name, args, &[], *stdin);
        assert!(
            output.status.success(),
            "{name} {args:?}: {}",
            stderr(&output)
        );
        let invocation = fakes.clis.invocations().pop().unwrap();
        assert_eq!(
            invocation.prompt.as_deref(),
            Some(*expected),
            "{name} {args:?}"
        );
        assert_eq!(&invocation.argv, args);
        assert_eq!(invocation.name, *name);
    }
}

#[test]
fn refused_argv_gets_the_real_message_and_exit_code() {
    let fakes = Fakes::new();
    let cases: &[(&str, &[&str], i32, &str)] = &[
        (
            "claude",
            &["-p", "--bogus", "x"],
            1,
            "error: unknown option '--bogus'",
        ),
        (
            "claude",
            &["-p", "--output-format", "stream-json", "x"],
            1,
            "requires --verbose",
        ),
        (
            "claude",
            &["-p", "--output-format", "xml", "x"],
            1,
            "Allowed choices are text, json, stream-json",
        ),
        (
            "claude",
            &["-p", "--add-dir", "/tmp", "swallowed"],
            1,
            "Input must be provided",
        ),
        (
            "claude",
            &["-p", "--session-id", "abc", "x"],
            1,
            "Invalid session ID",
        ),
        (
            "codex",
            &["exec", "--full-auto", "--skip-git-repo-check", "x"],
            2,
            "unexpected argument '--full-auto'",
        ),
        (
            "codex",
            &["exec", "-a", "never", "--skip-git-repo-check", "x"],
            2,
            "unexpected argument '-a'",
        ),
        (
            "codex",
            &[
                "exec",
                "--skip-git-repo-check",
                "resume",
                "--last",
                "-s",
                "read-only",
                "x",
            ],
            2,
            "unexpected argument '-s'",
        ),
        (
            "codex",
            &["exec", "x"],
            1,
            "--skip-git-repo-check was not specified",
        ),
        ("codex", &["x"], 1, "stdin is not a terminal"),
        (
            "gemini",
            &["-p", "x"],
            55,
            "not running in a trusted directory",
        ),
        (
            "gemini",
            &["--skip-trust", "-p", "x", "positional"],
            1,
            "Cannot use both a positional prompt",
        ),
        (
            "gemini",
            &["--skip-trust", "-y", "--approval-mode", "plan", "-p", "x"],
            1,
            "Cannot use both --yolo",
        ),
        (
            "gemini",
            &["--skip-trust", "--bogus", "-p", "x"],
            1,
            "Unknown argument: bogus",
        ),
        (
            "gemini",
            &[
                "--skip-trust",
                "--include-directories",
                "/nonexistent-dir",
                "-p",
                "x",
            ],
            1,
            "Directory does not exist",
        ),
        (
            "grok",
            &["-p", "x", "--output-format", "stream-json"],
            2,
            "invalid value 'stream-json'",
        ),
        (
            "grok",
            &["-p", "x", "-s", "not-a-uuid"],
            1,
            "--session-id must be a valid UUID",
        ),
        (
            "vibe",
            &["-p", "x", "--model", "m"],
            1,
            "unexpected argument '--model'",
        ),
        (
            "vibe",
            &["-p", "x", "--agent", "plan"],
            2,
            "Agent 'plan' not found",
        ),
        ("vibe", &["x"], 1, "Interactive mode needs a terminal"),
    ];
    for (name, args, code, message) in cases {
        let output = fakes.run(name, args, &[], None);
        assert_eq!(
            output.status.code(),
            Some(*code),
            "{name} {args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(message),
            "{name} {args:?}: {}",
            stderr(&output)
        );
        assert_eq!(fakes.clis.invocations().pop().unwrap().kind, "rejected");
    }
}

#[test]
fn root_needs_is_sandbox_for_bypass() {
    let fakes = Fakes::new();
    let args = ["-p", "--dangerously-skip-permissions", "x"];
    let refused = fakes.run("claude", &args, &[], None);
    let is_root = std::fs::metadata("/proc/self")
        .map(|meta| std::os::unix::fs::MetadataExt::uid(&meta) == 0)
        .unwrap();
    assert_eq!(refused.status.success(), !is_root);
    let mut command = fakes.command("claude", &args, &[("IS_SANDBOX", "1")]);
    assert!(command.output().unwrap().status.success());
}

#[test]
fn the_log_records_env_cwd_stdin_and_session() {
    let fakes = Fakes::new();
    let id = "0b7e5c1e-8f1c-4a43-9a53-1a2b3c4d5e6f";
    let output = fakes.run(
        "claude",
        &["-p", "--resume", id, "--output-format", "json"],
        &[("VIBE_ACTIVE_MODEL", "m")],
        Some("hello"),
    );
    assert!(output.status.success());
    let invocation = fakes.clis.invocations().pop().unwrap();
    assert_eq!(invocation.stdin.as_deref(), Some("hello"));
    assert_eq!(invocation.session_id.as_deref(), Some(id));
    assert_eq!(
        invocation.env.get("VIBE_ACTIVE_MODEL").map(String::as_str),
        Some("m")
    );
    assert_eq!(invocation.cwd, fakes.dir.path().canonicalize().unwrap());
    assert_eq!(invocation.format.as_deref(), Some("json"));
    assert_eq!(invocation.exit_code, 0);
}
