//! `/jobs`: the newest jobs, filtered by status, provider and age; the table body is
//! replaced live from `/jobs/live` (same query string) when a job appears or changes.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::IntoResponse;
use gateway_core::{JobStatus, ProviderId};
use gateway_store::{JobFilter, JobRecord, now_ms};
use maud::{Markup, html};
use serde::Deserialize;

use crate::view::{duration, maybe, page, short, status, usd, utc};
use crate::{App, PageResult};

/// Rows a list shows.
pub(crate) const LIST_LIMIT: u32 = 100;

/// Age windows offered by the filter, as (value, label, ms).
const WINDOWS: [(&str, &str, i64); 4] = [
    ("1h", "last hour", 3_600_000),
    ("24h", "last 24 hours", 86_400_000),
    ("7d", "last 7 days", 7 * 86_400_000),
    ("30d", "last 30 days", 30 * 86_400_000),
];

/// The filter form's fields; unknown values are ignored (an empty filter shows everything).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    provider: String,
    #[serde(default)]
    since: String,
}

impl ListQuery {
    pub(crate) fn filter(&self, now: i64) -> JobFilter {
        JobFilter {
            statuses: self.status.parse::<JobStatus>().into_iter().collect(),
            provider: self
                .provider
                .parse::<ProviderId>()
                .ok()
                .map(|provider| provider.as_str().to_owned()),
            created_after_ms: WINDOWS
                .iter()
                .find(|(value, _, _)| *value == self.since)
                .map(|(_, _, ms)| now - ms),
            created_before_ms: None,
            limit: Some(LIST_LIMIT),
        }
    }

    fn query_string(&self) -> String {
        format!(
            "status={}&provider={}&since={}",
            self.status
                .parse::<JobStatus>()
                .map(JobStatus::as_str)
                .unwrap_or(""),
            self.provider
                .parse::<ProviderId>()
                .map(ProviderId::as_str)
                .unwrap_or(""),
            WINDOWS
                .iter()
                .find(|(value, _, _)| *value == self.since)
                .map_or("", |(value, _, _)| value)
        )
    }
}

pub(crate) async fn list(
    State(app): State<Arc<App>>,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let now = now_ms();
    let filter = query.filter(now);
    let jobs = app.read(move |store| Ok(store.jobs(&filter)?)).await?;
    let body = html! {
        (filters(&query))
        table.jobs {
            caption { "Newest first, at most " (LIST_LIMIT) "; updates live." }
            thead { tr {
                th scope="col" { "Job" } th scope="col" { "Status" } th scope="col" { "Provider" }
                th scope="col" { "Model" } th scope="col" { "Created" }
                th.num scope="col" { "Duration" } th.num scope="col" { "Tokens in/out" }
                th.num scope="col" { "Cost" }
            } }
            tbody #job-rows data-live={ "/jobs/live?" (query.query_string()) } { (rows(&jobs, now)) }
        }
    };
    Ok(page("Jobs", "/jobs", body).into_response())
}

fn filters(query: &ListQuery) -> Markup {
    html! {
        form.filters method="get" action="/jobs" {
            label { "Status "
                select name="status" {
                    option value="" { "any" }
                    @for value in JobStatus::ALL {
                        option value=(value.as_str()) selected[query.status == value.as_str()] { (value.as_str()) }
                    }
                }
            }
            label { "Provider "
                select name="provider" {
                    option value="" { "any" }
                    @for value in ProviderId::ALL {
                        option value=(value.as_str()) selected[query.provider == value.as_str()] { (value.as_str()) }
                    }
                }
            }
            label { "Created "
                select name="since" {
                    option value="" { "any time" }
                    @for (value, label, _) in WINDOWS {
                        option value=(value) selected[query.since == value] { (label) }
                    }
                }
            }
            button type="submit" { "Filter" }
        }
    }
}

/// Duration so far (running) or in all (finished).
pub(crate) fn job_duration(job: &JobRecord, now: i64) -> Option<i64> {
    job.started_at_ms
        .map(|started| job.finished_at_ms.unwrap_or(now).saturating_sub(started))
}

/// The table body: also what `/jobs/live` sends.
pub(crate) fn rows(jobs: &[JobRecord], now: i64) -> Markup {
    html! {
        @if jobs.is_empty() {
            tr { td colspan="8" { "No jobs match." } }
        }
        @for job in jobs {
            @let outcome = job.outcome.clone().unwrap_or_default();
            tr {
                td { a href={ "/jobs/" (job.id) } title=(job.id) { code { (short(&job.id)) } } }
                td { (status(job.status.as_str())) }
                td { (job.provider) }
                td { (job.model.clone().or(outcome.model).unwrap_or_else(|| "–".to_owned())) }
                td { (utc(job.created_at_ms, now)) }
                td.num { (duration(job_duration(job, now))) }
                td.num { (maybe(outcome.usage.input_tokens)) " / " (maybe(outcome.usage.output_tokens)) }
                td.num { (usd(outcome.cost_usd)) }
            }
        }
    }
}

/// What changes a row: the live list resends when this changes.
pub(crate) fn fingerprint(jobs: &[JobRecord]) -> String {
    jobs.iter()
        .map(|job| format!("{}:{}", job.id, job.status.as_str()))
        .collect::<Vec<_>>()
        .join(",")
}
