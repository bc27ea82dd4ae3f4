//! Durable run records: what a validation or comparison run asked, which jobs its seats and
//! judge became, and its last report, so that `job_status`/`job_result` work after a restart.
//!
//! [`RunRecords`] is the seam; [`StoreRunRecords`] keeps each run as one row of the job
//! database's `validation_runs` table (the record as JSON, redacted by the store like every other
//! text column), so all state lives in the one SQLite file and is pruned with the jobs. With
//! `LLM_GATEWAY_LOGS_DB=none` the job service's in-memory database holds them just the same.

use std::future::Future;
use std::pin::Pin;

use gateway_core::ProviderId;
use gateway_jobs::Records;
use serde::{Deserialize, Serialize};

use crate::compare::Comparison;
use crate::report::{LeftOut, ValidationReport};
use crate::request::{Intent, OriginalRequest};

/// Which tool family a run belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    Validation,
    Comparison,
    Review,
}

/// One seat (or the judge) as dispatched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeatRecord {
    pub provider: ProviderId,
    pub model: Option<String>,
    pub job_id: Option<String>,
    pub correlation_id: Option<String>,
    /// Why the seat was not dispatched.
    pub skipped: Option<String>,
    pub warning: Option<String>,
}

/// The judge of a run: synthesis for validations, the comparer for comparisons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JudgeRecord {
    pub seat: SeatRecord,
    pub included: Vec<ProviderId>,
    pub left_out: Vec<LeftOut>,
    pub note: Option<String>,
}

/// Everything kept about one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRecord {
    pub id: String,
    pub kind: RunKind,
    pub created_at_ms: i64,
    pub intent: Intent,
    pub request: OriginalRequest,
    pub read_only: bool,
    pub seats: Vec<SeatRecord>,
    pub judge: Option<JudgeRecord>,
    /// The answers compared (comparison runs).
    #[serde(default)]
    pub answers: Vec<String>,
    /// A comparison settled without a judge (identical answers).
    #[serde(default)]
    pub local_comparison: Option<Comparison>,
    /// The last report assembled; shown when the seats' jobs are gone (retention).
    pub last_report: Option<ValidationReport>,
    /// What a review run reviewed (review runs).
    #[serde(default)]
    pub review: Option<crate::review::ReviewRecord>,
}

/// A failure to read or write run records.
#[derive(Debug, thiserror::Error)]
#[error("validation run records: {reason}")]
pub struct RecordsError {
    pub reason: String,
}

impl RecordsError {
    fn new(reason: impl ToString) -> RecordsError {
        RecordsError {
            reason: reason.to_string(),
        }
    }
}

/// What [`RunRecords`] methods return: boxed so the trait stays usable as `dyn RunRecords`.
pub type RecordsFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, RecordsError>> + Send + 'a>>;

/// Where runs are kept. Implementations must be safe to call from several tasks at once.
pub trait RunRecords: Send + Sync + std::fmt::Debug {
    /// Inserts or replaces the record with `record.id`.
    fn put<'a>(&'a self, record: &'a RunRecord) -> RecordsFuture<'a, ()>;
    /// The record with `id`, if any.
    fn get<'a>(&'a self, id: &'a str) -> RecordsFuture<'a, Option<RunRecord>>;
}

/// Runs in the job database, through the job service's [`Records`].
#[derive(Debug, Clone)]
pub struct StoreRunRecords {
    records: Records,
}

impl StoreRunRecords {
    /// Runs kept beside the jobs of `records` (`JobService::records()`).
    pub fn new(records: Records) -> StoreRunRecords {
        StoreRunRecords { records }
    }
}

impl RunKind {
    fn as_str(self) -> &'static str {
        match self {
            RunKind::Validation => "validation",
            RunKind::Comparison => "comparison",
            RunKind::Review => "review",
        }
    }
}

impl RunRecords for StoreRunRecords {
    fn put<'a>(&'a self, record: &'a RunRecord) -> RecordsFuture<'a, ()> {
        Box::pin(async move {
            let json = serde_json::to_string(record).map_err(RecordsError::new)?;
            self.records
                .put_validation_run(&record.id, record.kind.as_str(), record.created_at_ms, json)
                .await
                .map_err(RecordsError::new)
        })
    }

    fn get<'a>(&'a self, id: &'a str) -> RecordsFuture<'a, Option<RunRecord>> {
        Box::pin(async move {
            let Some(json) = self
                .records
                .get_validation_run(id)
                .await
                .map_err(RecordsError::new)?
            else {
                return Ok(None);
            };
            serde_json::from_str(&json)
                .map(Some)
                .map_err(|error| RecordsError::new(format!("run `{id}` is unreadable: {error}")))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, question: &str) -> RunRecord {
        RunRecord {
            id: id.to_owned(),
            kind: RunKind::Validation,
            created_at_ms: 1,
            intent: Intent::Validate,
            request: OriginalRequest {
                question: Some(question.to_owned()),
                ..OriginalRequest::default()
            },
            read_only: true,
            seats: vec![SeatRecord {
                provider: ProviderId::Claude,
                model: None,
                job_id: Some("job-1".to_owned()),
                correlation_id: Some("validation-x-claude".to_owned()),
                skipped: None,
                warning: None,
            }],
            judge: None,
            answers: Vec::new(),
            local_comparison: None,
            last_report: None,
            review: None,
        }
    }

    async fn service(dir: &std::path::Path, redact: bool) -> gateway_jobs::JobService {
        let mut config = gateway_jobs::JobsConfig::in_dir(dir);
        config.supervisor = None;
        config.redact = redact;
        gateway_jobs::JobService::start(config).await.unwrap()
    }

    #[tokio::test]
    async fn store_records_round_trip_replace_and_miss() {
        let dir = tempfile::tempdir().unwrap();
        let jobs = service(dir.path(), true).await;
        let records = StoreRunRecords::new(jobs.records());
        records.put(&record("val-1", "q")).await.unwrap();
        assert_eq!(
            records.get("val-1").await.unwrap(),
            Some(record("val-1", "q"))
        );
        records.put(&record("val-1", "q2")).await.unwrap();
        assert_eq!(
            records.get("val-1").await.unwrap(),
            Some(record("val-1", "q2"))
        );
        assert_eq!(records.get("val-2").await.unwrap(), None);
        jobs.shutdown().await;
    }

    #[tokio::test]
    async fn store_records_redact_secrets_and_stay_readable() {
        let secret = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ";
        for redact in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            let jobs = service(dir.path(), redact).await;
            let records = StoreRunRecords::new(jobs.records());
            records
                .put(&record("val-1", &format!("is {secret} valid?")))
                .await
                .unwrap();
            let question = records
                .get("val-1")
                .await
                .unwrap()
                .and_then(|run| run.request.question)
                .unwrap();
            assert_eq!(question.contains(secret), !redact, "{question}");
            jobs.shutdown().await;
        }
    }
}
