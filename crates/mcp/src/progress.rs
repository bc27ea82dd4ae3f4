//! `notifications/progress` from a job's parsed events (spec §2.12): at most two a second (the
//! newest event wins when several arrive in between), and a heartbeat at least every 15 s so
//! clients that reset their time-out on progress (Claude Code) keep waiting for CLIs that print
//! nothing until they exit.

use std::time::{Duration, Instant};

use gateway_jobs::ProgressEvent;
use rmcp::model::{ProgressNotificationParam, ProgressToken};
use rmcp::{Peer, RoleServer};

/// Smallest gap between two notifications.
pub const MIN_GAP: Duration = Duration::from_millis(500);
/// Longest silence before a heartbeat.
pub const HEARTBEAT: Duration = Duration::from_secs(15);

/// Decides what to send and when; pure, so the throttle is testable without a client.
#[derive(Debug)]
pub struct Throttle {
    started: Instant,
    last_sent: Option<Instant>,
    pending: Option<String>,
    sent: u32,
}

impl Throttle {
    pub fn new(now: Instant) -> Throttle {
        Throttle {
            started: now,
            last_sent: None,
            pending: None,
            sent: 0,
        }
    }

    /// Remembers the newest event message.
    pub fn push(&mut self, message: String) {
        self.pending = Some(message);
    }

    /// The message to send now, if any: a pending event once the gap has passed, else a
    /// heartbeat after a long silence. Each returned message advances the progress counter.
    pub fn poll(&mut self, now: Instant) -> Option<(u32, String)> {
        let since_last = now.duration_since(self.last_sent.unwrap_or(self.started));
        let gap_passed = self.last_sent.is_none_or(|_| since_last >= MIN_GAP);
        let message = if gap_passed && self.pending.is_some() {
            self.pending.take()
        } else if since_last >= HEARTBEAT {
            Some(format!(
                "still running ({}s)",
                now.duration_since(self.started).as_secs()
            ))
        } else {
            None
        }?;
        self.last_sent = Some(now);
        self.sent += 1;
        Some((self.sent, message))
    }
}

/// Sends throttled progress for one request.
pub struct Forwarder {
    peer: Peer<RoleServer>,
    token: ProgressToken,
    label: &'static str,
    throttle: Throttle,
}

impl Forwarder {
    pub fn new(peer: Peer<RoleServer>, token: ProgressToken, label: &'static str) -> Forwarder {
        Forwarder {
            peer,
            token,
            label,
            throttle: Throttle::new(Instant::now()),
        }
    }

    pub fn push(&mut self, event: &ProgressEvent) {
        self.throttle
            .push(format!("{}: {}", self.label, event.message));
    }

    /// Sends whatever is due. A failed send (client gone) is not an error for the job.
    pub async fn tick(&mut self) {
        if let Some((count, message)) = self.throttle.poll(Instant::now()) {
            let param = ProgressNotificationParam::new(self.token.clone(), f64::from(count))
                .with_message(message);
            if let Err(error) = self.peer.notify_progress(param).await {
                tracing::debug!(%error, "progress notification not delivered");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttles_to_the_newest_and_sends_heartbeats() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let mut throttle = Throttle::new(start);
        assert_eq!(throttle.poll(at(10)), None);
        throttle.push("a".into());
        assert_eq!(throttle.poll(at(20)), Some((1, "a".into())));
        throttle.push("b".into());
        throttle.push("c".into());
        assert_eq!(throttle.poll(at(200)), None, "within the gap");
        assert_eq!(throttle.poll(at(520)), Some((2, "c".into())), "newest wins");
        assert_eq!(throttle.poll(at(10_000)), None);
        assert_eq!(
            throttle.poll(at(15_520)),
            Some((3, "still running (15s)".into()))
        );
        assert_eq!(throttle.poll(at(15_600)), None);
    }

    #[test]
    fn first_heartbeat_comes_after_15_s_of_silence() {
        let start = Instant::now();
        let mut throttle = Throttle::new(start);
        assert_eq!(throttle.poll(start + Duration::from_secs(14)), None);
        assert_eq!(
            throttle.poll(start + Duration::from_secs(15)),
            Some((1, "still running (15s)".into()))
        );
    }
}
