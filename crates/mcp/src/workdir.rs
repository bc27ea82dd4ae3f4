//! Where a request runs when it names no `workingDir`: the client's first MCP root, else (over
//! stdio, where clients start the server in the project) the gateway's own working directory,
//! else an error asking for `workingDir`. `isolated: true` asks for a fresh private temp dir.
//!
//! The roots are asked for at each request that needs them (`roots/list` is answered locally by
//! the client), so a `roots/list_changed` is honoured at once without a per-session cache.
//! rmcp marks roots deprecated (SEP-2577, protocol 2026-07-28); the clients of every earlier
//! revision, Claude Code and Codex among them, still share their project through them.
#![expect(
    deprecated,
    reason = "roots are how clients before 2026-07-28 share the project"
)]

use std::path::PathBuf;
use std::time::Duration;

use rmcp::RoleServer;
use rmcp::model::Root;
use rmcp::service::RequestContext;

use crate::error::ToolError;
use crate::server::Server;

/// How long a client may take to answer `roots/list` before the fallback is used.
const ROOTS_TIMEOUT: Duration = Duration::from_secs(5);

/// The directory a job runs in: `Some(path)`, or `None` for a fresh private temp dir.
pub async fn resolve(
    server: &Server,
    working_dir: Option<String>,
    isolated: bool,
    context: &RequestContext<RoleServer>,
) -> Result<Option<String>, ToolError> {
    match (working_dir, isolated) {
        (Some(_), true) => Err(ToolError::param(
            "isolated",
            "cannot be combined with workingDir; pick one",
        )),
        (Some(dir), false) => Ok(Some(dir)),
        (None, true) => Ok(None),
        (None, false) => {
            if let Some(root) = first_root(context).await {
                return Ok(Some(root.to_string_lossy().into_owned()));
            }
            match &server.settings().stdio_working_dir {
                Some(dir) => Ok(Some(dir.to_string_lossy().into_owned())),
                None => Err(ToolError::Fixable(NO_DIRECTORY.into())),
            }
        }
    }
}

const NO_DIRECTORY: &str = "no working directory: this client shares no MCP roots over HTTP, so \
pass `workingDir` (an absolute path on the gateway's machine), or `isolated: true` to run in a \
fresh private temp dir";

/// The first `file://` root of a client that declares the roots capability.
async fn first_root(context: &RequestContext<RoleServer>) -> Option<PathBuf> {
    let declares_roots = context
        .peer
        .peer_info()
        .is_some_and(|info| info.capabilities.roots.is_some());
    if !declares_roots {
        return None;
    }
    match tokio::time::timeout(ROOTS_TIMEOUT, context.peer.list_roots()).await {
        Ok(Ok(result)) => result.roots.iter().find_map(root_path),
        Ok(Err(error)) => {
            tracing::warn!(%error, "roots/list failed; using the fallback directory");
            None
        }
        Err(_) => {
            tracing::warn!("roots/list unanswered after 5 s; using the fallback directory");
            None
        }
    }
}

/// A root's local path (`file:///home/me/repo` → `/home/me/repo`); other schemes are skipped.
fn root_path(root: &Root) -> Option<PathBuf> {
    url::Url::parse(&root.uri).ok()?.to_file_path().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_roots_become_paths_and_others_are_skipped() {
        let cases = [
            ("file:///home/me/repo", Some("/home/me/repo")),
            ("file:///home/me/my%20repo/", Some("/home/me/my repo/")),
            ("https://example.com/repo", None),
            ("not a uri", None),
        ];
        for (uri, expected) in cases {
            let root = Root::new(uri);
            assert_eq!(root_path(&root), expected.map(PathBuf::from), "{uri}");
        }
    }
}
