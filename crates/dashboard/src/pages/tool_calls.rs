//! `/tool-calls`: the newest MCP tool calls (tool, client, duration, error, summaries), each
//! linked to the job or validation run it names.

use std::sync::Arc;

use axum::extract::State;
use axum::response::IntoResponse;
use gateway_store::now_ms;
use gateway_store::query::LogFilter;
use maud::{Markup, html};

use crate::view::{duration, page, short, utc};
use crate::{App, PageResult};

const LIST_LIMIT: u32 = 200;

/// The ids a summary names, as (page, id): `jobId=…`/`"jobId":"…"` link to `/jobs`,
/// `validationId` and `reviewId` to `/validations`.
pub(crate) fn linked_ids(text: &str) -> Vec<(&'static str, String)> {
    let mut links = Vec::new();
    for (key, page) in [
        ("jobId", "/jobs"),
        ("validationId", "/validations"),
        ("reviewId", "/validations"),
    ] {
        for (at, _) in text.match_indices(key) {
            let rest = text[at + key.len()..].trim_start_matches(['"', '=', ':', ' ']);
            let id: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            if id.len() >= 8 && !links.iter().any(|(_, seen)| *seen == id) {
                links.push((page, id));
            }
        }
    }
    links
}

pub(crate) async fn list(State(app): State<Arc<App>>) -> PageResult {
    let filter = LogFilter {
        limit: LIST_LIMIT,
        ..LogFilter::default()
    };
    let calls = app
        .read(move |store| Ok(store.tool_calls(&filter)?))
        .await?;
    let now = now_ms();
    let body = html! {
        p.note { "Records a gateway could not write because its recorder queue was full are counted in that gateway's log (\"dropping records\"), not in the database." }
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
                        td { (links(&format!("{summary} {}", call.args_summary))) }
                    }
                }
            }
        }
    };
    Ok(page("Tool calls", "/tool-calls", body).into_response())
}

fn links(text: &str) -> Markup {
    html! {
        @for (page, id) in linked_ids(text) {
            a href={ (page) "/" (id) } title=(id) { code { (short(&id)) } } " "
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_link_the_ids_they_name() {
        let job = "0196f0a2-7c1e-7b3a-9f10-2b8e4c1d9a77";
        let cases = [
            (
                format!("status=\"completed\" jobId=\"{job}\" exitCode=0"),
                vec![("/jobs", job.to_owned())],
            ),
            (
                format!("{{\"jobId\":\"{job}\",\"waitMs\":100}}"),
                vec![("/jobs", job.to_owned())],
            ),
            (
                "{\"validationId\":\"val-12345678\"}".to_owned(),
                vec![("/validations", "val-12345678".to_owned())],
            ),
            ("jobId=\"short\"".to_owned(), vec![]),
            ("nothing here".to_owned(), vec![]),
        ];
        for (text, expected) in cases {
            assert_eq!(linked_ids(&text), expected, "{text}");
        }
    }
}
