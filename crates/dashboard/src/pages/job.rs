//! `/jobs/<id>`: one job — facts, argv as run, the redacted prompt (collapsed), the answer, the
//! end of its output (followed live from `/jobs/<id>/live` while it runs), its event timeline
//! — and the Cancel button (`POST /jobs/<id>/cancel` with the session's CSRF token).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::{Extension, Form};
use gateway_jobs::cancel::{Canceled, cancel_job};
use gateway_store::browse::OutputTail;
use gateway_store::query::{JobLookup, OutputCursor};
use gateway_store::{EventRecord, JobRecord, Store, StoreOptions, Stream, now_ms};
use maud::{Markup, html};
use serde::Deserialize;

use super::jobs::job_duration;
use crate::auth::{Auth, Session};
use crate::view::{self, count, duration, maybe, page, status, usd, utc};
use crate::{App, PageError, PageResult};

/// Chunks of each stream a page starts with (chunks are at most 64 KiB).
const TAIL_CHUNKS: u32 = 8;
/// Events shown in the timeline.
const TIMELINE_EVENTS: u32 = 500;

struct JobPage {
    job: JobRecord,
    prompt: Option<String>,
    events: Vec<EventRecord>,
    stdout: OutputTail,
    stderr: OutputTail,
}

pub(crate) async fn show(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
) -> PageResult {
    let data = app
        .read(move |store| {
            let JobLookup::Found(job) = store.find_job(&id)? else {
                return Err(PageError::NotFound(format!("No job `{id}`.")));
            };
            Ok(JobPage {
                prompt: store.prompt(&job.id)?,
                events: store.job_events(&job.id, TIMELINE_EVENTS)?,
                stdout: store.output_tail(&job.id, Stream::Stdout, TAIL_CHUNKS)?,
                stderr: store.output_tail(&job.id, Stream::Stderr, TAIL_CHUNKS)?,
                job: *job,
            })
        })
        .await?;
    let title = format!("Job {}", view::short(&data.job.id));
    Ok(page(&title, "/jobs", body(&data, &session, now_ms())).into_response())
}

fn body(data: &JobPage, session: &Session, now: i64) -> Markup {
    let job = &data.job;
    let outcome = job.outcome.clone().unwrap_or_default();
    let live = !job.status.is_terminal();
    html! {
        p.lead { (status(job.status.as_str())) " " code { (job.id) } }
        @if live {
            form.cancel method="post" action={ "/jobs/" (job.id) "/cancel" } {
                input type="hidden" name="csrf" value=(session.csrf);
                button type="submit" { "Cancel job" }
            }
        }
        @if let Some(error) = &job.error {
            p.error role="alert" { strong { "Error: " } (error)
                @if let Some(category) = &job.error_category { " [" (category) "]" } }
        }
        (facts(job, &outcome, now))
        h2 { "Command" }
        ol.argv { li { code { (job.program) } } @for arg in &job.argv { li { code { (arg) } } } }
        @if let Some(prompt) = &data.prompt {
            details.prompt {
                summary { "Prompt (" (count(i64::try_from(prompt.len()).unwrap_or(0))) " bytes as stored, secrets redacted)" }
                pre { (prompt) }
            }
        }
        h2 { "Answer" }
        @if job.outcome.is_some() {
            pre.answer #answer { (outcome.text) }
        } @else if live {
            p { "The answer appears when the job ends; its output follows below as it arrives." }
        } @else {
            p { "No answer was recorded." }
        }
        h2 { "Output" }
        (output(job, &data.stdout, &data.stderr, live))
        h2 { "Timeline" }
        (timeline(&data.events, job.started_at_ms.unwrap_or(job.created_at_ms)))
    }
}

