mod conformance;
mod http_security;
mod inspector;
mod python_sdk;
mod records;
mod stdio;
