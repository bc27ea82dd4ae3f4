//! Runs the mock vendor API for manual use: `mock-vendor-api [PORT] [--reject-auth] [--text T]`.
//! Prints the base URL on stdout, then serves until killed, logging each request on stderr.

use std::io::Write;

use gateway_test_support::{MockConfig, MockVendorApi};

fn main() {
    let mut config = MockConfig::default();
    let mut port = 0;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--reject-auth" => config.reject_auth = true,
            "--text" => config.text = args.next().unwrap_or_default(),
            other => match other.parse() {
                Ok(number) => port = number,
                Err(_) => {
                    let _ = writeln!(
                        std::io::stderr(),
                        "usage: mock-vendor-api [PORT] [--reject-auth] [--text TEXT]"
                    );
                    std::process::exit(2);
                }
            },
        }
    }
    match MockVendorApi::bind(port, config) {
        Ok(mock) => {
            let _ = writeln!(std::io::stdout(), "{}", mock.base_url());
            log_requests(&mock);
        }
        Err(error) => {
            let _ = writeln!(
                std::io::stderr(),
                "mock-vendor-api: cannot bind 127.0.0.1:{port}: {error}"
            );
            std::process::exit(1);
        }
    }
}

/// Prints each new request (`METHOD target -> status`) on stderr, forever.
fn log_requests(mock: &MockVendorApi) {
    let mut seen = 0;
    loop {
        let requests = mock.requests();
        for request in &requests[seen..] {
            let _ = writeln!(
                std::io::stderr(),
                "{} {} -> {}",
                request.method,
                request.target,
                request.status
            );
        }
        seen = requests.len();
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
