//! Gateway sessions: named handles (`gw-…`) per provider, stored in SQLite through the job
//! service's records API. A gateway session remembers the CLI's native session id once a run
//! reports it; passing the gateway id as `sessionId` then resumes that native session.

use gateway_core::ProviderId;
use gateway_jobs::{NewSession, SessionRecord};
use gateway_provider::request::validate_session_id;
use rmcp::RoleServer;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::service::RequestContext;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{ToolError, ToolResult};
use crate::server::Server;
use crate::tools::{ToolSpec, route, structured};

pub fn router() -> ToolRouter<Server> {
    ToolRouter::new()
        .with_route(route(
            ToolSpec::new("session_create", "Create a gateway session (gw-…) for a provider; pass its id as sessionId to continue it.")
                .output::<SessionView>(),
            create,
        ))
        .with_route(route(
            ToolSpec::new("session_list", "List gateway sessions, optionally for one provider.").read_only().output::<SessionList>(),
            list,
        ))
        .with_route(route(
            ToolSpec::new("session_get", "One gateway session, with the native session id it resumes.").read_only().output::<SessionView>(),
            get,
        ))
        .with_route(route(
            ToolSpec::new("session_set_active", "Mark a session as the provider's active one (sessionId null clears it).")
                .output::<ActiveResult>(),
            set_active,
        ))
        .with_route(route(ToolSpec::new("session_delete", "Delete a gateway session.").output::<DeleteResult>(), delete))
        .with_route(route(
            ToolSpec::new("session_clear_all", "Delete every gateway session (or one provider's).").output::<DeleteResult>(),
            clear_all,
        ))
}

/// A session on the wire.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    pub session_id: String,
    pub cli: String,
    /// The CLI's own session id this gateway session resumes (once known).
    pub native_session_id: Option<String>,
    pub description: Option<String>,
    pub active: bool,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl From<SessionRecord> for SessionView {
    fn from(record: SessionRecord) -> Self {
        SessionView {
            session_id: record.id,
            cli: record.provider,
            native_session_id: record.native_session_id,
            description: record.name,
            active: record.active,
            created_at_ms: record.created_at_ms,
            updated_at_ms: record.updated_at_ms,
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateParams {
    pub cli: ProviderId,
    /// A label for people.
    pub description: Option<String>,
    /// Attach an existing native session id (validated) to resume.
    pub native_session_id: Option<String>,
    /// Make it the provider's active session (default true).
    pub set_as_active: Option<bool>,
}

async fn create(
    server: Server,
    params: CreateParams,
    _context: RequestContext<RoleServer>,
) -> ToolResult {
    if let Some(native) = &params.native_session_id {
        validate_session_id("nativeSessionId", native)?;
    }
    let session = NewSession {
        id: format!("gw-{}", uuid::Uuid::now_v7()),
        provider: params.cli.as_str().to_owned(),
        native_session_id: params.native_session_id,
        name: params.description,
        active: params.set_as_active.unwrap_or(true),
    };
    let record = server
        .jobs()
        .records()
        .create_session(session)
        .await
        .map_err(ToolError::internal)?;
    let view = SessionView::from(record);
    structured(
        format!("created {} for {}", view.session_id, view.cli),
        &view,
    )
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListParams {
    pub cli: Option<ProviderId>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionList {
    pub sessions: Vec<SessionView>,
}

async fn list(
    server: Server,
    params: ListParams,
    _context: RequestContext<RoleServer>,
) -> ToolResult {
    let provider = params.cli.map(ProviderId::as_str);
    let sessions: Vec<SessionView> = server
        .jobs()
        .records()
        .list_sessions(provider)
        .await
        .map_err(ToolError::internal)?
        .into_iter()
        .map(SessionView::from)
        .collect();
    let lines: Vec<String> = sessions
        .iter()
        .map(|s| {
            format!(
                "{} {}{}",
                s.session_id,
                s.cli,
                if s.active { " (active)" } else { "" }
            )
        })
        .collect();
    let text = if lines.is_empty() {
        "no sessions".to_owned()
    } else {
        lines.join("\n")
    };
    structured(text, &SessionList { sessions })
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionIdParams {
    /// A gateway session id (gw-…).
    pub session_id: String,
}

async fn get(
    server: Server,
    params: SessionIdParams,
    _context: RequestContext<RoleServer>,
) -> ToolResult {
    let view = SessionView::from(find(&server, &params.session_id).await?);
    let text = format!(
        "{} {} native={}",
        view.session_id,
        view.cli,
        view.native_session_id.as_deref().unwrap_or("(none yet)")
    );
    structured(text, &view)
}

async fn find(server: &Server, id: &str) -> Result<SessionRecord, ToolError> {
    server
        .jobs()
        .records()
        .session(id)
        .await
        .map_err(ToolError::internal)?
        .ok_or_else(|| session_not_found(id))
}

fn session_not_found(id: &str) -> ToolError {
    ToolError::Fixable(format!(
        "Session not found: `{id}`. Use session_list to see gateway session ids."
    ))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SetActiveParams {
    pub cli: ProviderId,
    /// The session to make active, or null to clear.
    pub session_id: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActiveResult {
    pub cli: String,
    pub active_session_id: Option<String>,
}

async fn set_active(
    server: Server,
    params: SetActiveParams,
    _context: RequestContext<RoleServer>,
) -> ToolResult {
    let provider = params.cli.as_str();
    if let Some(id) = &params.session_id {
        let record = find(&server, id).await?;
        if record.provider != provider {
            return Err(ToolError::param(
                "sessionId",
                format!("`{id}` belongs to {}, not {provider}", record.provider),
            ));
        }
    }
    let records = server.jobs().records();
    match &params.session_id {
        Some(id) => {
            records
                .set_session_active(id, true)
                .await
                .map_err(ToolError::internal)?;
        }
        None => {
            if let Some(active) = records
                .active_session(provider)
                .await
                .map_err(ToolError::internal)?
            {
                records
                    .set_session_active(&active.id, false)
                    .await
                    .map_err(ToolError::internal)?;
            }
        }
    }
    let text = match &params.session_id {
        Some(id) => format!("{id} is now the active {provider} session"),
        None => format!("no active {provider} session"),
    };
    structured(
        text,
        &ActiveResult {
            cli: provider.to_owned(),
            active_session_id: params.session_id,
        },
    )
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeleteResult {
    pub deleted: u64,
}

async fn delete(
    server: Server,
    params: SessionIdParams,
    _context: RequestContext<RoleServer>,
) -> ToolResult {
    let removed = server
        .jobs()
        .records()
        .delete_session(&params.session_id)
        .await
        .map_err(ToolError::internal)?;
    if !removed {
        return Err(session_not_found(&params.session_id));
    }
    structured(
        format!("deleted {}", params.session_id),
        &DeleteResult { deleted: 1 },
    )
}

async fn clear_all(
    server: Server,
    params: ListParams,
    _context: RequestContext<RoleServer>,
) -> ToolResult {
    let provider = params.cli.map(ProviderId::as_str);
    let count = server
        .jobs()
        .records()
        .clear_sessions(provider)
        .await
        .map_err(ToolError::internal)?;
    let deleted = u64::try_from(count).unwrap_or(u64::MAX);
    structured(
        format!("deleted {deleted} session(s)"),
        &DeleteResult { deleted },
    )
}
