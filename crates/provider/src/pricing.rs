//! List prices per model, USD per million tokens, for estimating what a run cost when its CLI
//! reports no cost (codex and gemini never do; claude, grok and vibe report their own). They
//! are the providers' public API list prices on [`PRICES_TAKEN`], so they age: a subscription
//! login bills differently, and `config.toml` `[pricing]` overrides any row. Each provider's `*`
//! row prices the models it has no row for. Pure data.

use gateway_core::ProviderId;

/// When the default prices were taken from the providers' pricing pages.
pub const PRICES_TAKEN: &str = "2025-11-20";

/// One row: the model id prefix it prices (`*` for the provider's others), then USD per
/// million input, cached-input and output tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ListPrice {
    pub provider: ProviderId,
    pub model: &'static str,
    pub input: f64,
    pub cached_input: f64,
    pub output: f64,
}

const fn price(
    provider: ProviderId,
    model: &'static str,
    input: f64,
    cached_input: f64,
    output: f64,
) -> ListPrice {
    ListPrice {
        provider,
        model,
        input,
        cached_input,
        output,
    }
}

use ProviderId::{Claude, Codex, Gemini, Grok, Mistral};

/// The shipped table. A model matches the longest `model` that starts its id.
pub const DEFAULT_PRICES: &[ListPrice] = &[
    price(Claude, "*", 3.0, 0.30, 15.0),
    price(Claude, "claude-opus-4-5", 5.0, 0.50, 25.0),
    price(Claude, "claude-opus-4", 15.0, 1.50, 75.0),
    price(Claude, "claude-sonnet-4", 3.0, 0.30, 15.0),
    price(Claude, "claude-haiku-4", 1.0, 0.10, 5.0),
    price(Codex, "*", 1.25, 0.125, 10.0),
    price(Codex, "gpt-5-mini", 0.25, 0.025, 2.0),
    price(Codex, "gpt-5.1-codex-mini", 0.25, 0.025, 2.0),
    price(Codex, "gpt-5", 1.25, 0.125, 10.0),
    price(Gemini, "*", 1.25, 0.31, 10.0),
    price(Gemini, "gemini-2.5-pro", 1.25, 0.31, 10.0),
    price(Gemini, "gemini-2.5-flash-lite", 0.10, 0.025, 0.40),
    price(Gemini, "gemini-2.5-flash", 0.30, 0.075, 2.50),
    price(Gemini, "gemini-3-pro", 2.0, 0.20, 12.0),
    price(Grok, "*", 3.0, 0.75, 15.0),
    price(Grok, "grok-code-fast", 0.20, 0.02, 1.50),
    price(Mistral, "*", 0.40, 0.04, 2.0),
    price(Mistral, "devstral-small", 0.10, 0.01, 0.30),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_has_a_fallback_row_and_no_row_repeats() {
        for provider in ProviderId::ALL {
            assert!(
                DEFAULT_PRICES
                    .iter()
                    .any(|row| row.provider == provider && row.model == "*"),
                "{provider}"
            );
        }
        let mut keys: Vec<_> = DEFAULT_PRICES
            .iter()
            .map(|row| (row.provider.as_str(), row.model))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), DEFAULT_PRICES.len());
    }
}
