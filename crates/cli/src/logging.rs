//! The log: stderr only (stdout is the MCP channel in stdio mode), filtered by `LLM_GATEWAY_LOG`
//! (default `info`, rmcp at `warn`), without colour when stderr is not a terminal.
//!
//! Secrets stay out of it at every level: libraries (rmcp, hyper, …) print whole messages and
//! headers — prompts, answers, bearer tokens — at `debug` and `trace`, so they are held to
//! `info` whatever the filter asks; and every line is redacted before it is written.

use std::io::Write;

use tracing::{Level, Metadata};
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Crates whose debug and trace output carries message bodies or headers.
const LIBRARIES: &[&str] = &[
    "rmcp",
    "hyper",
    "hyper_util",
    "h2",
    "axum",
    "tower",
    "tower_http",
    "reqwest",
];

pub(crate) fn init() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env(gateway_core::env::LOG)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,rmcp=warn"));
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(RedactedStderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_filter(filter)
        .with_filter(tracing_subscriber::filter::filter_fn(allowed));
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

/// False for a library's debug and trace events.
fn allowed(metadata: &Metadata<'_>) -> bool {
    *metadata.level() <= Level::INFO || !is_library(metadata.target())
}

fn is_library(target: &str) -> bool {
    let root = target.split("::").next().unwrap_or(target);
    LIBRARIES.contains(&root)
}

/// Hands each event a buffer that is redacted and written to stderr whole when dropped.
struct RedactedStderr;

impl<'a> MakeWriter<'a> for RedactedStderr {
    type Writer = RedactedLine;

    fn make_writer(&'a self) -> Self::Writer {
        RedactedLine(Vec::new())
    }
}

struct RedactedLine(Vec<u8>);

impl Write for RedactedLine {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for RedactedLine {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.0);
        let redacted = gateway_core::redact::redact(&text);
        // Nowhere to report a failed write to stderr.
        let _ = std::io::stderr().lock().write_all(redacted.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libraries_are_held_to_info_and_our_crates_are_not() {
        for (target, library) in [
            ("rmcp::service", true),
            ("hyper_util::client", true),
            ("h2", true),
            ("gateway_mcp::server", false),
            ("llm_cli_gateway", false),
            ("rmcpish", false),
        ] {
            assert_eq!(is_library(target), library, "{target}");
        }
    }
}
