//! Provider identifiers as callers and the store name them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One AI coding CLI the gateway can run. The id is what tools and the store use; the binary
/// name lives in `gateway-provider` (the `mistral` provider runs `vibe`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum ProviderId {
    Claude,
    Codex,
    Gemini,
    Grok,
    Mistral,
}

impl ProviderId {
    /// Every provider, in the order tools and reports list them.
    pub const ALL: [ProviderId; 5] = [
        ProviderId::Claude,
        ProviderId::Codex,
        ProviderId::Gemini,
        ProviderId::Grok,
        ProviderId::Mistral,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ProviderId::Claude => "claude",
            ProviderId::Codex => "codex",
            ProviderId::Gemini => "gemini",
            ProviderId::Grok => "grok",
            ProviderId::Mistral => "mistral",
        }
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a provider name the gateway does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown provider `{0}`; expected one of claude, codex, gemini, grok, mistral")]
pub struct UnknownProvider(pub String);

impl FromStr for ProviderId {
    type Err = UnknownProvider;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.trim().to_ascii_lowercase().as_str() {
            "claude" => Ok(ProviderId::Claude),
            "codex" => Ok(ProviderId::Codex),
            "gemini" => Ok(ProviderId::Gemini),
            "grok" => Ok(ProviderId::Grok),
            "mistral" | "vibe" => Ok(ProviderId::Mistral),
            _ => Err(UnknownProvider(name.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for id in ProviderId::ALL {
            assert_eq!(id.as_str().parse::<ProviderId>(), Ok(id));
        }
        assert_eq!("vibe".parse::<ProviderId>(), Ok(ProviderId::Mistral));
        assert!("gpt".parse::<ProviderId>().is_err());
    }
}
