//! Starts one private PostgreSQL server for a whole test run (see
//! `gateway_test_support::SHARED_URL_ENV`), prints its superuser URL on stdout, and keeps it
//! until stdin reaches end of file: the server goes away with whoever holds the other end.

use std::io::{Read, Write};

fn main() {
    let server = gateway_test_support::PgServer::start();
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "{}", server.url());
    let _ = stdout.flush();
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(server);
}
