//! The per-job supervisor as a stand-alone binary, for tests and benches of this crate (which
//! are not the gateway binary). The gateway itself runs the same code through its hidden
//! `__job-supervisor` mode; see `gateway_jobs::supervisor`.

fn main() {
    std::process::exit(gateway_jobs::supervisor::main(std::env::args_os().skip(1)));
}
