//! The flight recorder, tool calls, instances, sessions, approvals, validation runs and
//! retention.

use std::borrow::Cow;

use crate::sql::{Db, Lock, Row, params};

use crate::model::{
    ApprovalRecord, NewApproval, NewSession, NewToolCall, PruneCounts, RequestRecord,
    SessionRecord, TaskRecord, ToolCallRecord,
};
use crate::query::InstanceRecord;
use crate::{Store, StoreError, now_ms};

const REQUEST_COLUMNS: &str = r"id, correlation_id, provider, model, origin_tool, prompt,
    prompt_bytes, response, session_id, created_at, finished_at, duration_ms, input_tokens,
    output_tokens, cache_read_tokens, cache_creation_tokens, cost_usd, exit_code, status, error,
    job_id, retry_count, approval_decision, cost_estimated";

fn tokens(value: Option<i64>) -> Option<u64> {
    value.and_then(|value| u64::try_from(value).ok())
}

fn request_from_row(row: &Row<'_>) -> Result<RequestRecord, StoreError> {
    Ok(RequestRecord {
        id: row.get(0)?,
        correlation_id: row.get(1)?,
        provider: row.get(2)?,
        model: row.get(3)?,
        origin_tool: row.get(4)?,
        prompt: row.get(5)?,
        prompt_bytes: u64::try_from(row.get::<i64>(6)?).unwrap_or(0),
        response: row.get(7)?,
        session_id: row.get(8)?,
        created_at_ms: row.get(9)?,
        finished_at_ms: row.get(10)?,
        duration_ms: row.get(11)?,
        input_tokens: tokens(row.get(12)?),
        output_tokens: tokens(row.get(13)?),
        cache_read_tokens: tokens(row.get(14)?),
        cache_creation_tokens: tokens(row.get(15)?),
        cost_usd: row.get(16)?,
        exit_code: row.get(17)?,
        status: row.get(18)?,
        error: row.get(19)?,
        job_id: row.get(20)?,
        retry_count: u32::try_from(row.get::<i64>(21)?).unwrap_or(0),
        approval_decision: row.get(22)?,
        cost_estimated: row.get(23)?,
    })
}

/// The columns [`tool_call_from_row`] reads.
pub(crate) const TOOL_CALL_COLUMNS: &str = r"id, created_at, tool, client_name, client_version,
    args_summary, duration_ms, is_error, result_summary, job_id, validation_id";

pub(crate) fn tool_call_from_row(row: &Row<'_>) -> Result<ToolCallRecord, StoreError> {
    Ok(ToolCallRecord {
        id: row.get(0)?,
        created_at_ms: row.get(1)?,
        tool: row.get(2)?,
        client_name: row.get(3)?,
        client_version: row.get(4)?,
        args_summary: row.get(5)?,
        duration_ms: row.get(6)?,
        is_error: row.get(7)?,
        result_summary: row.get(8)?,
        job_id: row.get(9)?,
        validation_id: row.get(10)?,
    })
}

const SESSION_COLUMNS: &str =
    "id, provider, native_session_id, name, active, created_at, updated_at";

fn task_from_row(row: &Row<'_>) -> Result<TaskRecord, StoreError> {
    Ok(TaskRecord {
        id: row.get(0)?,
        tool: row.get(1)?,
        created_at_ms: row.get(2)?,
    })
}

fn session_from_row(row: &Row<'_>) -> Result<SessionRecord, StoreError> {
    Ok(SessionRecord {
        id: row.get(0)?,
        provider: row.get(1)?,
        native_session_id: row.get(2)?,
        name: row.get(3)?,
        active: row.get(4)?,
        created_at_ms: row.get(5)?,
        updated_at_ms: row.get(6)?,
    })
}

