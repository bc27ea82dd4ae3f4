//! Server-sent events for the live parts. The store is shared by processes, so there is no
//! one to notify us: each stream polls its own small query (the job list every second, a
//! running job's new chunks every 250 ms) and sends only what changed.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, KeepAliveStream, Sse};
use futures_util::Stream;
use futures_util::stream::{self, BoxStream, StreamExt};
use gateway_store::now_ms;
use gateway_store::query::{JobLookup, OutputCursor};
use serde::Deserialize;

use crate::App;
use crate::pages::jobs::{ListQuery, fingerprint, rows};

const LIST_POLL: Duration = Duration::from_secs(1);
const OUTPUT_POLL: Duration = Duration::from_millis(250);

type Events = Sse<KeepAliveStream<BoxStream<'static, Result<Event, Infallible>>>>;

fn sse(events: impl Stream<Item = Event> + Send + 'static) -> Events {
    Sse::new(events.map(Ok).boxed()).keep_alive(KeepAlive::default())
}

/// `/jobs/live?<filters>`: a `rows` event (the new table body) whenever a job of the list
/// appears or changes status.
pub(crate) async fn job_rows(
    State(app): State<Arc<App>>,
    Query(query): Query<ListQuery>,
) -> Events {
    let events = stream::unfold(
        (app, query, None::<String>),
        |(app, query, mut last)| async move {
            loop {
                if last.is_some() {
                    tokio::time::sleep(LIST_POLL).await;
                }
                let now = now_ms();
                let filter = query.filter(now);
                let Ok(jobs) = app.read(move |store| Ok(store.jobs(&filter)?)).await else {
                    last = Some(String::new());
                    continue;
                };
                let print = fingerprint(&jobs);
                if last.as_deref() != Some(print.as_str()) {
                    let event = Event::default()
                        .event("rows")
                        .data(rows(&jobs, now).into_string());
                    return Some((event, (app, query, Some(print))));
                }
            }
        },
    );
    sse(events)
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) struct Cursor {
    stdout: i64,
    stderr: i64,
}

/// What one poll of a job found.
struct Poll {
    status: String,
    chunks: Vec<gateway_store::query::OutputRow>,
}

/// `/jobs/<id>/live?stdout=SEQ&stderr=SEQ`: `output` events (`{"stream", "text"}`) for the
/// chunks after the cursor, a `status` event when the status changes, and `end` once the job
/// is finished and all its output was sent.
pub(crate) async fn job_output(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(cursor): Query<Cursor>,
) -> Events {
    let start = OutputCursor {
        stdout_seq: cursor.stdout,
        stderr_seq: cursor.stderr,
    };
    let state = (app, id, start, String::new(), false);
    let events = stream::unfold(
        state,
        |(app, id, mut cursor, mut status, ended)| async move {
            if ended {
                return None;
            }
            loop {
                let job_id = id.clone();
                let polled = app
                    .read(move |store| {
                        // Status first: output written before a job ended is then in this read.
                        let JobLookup::Found(job) = store.find_job(&job_id)? else {
                            return Ok(None);
                        };
                        let chunks = store.output_after(&job.id, cursor)?;
                        Ok(Some(Poll {
                            status: job.status.as_str().to_owned(),
                            chunks,
                        }))
                    })
                    .await;
                let Ok(Some(poll)) = polled else {
                    return Some((vec![end_event("gone")], (app, id, cursor, status, true)));
                };
                let mut events: Vec<Event> = Vec::new();
                for chunk in &poll.chunks {
                    match chunk.stream {
                        gateway_store::Stream::Stdout => cursor.stdout_seq = chunk.seq,
                        gateway_store::Stream::Stderr => cursor.stderr_seq = chunk.seq,
                    }
                    let data =
                        serde_json::json!({"stream": chunk.stream.as_str(), "text": chunk.text});
                    events.push(Event::default().event("output").data(data.to_string()));
                }
                if poll.status != status {
                    status.clone_from(&poll.status);
                    events.push(Event::default().event("status").data(status.clone()));
                }
                let terminal = poll
                    .status
                    .parse::<gateway_core::JobStatus>()
                    .is_ok_and(|s| s.is_terminal());
                if terminal {
                    events.push(end_event(&status));
                }
                if let Some(batch) = batch(events) {
                    return Some((batch, (app, id, cursor, status, terminal)));
                }
                tokio::time::sleep(OUTPUT_POLL).await;
            }
        },
    );
    sse(events.flat_map(stream::iter))
}

fn end_event(status: &str) -> Event {
    Event::default().event("end").data(status)
}

fn batch(events: Vec<Event>) -> Option<Vec<Event>> {
    (!events.is_empty()).then_some(events)
}
