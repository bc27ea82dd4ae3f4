//! `job_status` and `job_result`: look up a run (validation or comparison) or one of its jobs
//! by id, from this process or any earlier one.

use gateway_core::ProviderId;
use serde::{Deserialize, Serialize};

use crate::answer::cut;
use crate::assemble::{JobRef, Seat, SeatState, model_output};
use crate::judge::CompareReport;
use crate::records::{RunKind, RunRecord};
use crate::report::{ModelOutput, SeatStatus, ValidationReport};
use crate::request::Intent;
use crate::validator::{ValidateError, Validator, state_of};

/// What an id names, as `job_status` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", tag = "kind", content = "view")]
pub enum StatusView {
    Validation(Box<ValidationReport>),
    Comparison(Box<CompareReport>),
    Review(Box<crate::review::report::ReviewReport>),
    /// One seat's (or judge's) job, read like a report seat.
    Job(Box<ModelOutput>),
}

/// `job_result`: the full answers of a run's seats (or of one job).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResultView {
    /// The run the results belong to, when the id named a run or a run's job.
    pub validation_id: Option<String>,
    pub results: Vec<SeatResult>,
}

/// One job's answer, whole up to `maxChars`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SeatResult {
    pub provider: ProviderId,
    /// `seat` or `judge`.
    pub role: String,
    pub status: SeatStatus,
    pub job_id: Option<String>,
    pub exit_code: Option<i32>,
    pub response: String,
    pub response_total_chars: usize,
    pub response_truncated: bool,
    pub error: Option<String>,
}

impl Validator {
    /// The status of run `id`, or of the job `id` (a seat's `rawJobReference.jobId`).
    pub async fn status_of(&self, id: &str) -> Result<StatusView, ValidateError> {
        match self.record(id).await {
            Ok(record) => return self.run_view(&record).await,
            Err(ValidateError::NotFound(_)) => {}
            Err(error) => return Err(error),
        }
        let (seat, _) = self.job_seat(id).await?;
        Ok(StatusView::Job(Box::new(model_output(&seat.0, seat.1))))
    }

    /// The whole answers of run `id` (optionally one provider's), or of job `id`.
    pub async fn result_of(
        &self,
        id: &str,
        provider: Option<ProviderId>,
        max_chars: usize,
    ) -> Result<ResultView, ValidateError> {
        match self.record(id).await {
            Ok(record) => return self.run_results(&record, provider, max_chars).await,
            Err(ValidateError::NotFound(_)) => {}
            Err(error) => return Err(error),
        }
        let ((seat, _), run_id) = self.job_seat(id).await?;
        Ok(ResultView {
            validation_id: run_id,
            results: vec![seat_result(&seat, "seat", max_chars)],
        })
    }

    async fn run_view(&self, record: &RunRecord) -> Result<StatusView, ValidateError> {
        Ok(match record.kind {
            RunKind::Validation => {
                StatusView::Validation(Box::new(self.validation_report(record).await?))
            }
            RunKind::Comparison => {
                StatusView::Comparison(Box::new(self.compare_report(record).await?))
            }
            RunKind::Review => StatusView::Review(Box::new(self.review_report(record).await?)),
        })
    }

    async fn run_results(
        &self,
        record: &RunRecord,
        provider: Option<ProviderId>,
        max_chars: usize,
    ) -> Result<ResultView, ValidateError> {
        let roles = record
            .seats
            .iter()
            .map(|seat| ("seat", seat))
            .chain(record.judge.iter().map(|judge| ("judge", &judge.seat)));
        let mut results = Vec::new();
        for (role, seat) in
            roles.filter(|(_, seat)| provider.is_none_or(|wanted| seat.provider == wanted))
        {
            let state = self.seat_state(seat).await?.unwrap_or(SeatState::Skipped {
                reason: "its job no longer exists (retention)".to_owned(),
            });
            let seat = Seat {
                provider: seat.provider,
                model: seat.model.clone(),
                state,
                warning: seat.warning.clone(),
            };
            results.push(seat_result(&seat, role, max_chars));
        }
        Ok(ResultView {
            validation_id: Some(record.id.clone()),
            results,
        })
    }

    /// The seat view of a bare job id, with its run's intent when its correlation id names one.
    async fn job_seat(
        &self,
        job_id: &str,
    ) -> Result<((Seat, Intent), Option<String>), ValidateError> {
        let snapshot = self
            .jobs
            .status(job_id)
            .await?
            .ok_or_else(|| ValidateError::NotFound(job_id.to_owned()))?;
        let provider: ProviderId = snapshot
            .provider
            .parse()
            .map_err(|_| ValidateError::NotFound(job_id.to_owned()))?;
        let run_id = run_id_of(&snapshot.correlation_id);
        let intent = match &run_id {
            Some(run) => self
                .record(run)
                .await
                .map(|record| record.intent)
                .unwrap_or(Intent::Validate),
            None => Intent::Validate,
        };
        let model = snapshot.model.clone();
        let job = JobRef {
            job_id: snapshot.job_id.clone(),
            correlation_id: snapshot.correlation_id.clone(),
        };
        let seat = Seat {
            provider,
            model,
            state: state_of(job, snapshot),
            warning: None,
        };
        Ok(((seat, intent), run_id))
    }
}

/// `validation-<run id>-<provider>` (or `synthesis-`/`comparison-`/`review-`) → the run id.
fn run_id_of(correlation_id: &str) -> Option<String> {
    let rest = ["validation-", "synthesis-", "comparison-", "review-"]
        .iter()
        .find_map(|prefix| correlation_id.strip_prefix(prefix))?;
    let (run, _provider) = rest.rsplit_once('-')?;
    run.starts_with("val-").then(|| run.to_owned())
}

fn seat_result(seat: &Seat, role: &str, max_chars: usize) -> SeatResult {
    let output = model_output(seat, Intent::AskModel);
    let full = match &seat.state {
        SeatState::Finished { text, .. } => text.trim().to_owned(),
        SeatState::Pending { .. } | SeatState::Skipped { .. } => String::new(),
    };
    let total = full.chars().count();
    SeatResult {
        provider: seat.provider,
        role: role.to_owned(),
        status: output.status,
        job_id: output.job_id,
        exit_code: output.exit_code,
        response: cut(&full, max_chars),
        response_total_chars: total,
        response_truncated: total > max_chars,
        error: output.error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_come_back_from_correlation_ids() {
        let run = "val-0190b7d4-7e2c-7a2b-8f00-0123456789ab";
        assert_eq!(
            run_id_of(&format!("validation-{run}-claude")).as_deref(),
            Some(run)
        );
        assert_eq!(
            run_id_of(&format!("synthesis-{run}-codex")).as_deref(),
            Some(run)
        );
        assert_eq!(run_id_of("a-plain-correlation-id"), None);
        assert_eq!(run_id_of("validation-not-a-run-claude"), None);
    }
}