impl Store {
    /// The newest flight-recorder row with this correlation id.
    pub fn request_by_correlation(
        &self,
        correlation_id: &str,
    ) -> Result<Option<RequestRecord>, StoreError> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE correlation_id = ?1 ORDER BY created_at DESC LIMIT 1"
        );
        self.conn()
            .optional_row(&sql, params![correlation_id], request_from_row)
    }

    /// Records the approval decision (JSON) on the request of a job.
    pub fn set_request_approval(
        &self,
        job_id: &str,
        decision_json: &str,
    ) -> Result<bool, StoreError> {
        let changed = self.conn().run(
            "UPDATE requests SET approval_decision = ?2 WHERE job_id = ?1",
            params![job_id, self.scrub(decision_json)],
        )?;
        Ok(changed > 0)
    }

    /// Records one MCP tool call; summaries are redacted here.
    pub fn record_tool_call(&self, call: &NewToolCall) -> Result<i64, StoreError> {
        self.conn().row(
            r"INSERT INTO tool_calls (created_at, tool, client_name, client_version, args_summary,
                duration_ms, is_error, result_summary, job_id, validation_id)
              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
            params![
                now_ms(),
                call.tool,
                call.client_name,
                call.client_version,
                self.scrub(&call.args_summary),
                call.duration_ms,
                call.is_error,
                self.scrub_opt(call.result_summary.as_deref()),
                call.job_id,
                call.validation_id
            ],
            |row| row.get(0),
        )
    }

    /// Records how many tool-call records `instance`'s recorder has dropped so far (its queue
    /// was full), for `logs stats`.
    pub fn set_recorder_dropped(&self, instance: &str, dropped: u64) -> Result<(), StoreError> {
        self.conn().run(
            r"INSERT INTO recorder_drops (instance, dropped, updated_at) VALUES (?1, ?2, ?3)
              ON CONFLICT(instance) DO UPDATE SET dropped = excluded.dropped,
                updated_at = excluded.updated_at",
            params![
                instance,
                i64::try_from(dropped).unwrap_or(i64::MAX),
                now_ms()
            ],
        )?;
        Ok(())
    }

    /// The newest tool calls, newest first.
    pub fn recent_tool_calls(&self, limit: u32) -> Result<Vec<ToolCallRecord>, StoreError> {
        let conn = self.conn();
        let rows = conn.rows(
            &format!("SELECT {TOOL_CALL_COLUMNS} FROM tool_calls ORDER BY id DESC LIMIT ?1"),
            params![limit],
            tool_call_from_row,
        )?;
        Ok(rows)
    }

    /// Registers (or re-registers) this process.
    pub fn register_instance(&self, id: &str, pid: u32, host: &str) -> Result<(), StoreError> {
        let now = now_ms();
        self.conn().run(
            r"INSERT INTO instances (id, pid, host, started_at, heartbeat_at) VALUES (?1, ?2, ?3, ?4, ?4)
              ON CONFLICT(id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
            params![id, pid, host, now],
        )?;
        Ok(())
    }

    /// Pushes this instance's heartbeat forward.
    pub fn heartbeat(&self, id: &str) -> Result<(), StoreError> {
        self.conn().run(
            "UPDATE instances SET heartbeat_at = ?2 WHERE id = ?1",
            params![id, now_ms()],
        )?;
        Ok(())
    }

    /// The registered gateway process `id`, if its row is still there.
    pub fn instance(&self, id: &str) -> Result<Option<InstanceRecord>, StoreError> {
        instance_in(&self.conn(), id)
    }

    /// Removes an instance row (its process exited or was found dead).
    pub fn remove_instance(&self, id: &str) -> Result<(), StoreError> {
        self.conn()
            .run("DELETE FROM instances WHERE id = ?1", params![id])?;
        Ok(())
    }

    /// Creates a session; when `active`, it replaces the provider's active session.
    pub fn create_session(&self, session: &NewSession) -> Result<SessionRecord, StoreError> {
        let now = now_ms();
        let conn = self.conn();
        let tx = conn.transaction(Lock::Global)?;
        if session.active {
            tx.run(
                "UPDATE sessions SET active = 0, updated_at = ?2 WHERE provider = ?1 AND active = 1",
                params![session.provider, now],
            )?;
        }
        tx.run(
            r"INSERT INTO sessions (id, provider, native_session_id, name, active, created_at, updated_at)
              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![
                session.id,
                session.provider,
                session.native_session_id,
                self.scrub_opt(session.name.as_deref()),
                session.active,
                now
            ],
        )?;
        tx.commit()?;
        Ok(SessionRecord {
            id: session.id.clone(),
            provider: session.provider.clone(),
            native_session_id: session.native_session_id.clone(),
            name: session
                .name
                .as_deref()
                .map(|name| self.scrub(name).into_owned()),
            active: session.active,
            created_at_ms: now,
            updated_at_ms: now,
        })
    }

    /// One session by gateway id.
    pub fn session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1");
        self.conn()
            .optional_row(&sql, params![id], session_from_row)
    }

    /// Sessions, newest first, optionally of one provider.
    pub fn list_sessions(&self, provider: Option<&str>) -> Result<Vec<SessionRecord>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE CAST(?1 AS TEXT) IS NULL OR provider = ?1 ORDER BY updated_at DESC, id"
        );
        let conn = self.conn();
        let rows = conn.rows(&sql, params![provider], session_from_row)?;
        Ok(rows)
    }

    /// The active session of a provider.
    pub fn active_session(&self, provider: &str) -> Result<Option<SessionRecord>, StoreError> {
        let sql =
            format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE provider = ?1 AND active = 1");
        self.conn()
            .optional_row(&sql, params![provider], session_from_row)
    }

    /// Makes `id` the active session of its provider (or clears it with `active = false`).
    /// `false`: no such session.
    pub fn set_session_active(&self, id: &str, active: bool) -> Result<bool, StoreError> {
        let now = now_ms();
        let conn = self.conn();
        let tx = conn.transaction(Lock::Global)?;
        let provider: Option<String> = tx.optional_row(
            "SELECT provider FROM sessions WHERE id = ?1",
            params![id],
            |row| row.get(0),
        )?;
        let Some(provider) = provider else {
            return Ok(false);
        };
        if active {
            tx.run(
                "UPDATE sessions SET active = 0, updated_at = ?2 WHERE provider = ?1 AND active = 1",
                params![provider, now],
            )?;
        }
        tx.run(
            "UPDATE sessions SET active = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, active, now],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Records the provider's native session id once the CLI reported it; touches `updated_at`.
    pub fn set_native_session(
        &self,
        id: &str,
        native_session_id: &str,
    ) -> Result<bool, StoreError> {
        let changed = self.conn().run(
            "UPDATE sessions SET native_session_id = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, native_session_id, now_ms()],
        )?;
        Ok(changed == 1)
    }

    /// Deletes one session. `false`: no such session.
    pub fn delete_session(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .run("DELETE FROM sessions WHERE id = ?1", params![id])?
            == 1)
    }

    /// Deletes every session (of one provider when given); returns how many.
    pub fn clear_sessions(&self, provider: Option<&str>) -> Result<usize, StoreError> {
        self.conn().run(
            "DELETE FROM sessions WHERE CAST(?1 AS TEXT) IS NULL OR provider = ?1",
            params![provider],
        )
    }

    /// Records an approval decision (the prompt only as its hash).
    pub fn record_approval(&self, approval: &NewApproval) -> Result<ApprovalRecord, StoreError> {
        let now = now_ms();
        let reasons: Vec<String> = approval
            .reasons
            .iter()
            .map(|reason| self.scrub(reason).into_owned())
            .collect();
        let reasons_json =
            serde_json::to_string(&reasons).map_err(|error| StoreError::Corrupt {
                table: "approvals",
                reason: error.to_string(),
            })?;
        self.conn().run(
            r"INSERT INTO approvals (id, provider, decision, policy, score, reasons_json, prompt_sha256, created_at)
              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                approval.id,
                approval.provider,
                approval.decision,
                approval.policy,
                approval.score,
                reasons_json,
                approval.prompt_sha256,
                now
            ],
        )?;
        Ok(ApprovalRecord {
            id: approval.id.clone(),
            provider: approval.provider.clone(),
            decision: approval.decision.clone(),
            policy: approval.policy.clone(),
            score: approval.score,
            reasons,
            prompt_sha256: approval.prompt_sha256.clone(),
            created_at_ms: now,
        })
    }

    /// Approvals, newest first.
    pub fn list_approvals(&self, limit: u32) -> Result<Vec<ApprovalRecord>, StoreError> {
        let conn = self.conn();
        let rows = conn.rows(
            r"SELECT id, provider, decision, policy, score, reasons_json, prompt_sha256, created_at
              FROM approvals ORDER BY created_at DESC, id LIMIT ?1",
            params![limit],
            |row| {
                Ok((
                    ApprovalRecord {
                        id: row.get(0)?,
                        provider: row.get(1)?,
                        decision: row.get(2)?,
                        policy: row.get(3)?,
                        score: row.get(4)?,
                        reasons: Vec::new(),
                        prompt_sha256: row.get(6)?,
                        created_at_ms: row.get(7)?,
                    },
                    row.get::<String>(5)?,
                ))
            },
        )?;
        let mut approvals = Vec::new();
        for (mut approval, reasons_json) in rows {
            approval.reasons =
                serde_json::from_str(&reasons_json).map_err(|error| StoreError::Corrupt {
                    table: "approvals",
                    reason: error.to_string(),
                })?;
            approvals.push(approval);
        }
        Ok(approvals)
    }

    /// Inserts or replaces validation run `id` (its record as JSON, opaque to the store). Every
    /// string in the JSON is redacted, leaf by leaf so the text stays valid JSON; `created_at`
    /// is kept from the first write, `updated_at` is now.
    pub fn put_validation_run(
        &self,
        id: &str,
        kind: &str,
        created_at_ms: i64,
        record_json: &str,
    ) -> Result<(), StoreError> {
        let json = self.scrub_json(record_json)?;
        self.conn().run(
            r"INSERT INTO validation_runs (id, kind, created_at, updated_at, record_json)
              VALUES (?1, ?2, ?3, ?4, ?5)
              ON CONFLICT(id) DO UPDATE SET kind = excluded.kind,
                updated_at = excluded.updated_at, record_json = excluded.record_json",
            params![id, kind, created_at_ms, now_ms(), json],
        )?;
        Ok(())
    }

    /// The JSON record of validation run `id`, if any.
    pub fn get_validation_run(&self, id: &str) -> Result<Option<String>, StoreError> {
        self.conn().optional_row(
            "SELECT record_json FROM validation_runs WHERE id = ?1",
            params![id],
            |row| row.get(0),
        )
    }

    /// Records `id` (a job or validation run) as an MCP task of `tool`; a second call for the
    /// same id (a deduplicated request) keeps the first record.
    pub fn put_task(&self, id: &str, tool: &str, created_at_ms: i64) -> Result<(), StoreError> {
        self.conn().run(
            "INSERT INTO tasks (id, tool, created_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            params![id, tool, created_at_ms],
        )?;
        Ok(())
    }

    /// Task `id`, if it is one.
    pub fn task(&self, id: &str) -> Result<Option<TaskRecord>, StoreError> {
        self.conn().optional_row(
            "SELECT id, tool, created_at FROM tasks WHERE id = ?1",
            params![id],
            task_from_row,
        )
    }

    /// Tasks newest first, `limit` of them after skipping `offset`.
    pub fn list_tasks(&self, offset: u32, limit: u32) -> Result<Vec<TaskRecord>, StoreError> {
        let conn = self.conn();
        let rows = conn.rows("SELECT id, tool, created_at FROM tasks ORDER BY created_at DESC, id DESC LIMIT ?1 OFFSET ?2", params![limit, offset], task_from_row)?;
        Ok(rows)
    }

    /// `json` with every string leaf redacted (redacting the text as a whole could cut through
    /// quotes and leave JSON nobody can read back). Not JSON at all is the caller's bug.
    fn scrub_json(&self, json: &str) -> Result<String, StoreError> {
        if !self.redact {
            return Ok(json.to_owned());
        }
        let invalid = |error: serde_json::Error| StoreError::Corrupt {
            table: "validation_runs",
            reason: format!("record_json is not JSON: {error}"),
        };
        let mut value: serde_json::Value = serde_json::from_str(json).map_err(invalid)?;
        self.scrub_strings(&mut value);
        serde_json::to_string(&value).map_err(invalid)
    }

    fn scrub_strings(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(text) => {
                if let Cow::Owned(clean) = self.scrub(text) {
                    *text = clean;
                }
            }
            serde_json::Value::Array(items) => {
                items.iter_mut().for_each(|item| self.scrub_strings(item));
            }
            serde_json::Value::Object(map) => {
                map.values_mut().for_each(|item| self.scrub_strings(item));
            }
            serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::Number(_) => {
            }
        }
    }

    /// Deletes rows older than `cutoff_ms` from every table: finished jobs (with their output
    /// and events, by cascade), requests, tool calls, sessions not used since, approvals,
    /// validation runs and instances without a heartbeat since. Active jobs are never pruned.
    pub fn prune(&self, cutoff_ms: i64) -> Result<PruneCounts, StoreError> {
        let conn = self.conn();
        let tx = conn.transaction(Lock::Rows)?;
        tx.run(
            "DELETE FROM recorder_drops WHERE updated_at < ?1",
            params![cutoff_ms],
        )?;
        let counts = PruneCounts {
            requests: tx.run(
                "DELETE FROM requests WHERE created_at < ?1",
                params![cutoff_ms],
            )?,
            jobs: tx.run(
                r"DELETE FROM jobs WHERE created_at < ?1
                  AND status NOT IN ('queued', 'running')",
                params![cutoff_ms],
            )?,
            tool_calls: tx.run(
                "DELETE FROM tool_calls WHERE created_at < ?1",
                params![cutoff_ms],
            )?,
            sessions: tx.run(
                "DELETE FROM sessions WHERE updated_at < ?1",
                params![cutoff_ms],
            )?,
            approvals: tx.run(
                "DELETE FROM approvals WHERE created_at < ?1",
                params![cutoff_ms],
            )?,
            instances: tx.run(
                "DELETE FROM instances WHERE heartbeat_at < ?1",
                params![cutoff_ms],
            )?,
            validation_runs: tx.run(
                "DELETE FROM validation_runs WHERE created_at < ?1",
                params![cutoff_ms],
            )?,
            tasks: tx.run(
                "DELETE FROM tasks WHERE created_at < ?1",
                params![cutoff_ms],
            )?,
        };
        tx.commit()?;
        Ok(counts)
    }
}

/// The one query and row mapping of an instance, for [`Store`] and the read-only store.
pub(crate) fn instance_in(conn: &Db, id: &str) -> Result<Option<InstanceRecord>, StoreError> {
    conn.optional_row(
        "SELECT id, pid, host, started_at, heartbeat_at FROM instances WHERE id = ?1",
        params![id],
        instance_from_row,
    )
}

/// An instance from `SELECT id, pid, host, started_at, heartbeat_at FROM instances`.
pub(crate) fn instance_from_row(row: &Row<'_>) -> Result<InstanceRecord, StoreError> {
    Ok(InstanceRecord {
        id: row.get(0)?,
        pid: row.get(1)?,
        host: row.get(2)?,
        started_at_ms: row.get(3)?,
        heartbeat_at_ms: row.get(4)?,
    })
}
