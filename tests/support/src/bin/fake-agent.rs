//! The fake provider CLI; see `gateway_test_support::agent` and docs/interfaces.md.

fn main() {
    std::process::exit(gateway_test_support::agent::main());
}
