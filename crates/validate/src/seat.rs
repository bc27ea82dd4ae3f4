//! One seat's command: the provider options that make it read-only, and the `RunRequest`.
//!
//! Read-only modes (provider-clis.md §3): claude and grok `--permission-mode plan`, codex
//! `--sandbox read-only`, gemini `--approval-mode plan` (agy `--mode plan`). Vibe has no plan
//! agent, so its seat gets the `smart-approve` agent (safe calls run, risky ones would need a
//! prompt that headless mode cannot show) **and** a tool allow-list of the read-only tools
//! `read_file` and `grep` — in headless mode `--enabled-tools` disables every other tool, so
//! nothing that writes or runs commands exists for the agent to call.

use gateway_core::ProviderId;
use gateway_provider::{
    ProviderOptions, RunRequest, SessionMode, claude, codex, gemini, grok, vibe,
};

/// Vibe tools a read-only seat may use.
pub const VIBE_READ_ONLY_TOOLS: [&str; 2] = ["read_file", "grep"];

/// The vibe agent of a read-only seat.
pub const VIBE_READ_ONLY_AGENT: &str = "smart-approve";

/// Provider options for a seat: read-only when `read_only`, the CLI's defaults otherwise.
pub fn seat_options(provider: ProviderId, read_only: bool) -> ProviderOptions {
    match provider {
        ProviderId::Claude => ProviderOptions::Claude(claude::ClaudeOptions {
            permission_mode: read_only.then_some(claude::ClaudePermissionMode::Plan),
            ..claude::ClaudeOptions::default()
        }),
        ProviderId::Codex => ProviderOptions::Codex(codex::CodexOptions {
            sandbox: read_only.then_some(codex::CodexSandbox::ReadOnly),
            ..codex::CodexOptions::default()
        }),
        ProviderId::Gemini => ProviderOptions::Gemini(gemini::GeminiOptions {
            approval_mode: read_only.then_some(gemini::GeminiApprovalMode::Plan),
            ..gemini::GeminiOptions::default()
        }),
        ProviderId::Grok => ProviderOptions::Grok(grok::GrokOptions {
            permission_mode: read_only.then_some(grok::GrokPermissionMode::Plan),
            ..grok::GrokOptions::default()
        }),
        ProviderId::Mistral => ProviderOptions::Mistral(if read_only {
            vibe::VibeOptions {
                agent: Some(VIBE_READ_ONLY_AGENT.to_owned()),
                enabled_tools: VIBE_READ_ONLY_TOOLS
                    .iter()
                    .map(|tool| (*tool).to_owned())
                    .collect(),
                ..vibe::VibeOptions::default()
            }
        } else {
            vibe::VibeOptions::default()
        }),
    }
}

/// The run request of one seat: a fresh session, never a resumed one, so seats stay independent.
pub fn seat_request(
    provider: ProviderId,
    prompt: &str,
    model: Option<&str>,
    working_dir: Option<&str>,
    read_only: bool,
) -> RunRequest {
    RunRequest {
        prompt: prompt.to_owned(),
        model: model.map(str::to_owned),
        session: SessionMode::Fresh,
        working_dir: working_dir.map(str::to_owned),
        options: seat_options(provider, read_only),
    }
}
