//! The job state machine: `queued → running → completed | failed | canceled | orphaned`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where a job is in its life. Stored as TEXT through [`JobStatus::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// Accepted, waiting for a slot under the concurrency limits.
    Queued,
    /// The CLI process is running.
    Running,
    /// The CLI exited 0 and its output did not report an error.
    Completed,
    /// The CLI could not start, exited non-zero, timed out or hit the output cap.
    Failed,
    /// A caller canceled it; partial output is kept.
    Canceled,
    /// Its gateway process died while it ran; partial output is kept.
    Orphaned,
}

/// A transition the state machine does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("illegal job transition {from} → {to}")]
pub struct TransitionError {
    pub from: JobStatus,
    pub to: JobStatus,
}

impl JobStatus {
    pub const ALL: [JobStatus; 6] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Completed,
        JobStatus::Failed,
        JobStatus::Canceled,
        JobStatus::Orphaned,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "failed",
            JobStatus::Canceled => "canceled",
            JobStatus::Orphaned => "orphaned",
        }
    }

    /// True once the job can no longer change.
    pub const fn is_terminal(self) -> bool {
        match self {
            JobStatus::Queued | JobStatus::Running => false,
            JobStatus::Completed
            | JobStatus::Failed
            | JobStatus::Canceled
            | JobStatus::Orphaned => true,
        }
    }

    /// Only successful jobs may answer a later identical request (spec §2.5).
    pub const fn is_reusable(self) -> bool {
        match self {
            JobStatus::Queued | JobStatus::Running | JobStatus::Completed => true,
            JobStatus::Failed | JobStatus::Canceled | JobStatus::Orphaned => false,
        }
    }

    /// Whether `self → to` is a legal move. A queued job may fail (it never started: missing
    /// binary, queue time-out), be canceled, or be orphaned by a crash before it spawned.
    pub const fn can_transition_to(self, to: JobStatus) -> bool {
        match (self, to) {
            (JobStatus::Queued, JobStatus::Running)
            | (JobStatus::Queued, JobStatus::Failed)
            | (JobStatus::Queued, JobStatus::Canceled)
            | (JobStatus::Queued, JobStatus::Orphaned)
            | (JobStatus::Running, JobStatus::Completed)
            | (JobStatus::Running, JobStatus::Failed)
            | (JobStatus::Running, JobStatus::Canceled)
            | (JobStatus::Running, JobStatus::Orphaned) => true,
            (JobStatus::Queued, _)
            | (JobStatus::Running, _)
            | (JobStatus::Completed, _)
            | (JobStatus::Failed, _)
            | (JobStatus::Canceled, _)
            | (JobStatus::Orphaned, _) => false,
        }
    }

    /// Checked transition, for callers that want an error value.
    pub fn transition(self, to: JobStatus) -> Result<JobStatus, TransitionError> {
        if self.can_transition_to(to) {
            Ok(to)
        } else {
            Err(TransitionError { from: self, to })
        }
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status string that is not one of [`JobStatus::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown job status `{0}`")]
pub struct UnknownStatus(pub String);

impl FromStr for JobStatus {
    type Err = UnknownStatus;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        JobStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| UnknownStatus(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::JobStatus::*;
    use super::*;

    /// The full transition table: every pair, spelled out.
    #[test]
    fn transition_table() {
        let legal = [
            (Queued, Running),
            (Queued, Failed),
            (Queued, Canceled),
            (Queued, Orphaned),
            (Running, Completed),
            (Running, Failed),
            (Running, Canceled),
            (Running, Orphaned),
        ];
        for from in JobStatus::ALL {
            for to in JobStatus::ALL {
                let expected = legal.contains(&(from, to));
                assert_eq!(from.can_transition_to(to), expected, "{from} → {to}");
                assert_eq!(from.transition(to).is_ok(), expected);
            }
        }
    }

    #[test]
    fn terminal_states_are_exactly_the_sinks() {
        for status in JobStatus::ALL {
            let has_exit = JobStatus::ALL
                .iter()
                .any(|to| status.can_transition_to(*to));
            assert_eq!(status.is_terminal(), !has_exit, "{status}");
        }
    }

    #[test]
    fn parse_round_trip() {
        for status in JobStatus::ALL {
            assert_eq!(status.as_str().parse::<JobStatus>(), Ok(status));
        }
        assert!("done".parse::<JobStatus>().is_err());
    }
}
