//! One module per page (or pair of pages).

pub(crate) mod health;
pub(crate) mod job;
pub(crate) mod jobs;
pub(crate) mod tool_calls;
pub(crate) mod usage;
pub(crate) mod validations;
