//! The doctor report. Being written.
