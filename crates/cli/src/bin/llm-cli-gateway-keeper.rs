//! The group keeper as a binary of its own, installed next to `llm-cli-gateway-supervisor`.
//!
//! Why: every job starts one keeper in front of its CLI. The supervisor links SQLite, the
//! redaction rules and the output parsers; this binary holds only the keeper loop, so its exec
//! stays as cheap as the first, keeper-only supervisor was. The supervisor falls back to its
//! own keeper role when this file is missing.

fn main() {
    std::process::exit(gateway_jobs::supervisor::keeper_main(
        std::env::args_os().skip(1),
    ));
}