fn facts(job: &JobRecord, outcome: &gateway_core::RunOutcome, now: i64) -> Markup {
    let usage = &outcome.usage;
    html! {
        dl.facts {
            dt { "Provider" } dd { (job.provider) }
            dt { "Model" } dd { (job.model.clone().or(outcome.model.clone()).unwrap_or_else(|| "CLI default".to_owned())) }
            dt { "Created" } dd { (utc(job.created_at_ms, now)) }
            dt { "Started" } dd { @if let Some(at) = job.started_at_ms { (utc(at, now)) } @else { "–" } }
            dt { "Finished" } dd { @if let Some(at) = job.finished_at_ms { (utc(at, now)) } @else { "–" } }
            dt { "Duration" } dd #duration { (duration(job_duration(job, now))) }
            dt { "Exit code" } dd { (job.exit_code.map_or_else(|| "–".to_owned(), |code| code.to_string())) }
            dt { "Working directory" } dd { code { (job.cwd.as_deref().unwrap_or("–")) } }
            dt { "Session id" } dd { code { (outcome.session_id.as_deref().unwrap_or("–")) } }
            dt { "Tool" } dd { (job.origin_tool.as_deref().unwrap_or("–")) }
            dt { "Tokens" } dd { "in " (maybe(usage.input_tokens)) ", out " (maybe(usage.output_tokens))
                ", cache read " (maybe(usage.cache_read_tokens)) ", cache write " (maybe(usage.cache_creation_tokens)) }
            dt { "Cost" } dd { (usd(outcome.cost_usd)) }
            dt { "Output" } dd { "stdout " (count(i64::try_from(job.stdout_bytes).unwrap_or(0))) " B, stderr "
                (count(i64::try_from(job.stderr_bytes).unwrap_or(0))) " B"
                @if job.output_truncated { " (cut at the output cap)" } }
            dt { "Correlation id" } dd { code { (job.correlation_id) } }
        }
    }
}

fn output(job: &JobRecord, stdout: &OutputTail, stderr: &OutputTail, live: bool) -> Markup {
    let cursor = OutputCursor {
        stdout_seq: stdout.chunks.last().map_or(-1, |chunk| chunk.seq),
        stderr_seq: stderr.chunks.last().map_or(-1, |chunk| chunk.seq),
    };
    let source = format!(
        "/jobs/{}/live?stdout={}&stderr={}",
        job.id, cursor.stdout_seq, cursor.stderr_seq
    );
    html! {
        @if stdout.cut || stderr.cut {
            p.note { "Only the end of the output is shown; `llm-cli-gateway jobs tail " (job.id) "` prints all of it." }
        }
        div.output data-live=[live.then_some(source)] {
            h3 { "stdout" }
            pre #stdout tabindex="0" { @for chunk in &stdout.chunks { (chunk.text) } }
            h3 { "stderr" }
            pre #stderr tabindex="0" { @for chunk in &stderr.chunks { (chunk.text) } }
        }
    }
}

fn timeline(events: &[EventRecord], start: i64) -> Markup {
    html! {
        @if events.is_empty() {
            p { "No events recorded." }
        } @else {
            table.timeline {
                thead { tr { th.num scope="col" { "At" } th scope="col" { "Kind" } th scope="col" { "What" } } }
                tbody { @for event in events { tr {
                    td.num { "+" (duration(Some(event.at_ms - start))) }
                    td { (event.kind) }
                    td { (event.message) }
                } } }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct CancelForm {
    #[serde(default)]
    csrf: String,
}

pub(crate) async fn cancel(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
    Form(form): Form<CancelForm>,
) -> PageResult {
    if !Auth::csrf_ok(&session, &form.csrf) {
        return Ok((
            StatusCode::FORBIDDEN,
            view::notice(
                "Refused",
                "The form's CSRF token is missing or wrong; reload the page.",
            ),
        )
            .into_response());
    }
    let db = app.options.db.clone();
    let retention = app.options.retention_days;
    let job_id = id.clone();
    let canceled = tokio::task::spawn_blocking(move || {
        let store = Store::open(&StoreOptions {
            location: db,
            redact: true,
        })?;
        cancel_job(&store, &job_id, retention)
    })
    .await
    .unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()))?;
    match canceled {
        Canceled::NotFound => Err(PageError::NotFound(format!("No job `{id}`."))),
        Canceled::AlreadyFinished(_) | Canceled::Canceled { .. } => {
            Ok(Redirect::to(&format!("/jobs/{id}")).into_response())
        }
    }
}
