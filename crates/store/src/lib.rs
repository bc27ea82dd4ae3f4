//! The SQLite store (flight recorder, jobs, sessions, approvals). Being written.
