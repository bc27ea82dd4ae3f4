//! The MCP server of llm-cli-gateway, on rmcp: the tool surface of spec §3 over stdio and
//! streamable HTTP, one [`Server`] value shared by every session.
//!
//! Layout: `server` (the handler), `tools/*` (one router per tool family, composed with `+`),
//! `wire` + `schema` (parameter/result types and their schemas), `error` (the three outcome
//! layers), `progress`, `record` (tool-call recording), `approval`, `resources`, `tasks` (MCP
//! tasks on the job store), `workdir` (where jobs run), `http`, `stdio` and [`serve_stdio`]. No
//! SQL and no spawning here: both live behind `gateway-jobs`.

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod approval;
pub mod error;
pub mod http;
pub mod progress;
pub mod record;
pub mod resources;
pub mod schema;
pub mod server;
pub mod stdio;
pub mod tasks;
pub mod tools;
pub mod wire;
pub mod workdir;

pub use http::{BoundHttp, HttpConfigError, HttpOptions};
pub use server::{Server, Settings};

use rmcp::ServiceExt;

/// Serves MCP on stdin/stdout until the client closes stdin (or the service ends), then
/// returns; the caller shuts the job service down. Nothing but JSON-RPC goes to stdout. A
/// client that closes stdin before `initialize` (a health check) is a clean end, not an error.
pub async fn serve_stdio(server: Server) -> std::io::Result<()> {
    let (stdin, stdout) = rmcp::transport::stdio_pipes();
    let transport = stdio::LineTransport::new(stdin, stdout);
    let running = match server.serve(transport).await {
        Ok(running) => running,
        Err(rmcp::service::ServerInitializeError::ConnectionClosed(context)) => {
            tracing::info!(waiting_for = %context, "client closed stdin before initializing");
            return Ok(());
        }
        Err(error) => return Err(std::io::Error::other(error)),
    };
    let reason = running.waiting().await.map_err(std::io::Error::other)?;
    tracing::info!(?reason, "stdio session ended");
    Ok(())
}
