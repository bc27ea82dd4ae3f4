//! Reading a failure out of a CLI's stderr tail: the last line that says something, without
//! colour codes, start-up noise or stack frames, cut to a bounded size. Gemini CLI, agy and vibe
//! report their errors there.

use gateway_core::ExitInfo;

/// "gemini exited with code 1: <last stderr line>" or "… was killed by signal 15".
pub(crate) fn describe_exit(program: &str, exit: ExitInfo, stderr_tail: &str) -> String {
    let how = match (exit.code, exit.signal) {
        (Some(code), _) => format!("{program} exited with code {code}"),
        (None, Some(signal)) => format!("{program} was killed by signal {signal}"),
        (None, None) => format!("{program} ended abnormally"),
    };
    match last_meaningful_line(&strip_ansi(stderr_tail)) {
        Some(line) => format!("{how}: {line}"),
        None => how,
    }
}

/// The last stderr line that is not start-up noise or a stack frame (the noise is Gemini CLI's;
/// other CLIs do not print those lines).
pub(crate) fn last_meaningful_line(stderr: &str) -> Option<String> {
    const NOISE: [&str; 8] = [
        "Warning: 256-color",
        "Ripgrep is not available",
        "[STARTUP]",
        "YOLO mode is enabled",
        "Warning: --allowed-tools",
        "Reading API keys from the system keyring",
        "at ",
        "status:",
    ];
    stderr
        .lines()
        .map(str::trim)
        .rev()
        .find(|line| {
            line.len() > 1
                && !NOISE.iter().any(|noise| line.starts_with(noise))
                && !matches!(*line, "{" | "}" | "]")
        })
        .map(capped)
}

/// Longest error message taken from CLI output: a minified JSON line must not flood a result.
const ERROR_MAX_CHARS: usize = 1_000;

/// `text` cut to [`ERROR_MAX_CHARS`] characters, with `…` when cut.
pub(crate) fn capped(text: &str) -> String {
    if text.chars().count() <= ERROR_MAX_CHARS {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(ERROR_MAX_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// Removes ANSI escape sequences (gemini colours some stderr messages).
pub(crate) fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        if chars.clone().next() == Some('[') {
            chars.next();
            for next in chars.by_ref() {
                if next.is_ascii_alphabetic() {
                    break;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_are_capped() {
        assert_eq!(capped(&"a".repeat(5_000)).chars().count(), ERROR_MAX_CHARS);
        assert_eq!(capped("short"), "short");
    }

    #[test]
    fn ansi_is_stripped() {
        assert_eq!(strip_ansi("\u{1b}[31mred\u{1b}[0m text"), "red text");
        assert_eq!(strip_ansi("lone \u{1b}"), "lone ");
    }
}
