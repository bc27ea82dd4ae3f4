//! `/validations` and `/validations/<id>`: cross-model runs (validations, comparisons,
//! reviews) with their seats side by side — the run record and its last report as the gateway
//! stored them, each seat's job read fresh for status, duration and tokens.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use gateway_store::browse::ValidationRunRow;
use gateway_store::query::JobLookup;
use gateway_store::{JobRecord, now_ms};
use gateway_validate::records::{RunRecord, SeatRecord};
use gateway_validate::report::{ModelOutput, ValidationReport};
use maud::{Markup, html};
use serde::Serialize;

use super::jobs::job_duration;
use crate::view::{duration, maybe, page, short, status, utc};
use crate::{App, PageError, PageResult};

const LIST_LIMIT: u32 = 100;

/// An enum's wire name (`approve_with_changes`), as reports spell it.
fn word<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn parse(row: &ValidationRunRow) -> Option<RunRecord> {
    serde_json::from_str(&row.record_json).ok()
}

/// The question (or content) a run was about, cut for a list.
fn topic(record: &RunRecord, max: usize) -> String {
    let text = record
        .request
        .question
        .as_deref()
        .or(record.request.content.as_deref())
        .unwrap_or("");
    let mut cut: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        cut.push('…');
    }
    cut
}

pub(crate) async fn list(State(app): State<Arc<App>>) -> PageResult {
    let rows = app
        .read(|store| Ok(store.validation_runs(LIST_LIMIT)?))
        .await?;
    let now = now_ms();
    let body = html! {
        table {
            caption { "Newest first, at most " (LIST_LIMIT) "." }
            thead { tr {
                th scope="col" { "Run" } th scope="col" { "Kind" } th scope="col" { "Created" }
                th scope="col" { "Question" } th scope="col" { "Seats" } th scope="col" { "Confidence" }
            } }
            tbody {
                @if rows.is_empty() { tr { td colspan="6" { "No validation runs yet." } } }
                @for row in &rows {
                    @let record = parse(row);
                    tr {
                        td { a href={ "/validations/" (row.id) } title=(row.id) { code { (short(&row.id)) } } }
                        td { (row.kind) }
                        td { (utc(row.created_at_ms, now)) }
                        td { (record.as_ref().map(|record| topic(record, 100)).unwrap_or_default()) }
                        td { (record.as_ref().map(|record| record.seats.iter().map(|seat| seat.provider.as_str()).collect::<Vec<_>>().join(", ")).unwrap_or_default()) }
                        td { (record.as_ref().and_then(|record| record.last_report.as_ref()).map(|report| report.confidence.as_str()).unwrap_or("–")) }
                    }
                }
            }
        }
    };
    Ok(page("Validations", "/validations", body).into_response())
}

pub(crate) async fn show(State(app): State<Arc<App>>, Path(id): Path<String>) -> PageResult {
    let (row, jobs) = app
        .read(move |store| {
            let row = store
                .validation_run(&id)?
                .ok_or_else(|| PageError::NotFound(format!("No validation run `{id}`.")))?;
            let record = parse(&row);
            let mut jobs = Vec::new();
            for seat in record.iter().flat_map(|record| &record.seats) {
                let job = match seat.job_id.as_deref() {
                    Some(job_id) => match store.find_job(job_id)? {
                        JobLookup::Found(job) => Some(*job),
                        _ => None,
                    },
                    None => None,
                };
                jobs.push(job);
            }
            Ok((row, jobs))
        })
        .await?;
    let Some(record) = parse(&row) else {
        return Err(PageError::NotFound(format!(
            "Run `{}` has a record this version cannot read.",
            row.id
        )));
    };
    let title = format!("Validation {}", short(&row.id));
    Ok(page(&title, "/validations", run(&record, &jobs, now_ms())).into_response())
}

