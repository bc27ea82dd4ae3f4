//! The accept loop: HTTP/1.1 connections served by hyper under a connection cap, a header
//! read timeout and an accept-error back-off, so a flood of idle or half-sent connections
//! (slowloris) can neither exhaust the file descriptors nor lock real clients out.
//!
//! Every connection is in a table, oldest first. At the cap a newcomer takes the place of the
//! oldest connection that has not sent a request header yet, else of the oldest one with no
//! request in flight (an idle keep-alive); only when every connection is busy is the newcomer
//! closed. Real clients send their header at once, so they are never the ones that make room.

use std::collections::BTreeMap;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

/// Pause after an accept error that is not about one connection (EMFILE, ENFILE, ENOBUFS)
/// when no idle connection could be closed to make room: no busy loop while nothing changes.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// Pause after closing an idle connection to make room: time for its task to free the
/// descriptor (each one evicted at most once, so this cannot spin either).
const EVICTED_PAUSE: Duration = Duration::from_millis(2);
/// How long shutdown waits for requests in flight before it gives up on them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// What the accept loop enforces.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub(super) max_connections: usize,
    pub(super) header_timeout: Duration,
}

/// Serves `router` on `listener` until `shutdown` is cancelled, then stops accepting, closes
/// idle connections, lets requests in flight finish (up to [`SHUTDOWN_GRACE`]) and returns.
pub(super) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: CancellationToken,
) {
    let table = Arc::new(Table::default());
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    // Every connection task holds a receiver; `closed()` resolves when the last one is gone.
    let (all_closed, open) = watch::channel(());
    let mut failing = false;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.cancelled() => break,
        };
        match accepted {
            Ok((stream, _)) => {
                failing = false;
                let Some(entry) = table.admit(limits.max_connections) else {
                    tracing::debug!("connection cap reached with every connection busy; closed");
                    continue;
                };
                let connection = Connection {
                    builder: builder.clone(),
                    router: router.clone(),
                    table: table.clone(),
                    entry,
                    shutdown: shutdown.clone(),
                    open: open.clone(),
                };
                tokio::spawn(connection.run(stream));
            }
            Err(error) => accept_failed(&error, &table, &mut failing).await,
        }
    }
    drop(open);
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, all_closed.closed())
        .await
        .is_err()
    {
        tracing::warn!("HTTP connections still busy after the shutdown grace; leaving them");
    }
}

/// An accept error about one connection (it went away before we took it) is ignored. Any other
/// one is about us, usually out of descriptors: make room by closing the oldest idle
/// connection and pause briefly. Logged once per run of failures.
async fn accept_failed(error: &std::io::Error, table: &Table, failing: &mut bool) {
    use std::io::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::ConnectionRefused
    ) {
        return;
    }
    if !*failing {
        tracing::warn!(%error, "cannot accept HTTP connections; closing idle ones and retrying");
        *failing = true;
    }
    let pause = if table.evict_idle() {
        EVICTED_PAUSE
    } else {
        ACCEPT_BACKOFF
    };
    tokio::time::sleep(pause).await;
}

/// One accepted connection and what it needs to serve itself.
struct Connection {
    builder: http1::Builder,
    router: Router,
    table: Arc<Table>,
    entry: Arc<Entry>,
    shutdown: CancellationToken,
    open: watch::Receiver<()>,
}

impl Connection {
    async fn run(self, stream: TcpStream) {
        let Connection {
            builder,
            router,
            table,
            entry,
            shutdown,
            open,
        } = self;
        let tracked = entry.clone();
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let in_flight = InFlight::start(tracked.clone());
            let response = router.clone().oneshot(request.map(Body::new));
            async move {
                let response = response.await?;
                Ok::<_, std::convert::Infallible>(response.map(|body| {
                    Body::new(TrackedBody {
                        body,
                        _in_flight: in_flight,
                    })
                }))
            }
        });
        let mut connection = pin!(builder.serve_connection(TokioIo::new(stream), service));
        let mut draining = false;
        loop {
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(error) = result {
                        tracing::debug!(%error, "HTTP connection ended with an error");
                    }
                    break;
                }
                // Dropping the connection closes the socket.
                () = entry.evict.cancelled() => break,
                () = shutdown.cancelled(), if !draining => {
                    if !entry.started.load(Ordering::Relaxed) {
                        break;
                    }
                    connection.as_mut().graceful_shutdown();
                    draining = true;
                }
            }
        }
        table.remove(entry.id);
        drop(open);
    }
}

