//! What passes between the gateway and a job's supervisor: the [`RunSpec`] (written once to the
//! supervisor's stdin, length-prefixed), one control byte for "cancel" on that same pipe (its
//! EOF says the gateway is gone), and [`Report`] lines back on the supervisor's stdout while the
//! gateway lives. The store is the truth; reports only make the gateway's view immediate.

use std::io::{Read, Write};

use gateway_core::{JobStatus, RunOutcome};
use gateway_provider::CommandSpec;
use serde::{Deserialize, Serialize};

use crate::{ProgressEvent, SupervisorCommand};

/// Everything a supervisor needs to own one job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RunSpec {
    pub(crate) job_id: String,
    /// The store (a supervisor thread shares the gateway's open store instead); `None` in
    /// memory.
    pub(crate) store: Option<gateway_store::Location>,
    /// How owners of that store prove they are alive.
    pub(crate) liveness: Option<crate::liveness::Liveness>,
    pub(crate) redact: bool,
    /// The gateway that inserted the job; the supervisor takes it over from this owner.
    pub(crate) gateway_instance: String,
    pub(crate) max_running: usize,
    pub(crate) max_running_per_provider: usize,
    pub(crate) queue_timeout_ms: u64,
    pub(crate) output_cap_bytes: u64,
    pub(crate) retention_days: u32,
    pub(crate) idle_timeout_ms: u64,
    pub(crate) wall_timeout_ms: u64,
    pub(crate) isolate_spawn_env: bool,
    /// Cancel the job when the gateway goes away (`on_exit = cancel`, or an in-memory store).
    pub(crate) cancel_on_exit: bool,
    /// The group keeper that kills the CLI's group if this supervisor dies; `None`: the CLI
    /// runs directly (no keeper binary could be found).
    pub(crate) keeper: Option<SupervisorCommand>,
    pub(crate) spec: CommandSpec,
}

/// A supervisor's news for the gateway that started it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub(crate) enum Report {
    /// The supervisor owns the job (its lock is held); the gateway may exit.
    Adopted,
    Running {
        started_at_ms: i64,
    },
    Event(ProgressEvent),
    /// The store refused a write (said once per outage; the gateway logs it).
    StoreFailed {
        error: String,
    },
    End(Box<Ending>),
    /// The supervisor is done with the job (final row written or given up) and reads the next
    /// spec: the gateway may hand it another job.
    Idle,
}

/// The final state, sent after the store has it (or failed to take it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Ending {
    pub(crate) status: JobStatus,
    pub(crate) exit_code: Option<i32>,
    pub(crate) error: Option<String>,
    pub(crate) finished_at_ms: i64,
    pub(crate) outcome: Option<RunOutcome>,
    /// The store refused writes: the tails of stdout and stderr, for `result` from memory.
    pub(crate) unstored_tails: Option<[String; 2]>,
}

impl Ending {
    /// The final state as the store has it (another writer ended the job, or its supervisor
    /// is gone).
    pub(crate) fn from_record(record: gateway_store::JobRecord) -> Ending {
        Ending {
            status: record.status,
            exit_code: record.exit_code,
            error: record.error,
            finished_at_ms: record.finished_at_ms.unwrap_or_else(gateway_store::now_ms),
            outcome: record.outcome,
            unstored_tails: None,
        }
    }
}

/// Writes `spec` as `<length>\n<json>` so the reader can take exactly the spec and leave the
/// rest of the pipe for control bytes.
pub(crate) fn encode_spec(spec: &RunSpec) -> Result<Vec<u8>, serde_json::Error> {
    let json = serde_json::to_vec(spec)?;
    let mut framed = format!("{}\n", json.len()).into_bytes();
    framed.extend_from_slice(&json);
    Ok(framed)
}