fn run(record: &RunRecord, jobs: &[Option<JobRecord>], now: i64) -> Markup {
    let report = record.last_report.as_ref();
    html! {
        dl.facts {
            dt { "Kind" } dd { (word(&record.kind)) " (" (word(&record.intent)) ")" }
            dt { "Created" } dd { (utc(record.created_at_ms, now)) }
            dt { "Read-only seats" } dd { (if record.read_only { "yes" } else { "no" }) }
            dt { "Question" } dd { (topic(record, 2_000)) }
        }
        @if let Some(report) = report { (summary(report)) }
        h2 { "Seats" }
        div.seats {
            @for (index, seat) in record.seats.iter().enumerate() {
                @let output = report.and_then(|report| report.per_model_outputs.get(index));
                (seat_card(seat, output, jobs.get(index).and_then(Option::as_ref), now))
            }
        }
    }
}

fn summary(report: &ValidationReport) -> Markup {
    let tally = &report.verdicts;
    html! {
        h2 { "Outcome" }
        dl.facts {
            dt { "Status" } dd { (status(report.status.as_str())) }
            dt { "Agreement" } dd { (word(&tally.outcome)) " — " (tally.comparable) " of " (tally.asked) " verdicts comparable" }
            dt { "Confidence" } dd { (report.confidence.as_str()) }
            dt { "Disagreement" } dd {
                (if report.disagreements.has_material_disagreement { "material: " } else { "" })
                (report.disagreements.summary)
            }
            @for group in &tally.groups {
                dt { (group.class.as_str()) }
                dd { (group.seats.iter().map(|seat| format!("{} ({})", seat.provider, seat.source.as_str())).collect::<Vec<_>>().join(", ")) }
            }
            @if !tally.not_answered.is_empty() {
                dt { "Not answered" }
                dd { (tally.not_answered.iter().map(|provider| provider.as_str()).collect::<Vec<_>>().join(", ")) }
            }
            dt { "Recommendation" } dd { (report.final_recommendation) }
        }
        @if !report.limitations.is_empty() {
            ul.limitations { @for limitation in &report.limitations { li { (limitation) } } }
        }
    }
}

fn seat_card(
    seat: &SeatRecord,
    output: Option<&ModelOutput>,
    job: Option<&JobRecord>,
    now: i64,
) -> Markup {
    let seat_status = job
        .map(|job| job.status.as_str().to_owned())
        .or_else(|| output.map(|output| output.status.as_str().to_owned()))
        .unwrap_or_else(|| {
            if seat.skipped.is_some() {
                "skipped"
            } else {
                "pending"
            }
            .to_owned()
        });
    let outcome = job.and_then(|job| job.outcome.clone()).unwrap_or_default();
    let answer = output
        .and_then(|output| output.response.clone())
        .unwrap_or(outcome.text);
    html! {
        article.seat aria-label={ "Seat " (seat.provider) } {
            h3 { (seat.provider) @if let Some(model) = &seat.model { " · " (model) } }
            p { (status(&seat_status)) }
            dl {
                dt { "Verdict" }
                dd { (output.and_then(|output| output.verdict_class).map_or("–", |class| class.as_str()))
                    @if let Some(source) = output.and_then(|output| output.verdict_source) { " (" (source.as_str()) ")" } }
                dt { "Duration" } dd { (duration(job.and_then(|job| job_duration(job, now)))) }
                dt { "Tokens" } dd { (maybe(outcome.usage.input_tokens)) " in / " (maybe(outcome.usage.output_tokens)) " out" }
                @if let Some(job_id) = &seat.job_id {
                    dt { "Job" } dd { a href={ "/jobs/" (job_id) } { code { (short(job_id)) } } }
                }
            }
            @if let Some(reason) = &seat.skipped { p.note { "Skipped: " (reason) } }
            @if let Some(error) = output.and_then(|output| output.error.as_ref()) { p.error { (error) } }
            @if !answer.is_empty() { pre.answer { (answer) } }
        }
    }
}