/// The open connections, by age.
#[derive(Default)]
struct Table {
    entries: Mutex<BTreeMap<u64, Arc<Entry>>>,
    next_id: std::sync::atomic::AtomicU64,
}

/// What the table knows about one connection.
struct Entry {
    id: u64,
    /// A whole request header has arrived at least once.
    started: AtomicBool,
    /// Requests whose response is not finished (a long SSE stream counts as in flight).
    in_flight: AtomicUsize,
    /// Cancelled to close the connection.
    evict: CancellationToken,
}

impl Entry {
    fn is_idle(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) == 0
    }
}

impl Table {
    /// Registers a new connection, making room at the cap; `None` when every connection has a
    /// request in flight (the newcomer is then closed).
    fn admit(&self, max: usize) -> Option<Arc<Entry>> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= max && !evict_one(&mut entries) {
            return None;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let entry = Arc::new(Entry {
            id,
            started: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            evict: CancellationToken::new(),
        });
        entries.insert(id, entry.clone());
        Some(entry)
    }

    /// Closes the oldest idle connection, if any (to free a descriptor); false when none.
    fn evict_idle(&self) -> bool {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        evict_one(&mut entries)
    }

    fn remove(&self, id: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.remove(&id);
    }
}

/// Closes the oldest connection without a request header yet, else the oldest without a
/// request in flight. False when every connection is busy.
fn evict_one(entries: &mut BTreeMap<u64, Arc<Entry>>) -> bool {
    let unstarted = entries
        .values()
        .find(|entry| !entry.started.load(Ordering::Relaxed));
    let victim = unstarted
        .or_else(|| entries.values().find(|entry| entry.is_idle()))
        .map(|entry| entry.id);
    let Some(entry) = victim.and_then(|id| entries.remove(&id)) else {
        return false;
    };
    entry.evict.cancel();
    true
}

/// Marks a request in flight on its connection until dropped (with the response body).
struct InFlight(Arc<Entry>);

impl InFlight {
    fn start(entry: Arc<Entry>) -> InFlight {
        entry.started.store(true, Ordering::Relaxed);
        entry.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(entry)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its request counted as in flight until it is finished or
/// dropped; otherwise the body itself, size hint and all (so `Content-Length` survives).
struct TrackedBody {
    body: Body,
    _in_flight: InFlight,
}

impl HttpBody for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(table: &Table) -> Arc<Entry> {
        table.admit(usize::MAX).unwrap()
    }

    #[test]
    fn at_the_cap_the_oldest_unstarted_connection_makes_room() {
        let table = Table::default();
        let _busy = InFlight::start(entry(&table));
        let idle = entry(&table);
        drop(InFlight::start(idle.clone()));
        let half_sent = entry(&table);
        let newest_half_sent = entry(&table);
        assert!(table.admit(4).is_some());
        assert!(half_sent.evict.is_cancelled());
        assert!(!newest_half_sent.evict.is_cancelled());
        assert!(!idle.evict.is_cancelled());
    }

    #[test]
    fn then_the_oldest_idle_one_and_never_a_busy_one() {
        let table = Table::default();
        let busy = entry(&table);
        let _busy = InFlight::start(busy.clone());
        let idle = entry(&table);
        drop(InFlight::start(idle.clone()));
        assert!(table.admit(2).is_some());
        assert!(idle.evict.is_cancelled());
        assert!(!busy.evict.is_cancelled());

        let table = Table::default();
        let only = entry(&table);
        let _only = InFlight::start(only.clone());
        assert!(table.admit(1).is_none(), "a busy connection was evicted");
        assert!(!only.evict.is_cancelled());
    }
}
