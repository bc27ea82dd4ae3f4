//! Records every tool call (tool, client, a redacted and capped argument summary, duration,
//! error flag, result summary) off the hot path: the call only pushes onto a bounded queue; a
//! background task writes to the store. When the queue is full the entry is dropped and
//! counted, so a slow disk never slows a tool call down.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use gateway_core::redact::redact;
use gateway_jobs::JobService;
use rmcp::ErrorData;
use rmcp::model::{CallToolResponse, Implementation, JsonObject};
use serde_json::Value;
use tokio::sync::mpsc;

/// Entries waiting to be written; beyond this, new entries are dropped (and counted).
const QUEUE_CAPACITY: usize = 1024;
/// Longest argument summary stored.
pub const MAX_ARGS_SUMMARY_CHARS: usize = 2_000;
/// Longest result summary stored.
pub const MAX_RESULT_SUMMARY_CHARS: usize = 500;
/// String arguments longer than this are shown by size only.
const MAX_INLINE_STRING_CHARS: usize = 80;

/// One tool call, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCallEntry {
    pub tool: String,
    pub client_name: Option<String>,
    pub client_version: Option<String>,
    pub args_summary: String,
    pub duration_ms: i64,
    pub is_error: bool,
    pub result_summary: Option<String>,
    /// The job and the validation run named in the result (`jobId`; `validationId`,
    /// `comparisonId` or `reviewId`), so `logs --job` joins calls to what they made.
    pub job_id: Option<String>,
    pub validation_id: Option<String>,
}

impl ToolCallEntry {
    pub fn new(
        tool: String,
        client: Option<Implementation>,
        args_summary: String,
        elapsed: Duration,
        outcome: &Result<CallToolResponse, ErrorData>,
    ) -> ToolCallEntry {
        let (is_error, result_summary) = summarize_outcome(outcome);
        let id = |keys: &[&str]| result_id(outcome, keys);
        ToolCallEntry {
            job_id: id(&["jobId"]),
            validation_id: id(&["validationId", "comparisonId", "reviewId"]),
            tool,
            client_name: client.as_ref().map(|client| client.name.clone()),
            client_version: client.map(|client| client.version),
            args_summary,
            duration_ms: i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX),
            is_error,
            result_summary,
        }
    }
}

/// The first of `keys` that is a string at the top of the structured result.
fn result_id(outcome: &Result<CallToolResponse, ErrorData>, keys: &[&str]) -> Option<String> {
    let Ok(CallToolResponse::Complete(result)) = outcome else {
        return None;
    };
    let map = result.structured_content.as_ref()?.as_object()?;
    keys.iter()
        .find_map(|key| map.get(*key).and_then(Value::as_str))
        .map(str::to_owned)
}

/// The queue side of the recorder.
pub struct Recorder {
    sender: mpsc::Sender<ToolCallEntry>,
    dropped: Arc<AtomicU64>,
}

impl Recorder {
    /// Starts the writer task; it ends when the last `Recorder` is dropped.
    pub fn spawn(jobs: JobService) -> Recorder {
        Recorder::with_capacity(jobs, QUEUE_CAPACITY)
    }

    /// [`Recorder::spawn`] with a queue of `capacity` entries. The writer stores this
    /// process's drop count after each write when it changed (a drop happens only while the
    /// queue is full, so a write always follows), so `logs stats` can read it.
    pub fn with_capacity(jobs: JobService, capacity: usize) -> Recorder {
        let (sender, mut receiver) = mpsc::channel::<ToolCallEntry>(capacity.max(1));
        let dropped = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&dropped);
        tokio::spawn(async move {
            let records = jobs.records();
            let mut stored = 0;
            while let Some(entry) = receiver.recv().await {
                if let Err(error) = records.record_tool_call(entry.into_new()).await {
                    tracing::warn!(%error, "could not record a tool call");
                }
                let now = counter.load(Ordering::Relaxed);
                if now != stored {
                    match records.set_recorder_dropped(jobs.instance_id(), now).await {
                        Ok(()) => stored = now,
                        Err(error) => tracing::warn!(%error, "could not store the drop count"),
                    }
                }
            }
        });
        Recorder { sender, dropped }
    }

    /// Queues `entry` without waiting; drops it (and counts) when the queue is full.
    pub fn record(&self, entry: ToolCallEntry) {
        if self.sender.try_send(entry).is_err() {
            let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if dropped.is_power_of_two() {
                tracing::warn!(dropped, "tool-call recorder queue full; dropping records");
            }
        }
    }

    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl ToolCallEntry {
    fn into_new(self) -> gateway_jobs::NewToolCall {
        gateway_jobs::NewToolCall {
            tool: self.tool,
            client_name: self.client_name,
            client_version: self.client_version,
            args_summary: self.args_summary,
            duration_ms: self.duration_ms,
            is_error: self.is_error,
            result_summary: self.result_summary,
            job_id: self.job_id,
            validation_id: self.validation_id,
        }
    }
}

