//! The `FAKE_AGENT_*` control variables (docs/interfaces.md). Every variable may carry a
//! `_<NAME>` suffix (`FAKE_AGENT_RESPONSE_CODEX`) that applies only when the fake runs as that
//! CLI; the suffixed one wins.

use std::collections::BTreeMap;
use std::time::Duration;

/// A snapshot of the control variables, resolved for one CLI name.
#[derive(Debug, Clone)]
pub struct Controls {
    suffix: String,
    vars: BTreeMap<String, String>,
}

impl Controls {
    /// Reads the `FAKE_AGENT_*` variables of this process for the CLI `name`.
    pub fn from_env(name: &str) -> Controls {
        let vars = std::env::vars()
            .filter(|(key, _)| key.starts_with("FAKE_AGENT_"))
            .collect();
        Controls::new(name, vars)
    }

    pub fn new(name: &str, vars: BTreeMap<String, String>) -> Controls {
        Controls {
            suffix: format!("_{}", name.to_ascii_uppercase()),
            vars,
        }
    }

    /// The value of `FAKE_AGENT_<var>_<NAME>`, else of `FAKE_AGENT_<var>`.
    pub fn get(&self, var: &str) -> Option<&str> {
        let base = format!("FAKE_AGENT_{var}");
        self.vars
            .get(&format!("{base}{}", self.suffix))
            .or_else(|| self.vars.get(&base))
            .map(String::as_str)
    }

    /// True for `1`, `true` or `yes` (any case).
    pub fn flag(&self, var: &str) -> bool {
        self.get(var).is_some_and(|value| {
            matches!(
                value.trim().to_ascii_lowercase().as_str(),
                "1" | "true" | "yes"
            )
        })
    }

    pub fn number(&self, var: &str) -> Option<u64> {
        self.get(var).and_then(|value| value.trim().parse().ok())
    }

    pub fn millis(&self, var: &str) -> Option<Duration> {
        self.number(var).map(Duration::from_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn controls(name: &str, pairs: &[(&str, &str)]) -> Controls {
        Controls::new(
            name,
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn suffixed_variable_wins_for_its_name_only() {
        let pairs = [
            ("FAKE_AGENT_RESPONSE", "all"),
            ("FAKE_AGENT_RESPONSE_CODEX", "codex only"),
        ];
        assert_eq!(
            controls("codex", &pairs).get("RESPONSE"),
            Some("codex only")
        );
        assert_eq!(controls("claude", &pairs).get("RESPONSE"), Some("all"));
        assert_eq!(controls("claude", &[]).get("RESPONSE"), None);
    }

    #[test]
    fn flags_and_numbers() {
        let c = controls(
            "gemini",
            &[
                ("FAKE_AGENT_HANG", "TRUE"),
                ("FAKE_AGENT_EXIT_CODE_GEMINI", " 41 "),
                ("FAKE_AGENT_IGNORE_SIGTERM", "0"),
            ],
        );
        assert!(c.flag("HANG"));
        assert!(!c.flag("IGNORE_SIGTERM"));
        assert_eq!(c.number("EXIT_CODE"), Some(41));
        assert_eq!(c.millis("SLEEP_BEFORE_MS"), None);
    }
}
