//! How a run ended, as the store records it: status, exit code, error and its category. Pure.

use std::time::Duration;

use gateway_core::{JobStatus, RunOutcome, exit};

/// Why the supervisor stopped the CLI (none: it ended by itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    /// `llm_job_cancel`, `jobs cancel`, an MCP cancellation (marked in the store or sent on the
    /// control pipe).
    Cancel,
    /// The gateway went away and `on_exit = cancel` (or the store is in memory).
    GatewayExit,
    Idle,
    Wall,
    Cap,
}

/// How a job ended, ready for the store and the gateway.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Conclusion {
    pub(crate) status: JobStatus,
    pub(crate) exit_code: Option<i32>,
    pub(crate) error: Option<String>,
    pub(crate) category: Option<&'static str>,
}

/// What the run looked like when it ended.
pub(crate) struct Ended<'a> {
    pub(crate) cause: Option<Cause>,
    pub(crate) code: Option<i32>,
    pub(crate) signal: Option<i32>,
    pub(crate) outcome: &'a RunOutcome,
    pub(crate) stderr_tail: &'a str,
}

/// The limits that applied, for the messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) idle: Duration,
    pub(crate) wall: Duration,
    pub(crate) cap_bytes: u64,
}

pub(crate) fn failed(exit_code: Option<i32>, error: String, category: &'static str) -> Conclusion {
    Conclusion {
        status: JobStatus::Failed,
        exit_code,
        error: Some(error),
        category: Some(category),
    }
}

pub(crate) fn canceled(error: &str) -> Conclusion {
    Conclusion {
        status: JobStatus::Canceled,
        exit_code: None,
        error: Some(error.to_owned()),
        category: Some("canceled"),
    }
}

pub(crate) const CANCELED_BY_REQUEST: &str = "canceled by request";
pub(crate) const CANCELED_AT_EXIT: &str =
    "canceled: the gateway that started the job exited (on_exit = cancel)";

pub(crate) fn conclude(ended: &Ended<'_>, limits: Limits) -> Conclusion {
    match ended.cause {
        Some(Cause::Cancel) => canceled(CANCELED_BY_REQUEST),
        Some(Cause::GatewayExit) => canceled(CANCELED_AT_EXIT),
        Some(Cause::Idle) => failed(
            Some(exit::IDLE_TIMEOUT),
            format!("no output for {} ms", limits.idle.as_millis()),
            "idle_timeout",
        ),
        Some(Cause::Wall) => failed(
            Some(exit::WALL_TIMEOUT),
            format!("timed out after {} ms (timeoutMs)", limits.wall.as_millis()),
            "wall_timeout",
        ),
        Some(Cause::Cap) => failed(
            Some(exit::OUTPUT_CAP),
            format!(
                "output exceeded the {} cap; the process group was killed",
                human_bytes(limits.cap_bytes)
            ),
            "output_cap",
        ),
        None => natural_end(ended),
    }
}

fn natural_end(ended: &Ended<'_>) -> Conclusion {
    let last_stderr = ended
        .stderr_tail
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    match (ended.code, ended.signal) {
        (Some(0), _) if !ended.outcome.is_error => Conclusion {
            status: JobStatus::Completed,
            exit_code: Some(0),
            error: None,
            category: None,
        },
        (Some(0), _) => failed(
            Some(0),
            ended
                .outcome
                .error
                .clone()
                .unwrap_or_else(|| "the CLI reported an error".to_owned()),
            "cli_error",
        ),
        // The parser's reading of the failure first (it knows the CLI), else stderr.
        (Some(code), _) => failed(
            Some(code),
            match ended.outcome.error.as_deref().unwrap_or(last_stderr) {
                "" => format!("exited with code {code}"),
                reason => format!(
                    "exited with code {code}: {}",
                    gateway_core::event::one_line(reason, 300)
                ),
            },
            "exit_code",
        ),
        (None, signal) => failed(
            None,
            format!("killed by signal {}", signal.unwrap_or(0)),
            "signal",
        ),
    }
}

fn human_bytes(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (cause, exit code, signal, parsed outcome) → (status, exit code, category).
    type Case<'a> = (
        Option<Cause>,
        Option<i32>,
        Option<i32>,
        &'a RunOutcome,
        JobStatus,
        Option<i32>,
        Option<&'a str>,
    );

    #[test]
    fn ends_map_to_status_code_and_category() {
        let limits = Limits {
            idle: Duration::from_secs(1),
            wall: Duration::from_secs(3),
            cap_bytes: 2 * 1024 * 1024,
        };
        let ok = RunOutcome::default();
        let cli_error = RunOutcome {
            is_error: true,
            error: Some("quota".to_owned()),
            ..RunOutcome::default()
        };
        let cases: [Case<'_>; 9] = [
            (
                None,
                Some(0),
                None,
                &ok,
                JobStatus::Completed,
                Some(0),
                None,
            ),
            (
                None,
                Some(0),
                None,
                &cli_error,
                JobStatus::Failed,
                Some(0),
                Some("cli_error"),
            ),
            (
                None,
                Some(3),
                None,
                &ok,
                JobStatus::Failed,
                Some(3),
                Some("exit_code"),
            ),
            (
                None,
                None,
                Some(9),
                &ok,
                JobStatus::Failed,
                None,
                Some("signal"),
            ),
            (
                Some(Cause::Cancel),
                None,
                Some(15),
                &ok,
                JobStatus::Canceled,
                None,
                Some("canceled"),
            ),
            (
                Some(Cause::GatewayExit),
                None,
                Some(15),
                &ok,
                JobStatus::Canceled,
                None,
                Some("canceled"),
            ),
            (
                Some(Cause::Idle),
                None,
                Some(15),
                &ok,
                JobStatus::Failed,
                Some(125),
                Some("idle_timeout"),
            ),
            (
                Some(Cause::Wall),
                None,
                Some(15),
                &ok,
                JobStatus::Failed,
                Some(124),
                Some("wall_timeout"),
            ),
            (
                Some(Cause::Cap),
                None,
                Some(9),
                &ok,
                JobStatus::Failed,
                Some(126),
                Some("output_cap"),
            ),
        ];
        for (cause, code, signal, outcome, status, exit_code, category) in cases {
            let ended = Ended {
                cause,
                code,
                signal,
                outcome,
                stderr_tail: "boom\n",
            };
            let conclusion = conclude(&ended, limits);
            assert_eq!(
                (conclusion.status, conclusion.exit_code, conclusion.category),
                (status, exit_code, category),
                "{cause:?} {code:?} {signal:?}"
            );
        }
        let wall = conclude(
            &Ended {
                cause: Some(Cause::Wall),
                code: None,
                signal: None,
                outcome: &ok,
                stderr_tail: "",
            },
            limits,
        );
        assert_eq!(
            wall.error.as_deref(),
            Some("timed out after 3000 ms (timeoutMs)")
        );
    }
}