/// A short, redacted view of the arguments: long strings (the prompt above all) appear only as
/// their size, secrets are masked, and the whole is capped.
pub fn summarize_args(args: Option<&JsonObject>) -> String {
    let Some(args) = args else {
        return "{}".to_owned();
    };
    let shrunk: serde_json::Map<String, Value> = args
        .iter()
        .map(|(key, value)| (key.clone(), shrink(key, value)))
        .collect();
    let text = Value::Object(shrunk).to_string();
    cap(&redact(&text), MAX_ARGS_SUMMARY_CHARS)
}

fn shrink(key: &str, value: &Value) -> Value {
    match value {
        Value::String(text)
            if key == "prompt" || text.chars().count() > MAX_INLINE_STRING_CHARS =>
        {
            Value::String(format!("<{} bytes>", text.len()))
        }
        Value::Array(items) => Value::Array(items.iter().map(|item| shrink("", item)).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), shrink(k, v))).collect())
        }
        other => other.clone(),
    }
}

fn summarize_outcome(outcome: &Result<CallToolResponse, ErrorData>) -> (bool, Option<String>) {
    match outcome {
        Err(error) => (
            true,
            Some(cap(
                &format!("protocol error {}: {}", error.code.0, error.message),
                MAX_RESULT_SUMMARY_CHARS,
            )),
        ),
        Ok(CallToolResponse::Complete(result)) => {
            let is_error = result.is_error.unwrap_or(false);
            let text = || {
                result
                    .content
                    .first()
                    .and_then(|block| block.as_text())
                    .map(|text| text.text.clone())
            };
            let summary = match &result.structured_content {
                Some(Value::Object(map)) => status_line(map).or_else(text),
                _ => text(),
            };
            (
                is_error,
                summary.map(|text| cap(&redact(&text), MAX_RESULT_SUMMARY_CHARS)),
            )
        }
        Ok(_) => (false, None),
    }
}

/// `status=completed jobId=… exitCode=0` from a structured result, without the answer text.
fn status_line(map: &serde_json::Map<String, Value>) -> Option<String> {
    let parts: Vec<String> = ["status", "jobId", "exitCode", "deduped"]
        .iter()
        .filter_map(|key| map.get(*key).map(|value| format!("{key}={value}")))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn cap(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use rmcp::model::{CallToolResult, ContentBlock};
    use serde_json::json;

    use super::*;

    #[test]
    fn args_summary_hides_prompt_and_long_strings() {
        let args = json!({"prompt": "secret plan", "model": "sonnet", "systemPrompt": "x".repeat(200), "dryRun": true});
        let Value::Object(args) = args else { panic!() };
        let summary = summarize_args(Some(&args));
        assert_eq!(
            summary,
            r#"{"prompt":"<11 bytes>","model":"sonnet","systemPrompt":"<200 bytes>","dryRun":true}"#
        );
        assert_eq!(summarize_args(None), "{}");
    }

    #[test]
    fn args_summary_is_capped() {
        let many: serde_json::Map<String, Value> =
            (0..500).map(|i| (format!("k{i}"), json!(i))).collect();
        let summary = summarize_args(Some(&many));
        assert_eq!(summary.chars().count(), MAX_ARGS_SUMMARY_CHARS);
        assert!(summary.ends_with('…'));
    }

    #[test]
    fn outcome_summaries() {
        let structured = CallToolResult::structured(
            json!({"status": "completed", "jobId": "j1", "response": "long answer"}),
        );
        let (error, summary) = summarize_outcome(&Ok(structured.into()));
        assert!(!error);
        assert_eq!(summary.as_deref(), Some(r#"status="completed" jobId="j1""#));
        let failed = CallToolResult::error(vec![ContentBlock::text("Job not found: `x`")]);
        assert_eq!(
            summarize_outcome(&Ok(failed.into())),
            (true, Some("Job not found: `x`".into()))
        );
        let protocol = ErrorData::internal_error("boom", None);
        assert_eq!(
            summarize_outcome(&Err(protocol)),
            (true, Some("protocol error -32603: boom".into()))
        );
    }
}
