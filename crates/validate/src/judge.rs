//! Judge jobs: the synthesis of a validation run, and `compare_answers`.
//!
//! A judge is a seat like any other (read-only, submitted through the job service, recorded
//! with the run), whose prompt carries the other answers.

use std::time::Duration;

use gateway_core::{JobStatus, ProviderId};
use serde::{Deserialize, Serialize};

use crate::assemble::SeatState;
use crate::compare::{
    COMPARE_SCHEMA_VERSION, Comparison, all_identical, compare_prompt, parse_comparison,
};
use crate::records::{JudgeRecord, RunKind, RunRecord, SeatRecord};
use crate::report::{
    RawJobReference, RunStatus, SeatStatus, Synthesis, SynthesisStatus, ValidationReport,
};
use crate::request::{Intent, OriginalRequest, RequestError};
use crate::synthesis::{select_evidence, synthesis_prompt};
use crate::validator::{
    DEFAULT_PROVIDERS, Dispatch, SeatChoice, SeatProgress, ValidateError, Validator, new_run_id,
    now_ms,
};

/// What `synthesize_validation` asks.
#[derive(Debug, Clone)]
pub struct SynthesizeSpec {
    pub validation_id: String,
    /// `None`: the first installed of claude, codex, gemini.
    pub judge: Option<SeatChoice>,
    pub read_only: Option<bool>,
    pub working_dir: Option<String>,
    pub force_refresh: bool,
    pub origin_tool: String,
}

/// What `compare_answers` asks.
#[derive(Debug, Clone)]
pub struct CompareSpec {
    pub question: String,
    pub answers: Vec<String>,
    pub judge: Option<SeatChoice>,
    pub read_only: Option<bool>,
    pub working_dir: Option<String>,
    pub force_refresh: bool,
    pub origin_tool: String,
}

/// `compare-answers.v1`: the comparison run as the caller sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CompareReport {
    pub schema_version: String,
    pub comparison_id: String,
    /// `running` while the judge works, `completed` once it answered, `not_started` when no
    /// judge could run; a failed judge is `completed` with `judge.status: failed`.
    pub status: RunStatus,
    pub question: String,
    /// The answers as labelled for the judge (`A1`, `A2`, …), cut for display.
    pub answers: Vec<LabelledAnswer>,
    pub judge_model: Option<ProviderId>,
    pub judge_status: SeatStatus,
    pub raw_job_reference: Option<RawJobReference>,
    pub error: Option<String>,
    /// The structured comparison, once there is one.
    pub comparison: Option<Comparison>,
    /// The judge's whole answer.
    pub response: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct LabelledAnswer {
    pub label: String,
    pub chars: usize,
    pub preview: String,
}

