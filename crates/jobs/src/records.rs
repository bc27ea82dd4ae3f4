//! [`Records`]: typed access to sessions, approvals, tool-call records and validation runs for
//! the MCP and validation layers, so no SQL lives outside the store. Every method runs on the blocking pool.

use std::sync::Arc;

use gateway_store::costs::{Budget, ModelPrice};
use gateway_store::{
    ApprovalRecord, NewApproval, NewSession, NewToolCall, SessionRecord, Store, TaskRecord,
    ToolCallRecord,
};

use crate::JobsError;
use crate::service::blocking;

/// A handle on the non-job records; cheap to clone.
#[derive(Debug, Clone)]
pub struct Records {
    store: Arc<Store>,
}

impl Records {
    pub(crate) fn new(store: Arc<Store>) -> Records {
        Records { store }
    }

    /// Records one MCP tool call (summaries are redacted and should be capped by the caller).
    pub async fn record_tool_call(&self, call: NewToolCall) -> Result<i64, JobsError> {
        blocking(&self.store, move |store| store.record_tool_call(&call)).await
    }

    /// Replaces the price table and daily budgets every process sharing the store applies.
    pub async fn set_cost_policy(
        &self,
        prices: Vec<ModelPrice>,
        budgets: Vec<Budget>,
    ) -> Result<(), JobsError> {
        blocking(&self.store, move |store| {
            store.set_cost_policy(&prices, &budgets)
        })
        .await
    }

    /// Stores how many tool-call records `instance`'s recorder has dropped so far.
    pub async fn set_recorder_dropped(
        &self,
        instance: &str,
        dropped: u64,
    ) -> Result<(), JobsError> {
        let instance = instance.to_owned();
        blocking(&self.store, move |store| {
            store.set_recorder_dropped(&instance, dropped)
        })
        .await
    }

    /// The newest tool calls, newest first.
    pub async fn recent_tool_calls(&self, limit: u32) -> Result<Vec<ToolCallRecord>, JobsError> {
        blocking(&self.store, move |store| store.recent_tool_calls(limit)).await
    }

    /// Creates a session (`id` is `gw-…`); `active` replaces the provider's active one.
    pub async fn create_session(&self, session: NewSession) -> Result<SessionRecord, JobsError> {
        blocking(&self.store, move |store| store.create_session(&session)).await
    }

    pub async fn session(&self, id: &str) -> Result<Option<SessionRecord>, JobsError> {
        let id = id.to_owned();
        blocking(&self.store, move |store| store.session(&id)).await
    }

    pub async fn list_sessions(
        &self,
        provider: Option<&str>,
    ) -> Result<Vec<SessionRecord>, JobsError> {
        let provider = provider.map(str::to_owned);
        blocking(&self.store, move |store| {
            store.list_sessions(provider.as_deref())
        })
        .await
    }

    pub async fn active_session(&self, provider: &str) -> Result<Option<SessionRecord>, JobsError> {
        let provider = provider.to_owned();
        blocking(&self.store, move |store| store.active_session(&provider)).await
    }

    /// `false`: no such session.
    pub async fn set_session_active(&self, id: &str, active: bool) -> Result<bool, JobsError> {
        let id = id.to_owned();
        blocking(&self.store, move |store| {
            store.set_session_active(&id, active)
        })
        .await
    }

    /// Stores the CLI's native session id once known. `false`: no such session.
    pub async fn set_native_session(
        &self,
        id: &str,
        native_session_id: &str,
    ) -> Result<bool, JobsError> {
        let (id, native) = (id.to_owned(), native_session_id.to_owned());
        blocking(&self.store, move |store| {
            store.set_native_session(&id, &native)
        })
        .await
    }

    /// `false`: no such session.
    pub async fn delete_session(&self, id: &str) -> Result<bool, JobsError> {
        let id = id.to_owned();
        blocking(&self.store, move |store| store.delete_session(&id)).await
    }

    /// Deletes all sessions (of one provider when given); returns how many.
    pub async fn clear_sessions(&self, provider: Option<&str>) -> Result<usize, JobsError> {
        let provider = provider.map(str::to_owned);
        blocking(&self.store, move |store| {
            store.clear_sessions(provider.as_deref())
        })
        .await
    }

    /// Records an approval decision (the prompt only as its SHA-256).
    pub async fn record_approval(
        &self,
        approval: NewApproval,
    ) -> Result<ApprovalRecord, JobsError> {
        blocking(&self.store, move |store| store.record_approval(&approval)).await
    }

    pub async fn list_approvals(&self, limit: u32) -> Result<Vec<ApprovalRecord>, JobsError> {
        blocking(&self.store, move |store| store.list_approvals(limit)).await
    }

    /// Inserts or replaces validation run `id`; its JSON is redacted by the store.
    pub async fn put_validation_run(
        &self,
        id: &str,
        kind: &str,
        created_at_ms: i64,
        record_json: String,
    ) -> Result<(), JobsError> {
        let (id, kind) = (id.to_owned(), kind.to_owned());
        blocking(&self.store, move |store| {
            store.put_validation_run(&id, &kind, created_at_ms, &record_json)
        })
        .await
    }

    /// The JSON record of validation run `id`, if any.
    pub async fn get_validation_run(&self, id: &str) -> Result<Option<String>, JobsError> {
        let id = id.to_owned();
        blocking(&self.store, move |store| store.get_validation_run(&id)).await
    }

    /// Records `id` (a job or validation run) as an MCP task of `tool`, created now.
    pub async fn put_task(&self, id: &str, tool: &str) -> Result<(), JobsError> {
        let (id, tool) = (id.to_owned(), tool.to_owned());
        blocking(&self.store, move |store| {
            store.put_task(&id, &tool, gateway_store::now_ms())
        })
        .await
    }

    /// Task `id`, if it is one.
    pub async fn task(&self, id: &str) -> Result<Option<TaskRecord>, JobsError> {
        let id = id.to_owned();
        blocking(&self.store, move |store| store.task(&id)).await
    }

    /// Tasks newest first.
    pub async fn list_tasks(&self, offset: u32, limit: u32) -> Result<Vec<TaskRecord>, JobsError> {
        blocking(&self.store, move |store| store.list_tasks(offset, limit)).await
    }

    /// Attaches an approval decision (JSON) to a job's flight-recorder row.
    pub async fn set_request_approval(
        &self,
        job_id: &str,
        decision_json: &str,
    ) -> Result<bool, JobsError> {
        let (job, decision) = (job_id.to_owned(), decision_json.to_owned());
        blocking(&self.store, move |store| {
            store.set_request_approval(&job, &decision)
        })
        .await
    }
}
