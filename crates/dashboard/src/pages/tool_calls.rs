//! `/tool-calls`: the newest MCP tool calls (tool, client, duration, error, summaries), each
//! linked to the job or validation run it created, and the recorders' dropped-record count.

use std::sync::Arc;

use axum::extract::State;
use axum::response::IntoResponse;
use gateway_store::now_ms;
use gateway_store::query::LogFilter;
use maud::html;

use crate::view::{count, duration, page, short, utc};
use crate::{App, PageResult};

const LIST_LIMIT: u32 = 200;

pub(crate) async fn list(State(app): State<Arc<App>>) -> PageResult {
    let filter = LogFilter {
        limit: LIST_LIMIT,
        ..LogFilter::default()
    };
    let (calls, drops) = app
        .read(move |store| Ok((store.tool_calls(&filter)?, store.recorder_drops()?)))
        .await?;
    let dropped: i64 = drops.iter().map(|drop| drop.dropped).sum();
    let now = now_ms();
    let body = html! {
        p {
            "Records dropped because a gateway's recorder queue was full: " strong #dropped { (count(dropped)) }
            @if !drops.is_empty() { " (" (drops.len()) " gateway processes reporting)" }
        }
        table {
            caption { "Newest first, at most " (LIST_LIMIT) "." }
            thead { tr {
                th scope="col" { "When" } th scope="col" { "Tool" } th scope="col" { "Client" }
                th.num scope="col" { "Duration" } th scope="col" { "Result" } th scope="col" { "Arguments" }
                th scope="col" { "Links" }
            } }
            tbody {
                @if calls.is_empty() { tr { td colspan="7" { "No tool calls recorded yet." } } }
                @for call in &calls {
                    @let summary = call.result_summary.clone().unwrap_or_default();
                    tr {
                        td { (utc(call.created_at_ms, now)) }
                        td { code { (call.tool) } }
                        td { (call.client_name.as_deref().unwrap_or("–")) " " (call.client_version.as_deref().unwrap_or("")) }
                        td.num { (duration(Some(call.duration_ms))) }
                        td { @if call.is_error { strong.error-word { "error " } } (summary) }
                        td { code { (call.args_summary) } }
                        td {
                            @if let Some(job) = &call.job_id { a href={ "/jobs/" (job) } title=(job) { code { (short(job)) } } " " }
                            @if let Some(run) = &call.validation_id { a href={ "/validations/" (run) } title=(run) { code { (short(run)) } } }
                        }
                    }
                }
            }
        }
    };
    Ok(page("Tool calls", "/tool-calls", body).into_response())
}
