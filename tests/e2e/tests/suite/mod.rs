mod claude_code_client;
mod conformance;
mod http_security;
mod inspector;
mod python_sdk;
mod real_clis;
mod records;
mod stdio;
