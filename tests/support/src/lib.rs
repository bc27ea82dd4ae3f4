//! Test helpers shared by every crate's tests. Being written.
