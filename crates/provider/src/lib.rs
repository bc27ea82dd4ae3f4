//! Per-provider **argv builders** and **incremental output parsers**.
//!
//! Building is a pure function from a typed [`RunRequest`] to a [`CommandSpec`] (program, argv,
//! added env, stdin); parsing consumes stdout one line at a time and yields
//! [`gateway_core::AgentEvent`]s and a final [`gateway_core::RunOutcome`]. Nothing here spawns,
//! reads files or needs an async runtime: `gateway-jobs` executes what this crate plans.
//!
//! Adding a provider is one new module plus one arm in each `match` below.

mod argv;
pub mod bounded;
pub mod claude;
pub mod codex;
pub mod gemini;
pub mod grok;
pub mod models;
pub mod parse;
pub mod pricing;
pub mod request;
pub mod spec;
pub mod vibe;

use gateway_core::{ProviderId, RunOutcome};

pub use parse::{LineSplitter, OutputParser};
pub use request::{BuildError, ProviderOptions, RunRequest, SessionMode};
pub use spec::{CommandSpec, PromptVia};

/// Builds the command for `request`, validating every caller value that becomes argv.
pub fn build(request: &RunRequest) -> Result<CommandSpec, BuildError> {
    request::validate_common(request)?;
    let spec = match &request.options {
        ProviderOptions::Claude(options) => claude::build(request, options),
        ProviderOptions::Codex(options) => codex::build(request, options),
        ProviderOptions::Gemini(options) => gemini::build(request, options),
        ProviderOptions::Grok(options) => grok::build(request, options),
        ProviderOptions::Mistral(options) => vibe::build(request, options),
    }?;
    // Each list is checked on its own (naming it); many lists together can still be too much.
    request::check_argv_total("the request's options together", &spec.args)?;
    Ok(spec)
}

/// A fresh parser for the output of `spec` (provider and output format decide the shape).
pub fn parser_for(spec: &CommandSpec) -> Box<dyn OutputParser> {
    match spec.provider {
        ProviderId::Claude => claude::parser(&spec.output_format),
        ProviderId::Codex => codex::parser(&spec.output_format),
        ProviderId::Gemini => gemini::parser(&spec.output_format, &spec.program),
        ProviderId::Grok => grok::parser(&spec.output_format),
        ProviderId::Mistral => vibe::parser(&spec.output_format),
    }
}

/// Merges the contents of [`CommandSpec::export_file`] (read by the engine after exit) into
/// `outcome`: the usage, cost and structured error that the CLI's stdout lacks. False when
/// `text` is not an export this provider understands (the engine logs that and goes on).
pub fn apply_export(provider: ProviderId, outcome: &mut RunOutcome, text: &str) -> bool {
    match provider {
        ProviderId::Mistral => vibe::apply_export(outcome, text),
        ProviderId::Claude | ProviderId::Codex | ProviderId::Gemini | ProviderId::Grok => false,
    }
}

/// The executable each provider runs by default (gemini may run `agy` instead; see
/// [`gemini::GeminiBackend`]).
pub const fn default_binary(provider: ProviderId) -> &'static str {
    match provider {
        ProviderId::Claude => "claude",
        ProviderId::Codex => "codex",
        ProviderId::Gemini => "gemini",
        ProviderId::Grok => "grok",
        ProviderId::Mistral => "vibe",
    }
}
