//! The per-job supervisor as a binary of its own, installed next to `llm-cli-gateway`.
//!
//! Why: every job starts one supervisor, which owns the job (`run`: the slot, the CLI, the
//! parsing, every write to the store). Started from the full gateway binary (its hidden
//! `__job-supervisor` mode), exec maps and relocates about 15 MB per job, which profiling showed
//! to be a third of all CPU spent per job. This binary holds only what a supervisor needs. The
//! gateway falls back to its hidden mode when this file is missing.

fn main() {
    std::process::exit(gateway_jobs::supervisor::main(std::env::args_os().skip(1)));
}