/// Reads the next spec written by [`encode_spec`], and not a byte more. `Ok(None)`: the pipe
/// closed before a new spec began (the gateway is gone or has no more work). A cancel byte
/// that raced the end of the previous job is skipped.
pub(crate) fn read_spec(input: &mut impl Read) -> Result<Option<RunSpec>, String> {
    let mut length = Vec::new();
    let mut byte = [0_u8; 1];
    loop {
        match input.read(&mut byte) {
            Ok(0) if length.is_empty() => return Ok(None),
            Ok(0) => return Err("the run spec was cut off".to_owned()),
            Ok(_) if byte[0] == b'\n' && !length.is_empty() => break,
            Ok(_) if byte[0].is_ascii_digit() && length.len() < 20 => length.push(byte[0]),
            Ok(_) if length.is_empty() => {} // a control byte that raced the last job's end
            Ok(_) => return Err("the run spec's length line is not a number".to_owned()),
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(format!("cannot read the run spec: {error}")),
        }
    }
    let length: usize = std::str::from_utf8(&length)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or("the run spec's length line is not a number")?;
    let mut json = vec![0_u8; length];
    input
        .read_exact(&mut json)
        .map_err(|error| format!("cannot read the run spec: {error}"))?;
    serde_json::from_slice(&json)
        .map(Some)
        .map_err(|error| format!("bad run spec: {error}"))
}

/// Report lines to the gateway; after the first failed write (the gateway is gone) it stays
/// silent, since the store has everything.
pub(crate) struct Reporter {
    out: Option<std::fs::File>,
    pending: Vec<u8>,
}

impl Reporter {
    pub(crate) fn new(out: std::fs::File) -> Reporter {
        Reporter {
            out: Some(out),
            pending: Vec::new(),
        }
    }

    /// Queues `report`; [`Reporter::flush`] sends what is queued in one write.
    pub(crate) fn send(&mut self, report: &Report) {
        if self.out.is_some() && serde_json::to_writer(&mut self.pending, report).is_ok() {
            self.pending.push(b'\n');
        }
    }

    pub(crate) fn flush(&mut self) {
        let Some(out) = self.out.as_mut() else {
            self.pending.clear();
            return;
        };
        if !self.pending.is_empty() && out.write_all(&self.pending).is_err() {
            self.out = None;
        }
        self.pending.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_framed_spec_reads_back_and_leaves_the_control_bytes() {
        let spec = RunSpec {
            job_id: "job".to_owned(),
            store: Some(gateway_store::Location::Postgres(
                "postgres://gw:pw@db/gw".to_owned(),
            )),
            liveness: Some(crate::liveness::Liveness::Leases {
                lease_ms: 3_000,
                wake_dir: std::path::PathBuf::from("/tmp/instances"),
            }),
            redact: true,
            gateway_instance: "gw".to_owned(),
            max_running: 2,
            max_running_per_provider: 1,
            queue_timeout_ms: 10,
            output_cap_bytes: 100,
            retention_days: 1,
            idle_timeout_ms: 5,
            wall_timeout_ms: 6,
            isolate_spawn_env: false,
            cancel_on_exit: false,
            keeper: None,
            spec: CommandSpec {
                provider: gateway_core::ProviderId::Codex,
                program: "codex".to_owned(),
                args: vec!["exec".to_owned(), "\n-".to_owned()],
                env: std::collections::BTreeMap::new(),
                env_remove: Vec::new(),
                cwd: None,
                stdin: Some("prompt\nwith lines".to_owned()),
                prompt_file: None,
                prompt_via: gateway_provider::PromptVia::Stdin,
                prompt_bytes: 17,
                output_format: "json".to_owned(),
                export_file: None,
            },
        };
        let mut bytes = b"cc".to_vec(); // stale cancels before a spec are skipped
        bytes.extend(encode_spec(&spec).unwrap());
        bytes.push(b'c');
        let mut reader = std::io::Cursor::new(bytes);
        let read = read_spec(&mut reader).unwrap().unwrap();
        assert_eq!(read.spec, spec.spec);
        assert_eq!(read.job_id, "job");
        assert_eq!((&read.store, &read.liveness), (&spec.store, &spec.liveness));
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, b"c");
        assert!(read_spec(&mut std::io::Cursor::new(b"12x\n{}".to_vec())).is_err());
        assert!(
            read_spec(&mut std::io::Cursor::new(Vec::new()))
                .unwrap()
                .is_none()
        );
    }
}