impl Validator {
    /// Starts the judge over the completed, non-empty answers of run `spec.validation_id`. While
    /// seats are still running no judge starts and the synthesis says so; a run with no usable
    /// answer gets a `skipped` synthesis listing what was left out.
    pub async fn synthesize(
        &self,
        spec: SynthesizeSpec,
    ) -> Result<ValidationReport, ValidateError> {
        let mut record = self.record(&spec.validation_id).await?;
        if record.kind != RunKind::Validation {
            return Err(RequestError::new(
                "validationId",
                format!("`{}` is not a validation run", record.id),
            )
            .into());
        }
        let report = self.validation_report(&record).await?;
        if report
            .per_model_outputs
            .iter()
            .any(|output| output.status == SeatStatus::Running)
        {
            let mut report = report;
            report.synthesis.status = SynthesisStatus::WaitingForProviderResults;
            report.synthesis.note = Some("Seats are still running; call synthesize_validation again once job_status shows them finished.".to_owned());
            return Ok(report);
        }
        let (included, left_out) = select_evidence(&report.per_model_outputs);
        let choice = self.judge_choice(spec.judge.clone())?;
        let seat = if included.is_empty() {
            SeatRecord {
                provider: choice.provider,
                model: choice.model.clone(),
                job_id: None,
                correlation_id: None,
                skipped: Some("no completed, non-empty answer to synthesise".to_owned()),
                warning: None,
            }
        } else {
            let dispatch = Dispatch {
                run_id: record.id.clone(),
                correlation_prefix: "synthesis",
                prompt: synthesis_prompt(record.intent, &record.request, &included),
                working_dir: spec.working_dir.clone(),
                read_only: spec.read_only.unwrap_or(true),
                force_refresh: spec.force_refresh,
                origin_tool: spec.origin_tool.clone(),
                prompt_on_argv: true,
            };
            self.dispatch_one(&dispatch, &choice).await?
        };
        let note = (!left_out.is_empty()).then(|| {
            format!(
                "Left out of the evidence: {}.",
                left_out
                    .iter()
                    .map(|left| left.provider.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
        record.judge = Some(JudgeRecord {
            seat,
            included: included.iter().map(|output| output.provider).collect(),
            left_out,
            note,
        });
        record.last_report = None;
        self.put(&record).await?;
        self.validation_report(&record).await
    }

    /// Starts a comparison; identical answers are settled at once without a judge.
    pub async fn compare(&self, spec: CompareSpec) -> Result<CompareReport, ValidateError> {
        check_compare(&spec)?;
        let id = new_run_id();
        let local = all_identical(&spec.answers);
        let choice = self.judge_choice(spec.judge.clone())?;
        let seat = if local.is_some() {
            SeatRecord {
                provider: choice.provider,
                model: choice.model.clone(),
                job_id: None,
                correlation_id: None,
                skipped: Some("the answers are identical; no judge needed".to_owned()),
                warning: None,
            }
        } else {
            let dispatch = Dispatch {
                run_id: id.clone(),
                correlation_prefix: "comparison",
                prompt: compare_prompt(&spec.question, &spec.answers),
                working_dir: spec.working_dir.clone(),
                read_only: spec.read_only.unwrap_or(true),
                force_refresh: spec.force_refresh,
                origin_tool: spec.origin_tool.clone(),
                prompt_on_argv: true,
            };
            self.dispatch_one(&dispatch, &choice).await?
        };
        let record = RunRecord {
            id,
            kind: RunKind::Comparison,
            created_at_ms: now_ms(),
            intent: Intent::Validate,
            request: OriginalRequest {
                question: Some(spec.question),
                ..OriginalRequest::default()
            },
            read_only: spec.read_only.unwrap_or(true),
            seats: Vec::new(),
            judge: Some(JudgeRecord {
                seat,
                included: Vec::new(),
                left_out: Vec::new(),
                note: None,
            }),
            answers: spec.answers,
            local_comparison: local,
            last_report: None,
            review: None,
        };
        self.put(&record).await?;
        self.compare_report(&record).await
    }

    /// Waits up to `timeout` for the comparison's judge, then reports.
    pub async fn wait_compare(
        &self,
        id: &str,
        timeout: Duration,
    ) -> Result<CompareReport, ValidateError> {
        let record = self.record(id).await?;
        self.wait_jobs(&record, timeout, &|_: SeatProgress| {})
            .await?;
        self.compare_report(&record).await
    }

    pub(crate) async fn compare_report(
        &self,
        record: &RunRecord,
    ) -> Result<CompareReport, ValidateError> {
        let judge = record.judge.as_ref().map(|judge| &judge.seat);
        let state = match judge {
            Some(seat) => self.seat_state(seat).await?,
            None => None,
        };
        Ok(build_compare_report(record, state))
    }

    fn judge_choice(&self, asked: Option<SeatChoice>) -> Result<SeatChoice, ValidateError> {
        if let Some(choice) = asked {
            return Ok(choice);
        }
        DEFAULT_PROVIDERS
            .into_iter()
            .find(|provider| self.provider_installed(*provider))
            .map(SeatChoice::provider)
            .ok_or_else(|| {
                RequestError::new(
                    "judgeModel",
                    "none of claude, codex, gemini is installed; name the judge provider",
                )
                .into()
            })
    }
}

fn check_compare(spec: &CompareSpec) -> Result<(), RequestError> {
    if spec.question.trim().is_empty() {
        return Err(RequestError::new(
            "question",
            "must contain at least one non-blank character",
        ));
    }
    if spec.answers.len() < 2 {
        return Err(RequestError::new(
            "answers",
            format!(
                "needs at least 2 answers to compare, got {}",
                spec.answers.len()
            ),
        ));
    }
    if let Some(index) = spec
        .answers
        .iter()
        .position(|answer| answer.trim().is_empty())
    {
        return Err(RequestError::new(
            "answers",
            format!("answer {index} is blank"),
        ));
    }
    Ok(())
}

/// The synthesis section of a report from the judge record and its job's state.
pub(crate) fn synthesis_part(judge: &JudgeRecord, state: Option<SeatState>) -> Synthesis {
    let mut synthesis = Synthesis {
        status: SynthesisStatus::Running,
        judge_model: Some(judge.seat.provider),
        raw_job_reference: None,
        note: judge.note.clone(),
        included: judge.included.clone(),
        left_out: judge.left_out.clone(),
        response: None,
    };
    match state {
        Some(SeatState::Skipped { reason }) => {
            synthesis.status = SynthesisStatus::Skipped;
            synthesis.note = Some(match &judge.note {
                Some(note) => format!("{reason}. {note}"),
                None => reason,
            });
        }
        Some(SeatState::Pending { job }) => {
            synthesis.raw_job_reference =
                Some(RawJobReference::new(&job.job_id, &job.correlation_id));
        }
        Some(SeatState::Finished {
            job,
            status,
            text,
            error,
            ..
        }) => {
            synthesis.raw_job_reference =
                Some(RawJobReference::new(&job.job_id, &job.correlation_id));
            let answered = status == JobStatus::Completed && !text.trim().is_empty();
            synthesis.status = if answered {
                SynthesisStatus::Completed
            } else {
                SynthesisStatus::Failed
            };
            synthesis.response = answered.then(|| text.trim().to_owned());
            if !answered {
                let why =
                    error.unwrap_or_else(|| format!("the judge ended {status} without an answer"));
                synthesis.note = Some(why);
            }
        }
        None => {
            synthesis.status = SynthesisStatus::Failed;
            synthesis.note = Some("the judge's job no longer exists (retention)".to_owned());
        }
    }
    synthesis
}

fn build_compare_report(record: &RunRecord, state: Option<SeatState>) -> CompareReport {
    let question = record.request.question.clone().unwrap_or_default();
    let mut report = CompareReport {
        schema_version: COMPARE_SCHEMA_VERSION.to_owned(),
        comparison_id: record.id.clone(),
        status: RunStatus::Running,
        question,
        answers: record
            .answers
            .iter()
            .enumerate()
            .map(|(index, answer)| LabelledAnswer {
                label: crate::compare::label(index),
                chars: answer.chars().count(),
                preview: gateway_core::event::one_line(answer, 120),
            })
            .collect(),
        judge_model: record.judge.as_ref().map(|judge| judge.seat.provider),
        judge_status: SeatStatus::Running,
        raw_job_reference: None,
        error: None,
        comparison: None,
        response: None,
    };
    if let Some(local) = &record.local_comparison {
        report.status = RunStatus::Completed;
        report.judge_status = SeatStatus::Skipped;
        report.judge_model = None;
        report.comparison = Some(local.clone());
        return report;
    }
    match state {
        Some(SeatState::Skipped { reason }) => {
            report.status = RunStatus::NotStarted;
            report.judge_status = SeatStatus::Skipped;
            report.error = Some(reason);
        }
        Some(SeatState::Pending { job }) => {
            report.raw_job_reference = Some(RawJobReference::new(&job.job_id, &job.correlation_id));
        }
        Some(SeatState::Finished {
            job,
            status,
            text,
            error,
            ..
        }) => {
            report.raw_job_reference = Some(RawJobReference::new(&job.job_id, &job.correlation_id));
            report.status = RunStatus::Completed;
            report.judge_status = match status {
                JobStatus::Completed => SeatStatus::Completed,
                JobStatus::Queued | JobStatus::Running => SeatStatus::Running,
                JobStatus::Failed => SeatStatus::Failed,
                JobStatus::Canceled => SeatStatus::Canceled,
                JobStatus::Orphaned => SeatStatus::Orphaned,
            };
            report.error = error;
            if status == JobStatus::Completed && !text.trim().is_empty() {
                report.comparison = Some(parse_comparison(&text, &record.answers));
                report.response = Some(text.trim().to_owned());
            } else if report.error.is_none() {
                report.error = Some(format!("the judge ended {status} without an answer"));
            }
        }
        None => {
            report.status = RunStatus::Completed;
            report.judge_status = SeatStatus::Orphaned;
            report.error = Some("the judge's job no longer exists (retention)".to_owned());
        }
    }
    report
}
