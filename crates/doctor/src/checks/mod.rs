//! The individual checks. Each reads only through [`crate::DoctorOptions`].

mod catalog;
pub(crate) mod clients;
pub(crate) mod http;
pub(crate) mod providers;
pub(crate) mod store;
pub(crate) mod store_pg;
