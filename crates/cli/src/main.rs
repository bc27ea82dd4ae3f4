//! The `llm-cli-gateway` binary. Being written.
fn main() {}
