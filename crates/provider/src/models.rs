//! The model registry: per provider a default, the known models and the aliases, all from the
//! environment (the reference's variables), and the one rule that turns a caller's `model` into
//! what the CLI receives.
//!
//! Variables, with `X` = `CLAUDE`, `CODEX`, `GEMINI`, `GROK` or `MISTRAL`:
//! * `X_DEFAULT_MODEL`: the model used when a request names none (or `default`/`latest`).
//! * `X_MODELS`: known models, a comma/newline list of `model[=description]`, a JSON array of
//!   names or `{name, description}` objects, or a JSON object `{name: description}`.
//! * `X_MODEL_ALIASES`: `alias=model,…` or a JSON object `{alias: model}`.
//! * `LLM_GATEWAY_MODEL_ALIASES`: `provider:alias=model,…` for every provider (the reference's
//!   `provider.alias=model` spelling is accepted too); it wins over `X_MODEL_ALIASES`.
//! * mistral also reads `VIBE_ACTIVE_MODEL` (vibe's own default) and `VIBE_MODELS` (a JSON array
//!   of `{alias, name}`: vibe selects models by alias, so the alias is the known model and the
//!   full name becomes an alias of it).
//!
//! **Unknown models are allowed** and passed through unchanged. The CLIs validate late and
//! differently (gemini at the API call, grok after loading its catalog, vibe silently falls back to
//! its default), model lists are never complete, and refusing unknown names would block a new
//! model on the day it ships. [`Resolution::listed`] tells the caller when a name is not in a
//! configured list, so it can warn (mistral above all, given vibe's silent fallback).
//!
//! Pure: the environment comes in as a lookup function; [`ModelRegistry::from_process_env`] is
//! the only place that reads `std::env`.

use std::collections::BTreeMap;

use gateway_core::ProviderId;
use serde::Serialize;
use serde_json::Value;

use crate::request::{BuildError, validate_value};

/// What a registry knows about one provider, as `list_models` shows it.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProviderModels {
    pub provider: String,
    /// The gateway's default; `None` lets the CLI choose.
    pub default: Option<String>,
    /// Models the operator listed (never complete; other names pass through).
    pub models: Vec<KnownModel>,
    /// Alias (lower-case) → model.
    pub aliases: BTreeMap<String, String>,
    /// Short names the CLI's own `--help` documents (resolved by the CLI, not by the gateway).
    pub cli_aliases: Vec<String>,
    /// How the model reaches the CLI (`--model`, or vibe's `VIBE_ACTIVE_MODEL`).
    pub model_via: String,
}

/// One listed model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct KnownModel {
    pub name: String,
    pub description: Option<String>,
}

/// The outcome of resolving a requested model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// What the CLI receives; `None` lets it choose.
    pub model: Option<String>,
    /// The alias the caller used, when one applied.
    pub alias: Option<String>,
    /// Whether `model` is in the provider's configured list; `None` when no list is configured
    /// or no model is sent.
    pub listed: Option<bool>,
}

/// Defaults, known models and aliases of every provider.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelRegistry {
    providers: BTreeMap<ProviderId, ProviderModels>,
    warnings: Vec<String>,
}

impl ModelRegistry {
    /// Builds the registry from `lookup` (an environment). Malformed entries are skipped and
    /// reported in [`ModelRegistry::warnings`] rather than failing start-up.
    pub fn from_env(lookup: &dyn Fn(&str) -> Option<String>) -> ModelRegistry {
        let mut registry = ModelRegistry::default();
        for provider in ProviderId::ALL {
            let models = registry.load_provider(provider, lookup);
            registry.providers.insert(provider, models);
        }
        if let Some(text) = lookup(gateway_core::env::MODEL_ALIASES) {
            registry.load_global_aliases(&text);
        }
        registry
    }

    /// [`ModelRegistry::from_env`] over the process environment.
    pub fn from_process_env() -> ModelRegistry {
        ModelRegistry::from_env(&|name| std::env::var(name).ok())
    }

    /// Problems found in the configuration (for `doctor` and logs).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// What the registry knows about `provider`.
    pub fn provider(&self, provider: ProviderId) -> ProviderModels {
        self.providers
            .get(&provider)
            .cloned()
            .unwrap_or_else(|| empty_entry(provider))
    }

    /// Every provider, in [`ProviderId::ALL`] order (the `list_models` tool's data).
    pub fn listing(&self) -> Vec<ProviderModels> {
        ProviderId::ALL
            .iter()
            .map(|provider| self.provider(*provider))
            .collect()
    }

    /// The model to send for `requested`: `None` or `default`/`latest` give the configured
    /// default (or `None`, letting the CLI choose); an alias gives its target (matched
    /// case-insensitively, one step, no chains); anything else passes through unchanged.
    pub fn resolve(
        &self,
        provider: ProviderId,
        requested: Option<&str>,
    ) -> Result<Option<String>, BuildError> {
        self.resolve_detailed(provider, requested)
            .map(|resolution| resolution.model)
    }

    /// [`ModelRegistry::resolve`] with the alias used and whether the model is listed.
    pub fn resolve_detailed(
        &self,
        provider: ProviderId,
        requested: Option<&str>,
    ) -> Result<Resolution, BuildError> {
        let entry = self.provider(provider);
        let (model, alias) = match requested.map(str::trim) {
            None => (entry.default.clone(), None),
            Some("") => {
                return Err(BuildError::new(
                    "model",
                    "must not be empty; leave it out or use `default`",
                ));
            }
            Some(name) if is_default_keyword(name) => (entry.default.clone(), None),
            Some(name) => match entry.aliases.get(&name.to_ascii_lowercase()) {
                Some(target) => (Some(target.clone()), Some(name.to_owned())),
                None => (Some(name.to_owned()), None),
            },
        };
        if let Some(model) = &model {
            validate_value("model", model).map_err(|err| match &alias {
                Some(alias) => BuildError::new(
                    "model",
                    format!(
                        "alias `{alias}` resolves to an invalid model: {}",
                        err.message
                    ),
                ),
                None => err,
            })?;
        }
        let listed = match (&model, entry.models.is_empty()) {
            (Some(model), false) => Some(
                entry
                    .models
                    .iter()
                    .any(|known| known.name.eq_ignore_ascii_case(model)),
            ),
            _ => None,
        };
        Ok(Resolution {
            model,
            alias,
            listed,
        })
    }

    fn load_provider(
        &mut self,
        provider: ProviderId,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> ProviderModels {
        let prefix = provider.as_str().to_ascii_uppercase();
        let mut entry = empty_entry(provider);
        entry.default =
            lookup(&format!("{prefix}_DEFAULT_MODEL")).map(|value| value.trim().to_owned());
        if provider == ProviderId::Mistral && entry.default.is_none() {
            entry.default = lookup(crate::vibe::MODEL_ENV).map(|value| value.trim().to_owned());
        }
        if let Some(default) = entry
            .default
            .take()
            .filter(|default| !default.is_empty() && !is_default_keyword(default))
        {
            match validate_value("model", &default) {
                Ok(()) => entry.default = Some(default),
                Err(err) => self
                    .warnings
                    .push(format!("{prefix}_DEFAULT_MODEL ignored: {}", err.message)),
            }
        }
        let models_var = format!("{prefix}_MODELS");
        if let Some(text) = lookup(&models_var) {
            entry.models = self.parse_models(&models_var, &text);
        }
        let aliases_var = format!("{prefix}_MODEL_ALIASES");
        if let Some(text) = lookup(&aliases_var) {
            for (alias, target) in self.parse_aliases(&aliases_var, &text) {
                entry.aliases.insert(alias, target);
            }
        }
        if provider == ProviderId::Mistral
            && let Some(text) = lookup("VIBE_MODELS")
        {
            self.load_vibe_models(&text, &mut entry);
        }
        entry
    }

    fn parse_models(&mut self, var: &str, text: &str) -> Vec<KnownModel> {
        let trimmed = text.trim();
        let models = if trimmed.starts_with(['[', '{']) {
            match serde_json::from_str::<Value>(trimmed) {
                Ok(value) => json_models(&value),
                Err(err) => {
                    self.warnings
                        .push(format!("{var} ignored: not valid JSON ({err})"));
                    Vec::new()
                }
            }
        } else {
            split_entries(trimmed)
                .map(|item| match item.split_once('=') {
                    Some((name, description)) => KnownModel {
                        name: name.trim().to_owned(),
                        description: Some(description.trim().to_owned())
                            .filter(|text| !text.is_empty()),
                    },
                    None => KnownModel {
                        name: item.to_owned(),
                        description: None,
                    },
                })
                .collect()
        };
        models
            .into_iter()
            .filter(|model| self.accept_model(var, &model.name))
            .collect()
    }

    fn parse_aliases(&mut self, var: &str, text: &str) -> Vec<(String, String)> {
        let trimmed = text.trim();
        let pairs: Vec<(String, String)> = if trimmed.starts_with('{') {
            match serde_json::from_str::<serde_json::Map<String, Value>>(trimmed) {
                Ok(map) => map
                    .into_iter()
                    .filter_map(|(alias, target)| Some((alias, target.as_str()?.to_owned())))
                    .collect(),
                Err(err) => {
                    self.warnings.push(format!(
                        "{var} ignored: not a JSON object of strings ({err})"
                    ));
                    Vec::new()
                }
            }
        } else {
            let mut pairs = Vec::new();
            for item in split_entries(trimmed) {
                match item.split_once('=') {
                    Some((alias, target)) => {
                        pairs.push((alias.trim().to_owned(), target.trim().to_owned()))
                    }
                    None => self
                        .warnings
                        .push(format!("{var}: `{item}` ignored (expected alias=model)")),
                }
            }
            pairs
        };
        pairs
            .into_iter()
            .filter(|(alias, target)| !alias.is_empty() && self.accept_model(var, target))
            .map(|(alias, target)| (alias.to_ascii_lowercase(), target))
            .collect()
    }

    fn load_global_aliases(&mut self, text: &str) {
        let var = gateway_core::env::MODEL_ALIASES;
        for item in split_entries(text) {
            let Some((provider, rest)) = split_provider(item) else {
                self.warnings.push(format!(
                    "{var}: `{item}` ignored (expected provider:alias=model)"
                ));
                continue;
            };
            for (alias, target) in self.parse_aliases(var, rest) {
                self.providers
                    .entry(provider)
                    .or_insert_with(|| empty_entry(provider))
                    .aliases
                    .insert(alias, target);
            }
        }
    }

    fn load_vibe_models(&mut self, text: &str, entry: &mut ProviderModels) {
        let Ok(Value::Array(items)) = serde_json::from_str::<Value>(text.trim()) else {
            self.warnings
                .push("VIBE_MODELS ignored: expected a JSON array of {alias, name}".to_owned());
            return;
        };
        for item in items {
            let alias = item.get("alias").and_then(Value::as_str);
            let name = item.get("name").and_then(Value::as_str);
            let Some(alias) = alias
                .or(name)
                .filter(|alias| self.accept_model("VIBE_MODELS", alias))
            else {
                continue;
            };
            if !entry.models.iter().any(|known| known.name == alias) {
                entry.models.push(KnownModel {
                    name: alias.to_owned(),
                    description: name.map(str::to_owned),
                });
            }
            if let Some(name) = name.filter(|name| *name != alias) {
                entry
                    .aliases
                    .entry(name.to_ascii_lowercase())
                    .or_insert_with(|| alias.to_owned());
            }
        }
    }

    fn accept_model(&mut self, var: &str, name: &str) -> bool {
        match validate_value("model", name) {
            Ok(()) => true,
            Err(err) => {
                self.warnings
                    .push(format!("{var}: {name:?} ignored: {}", err.message));
                false
            }
        }
    }
}

fn empty_entry(provider: ProviderId) -> ProviderModels {
    ProviderModels {
        provider: provider.as_str().to_owned(),
        cli_aliases: cli_aliases(provider)
            .iter()
            .map(|alias| (*alias).to_owned())
            .collect(),
        model_via: match provider {
            ProviderId::Mistral => crate::vibe::MODEL_ENV.to_owned(),
            ProviderId::Claude | ProviderId::Codex | ProviderId::Gemini | ProviderId::Grok => {
                "--model".to_owned()
            }
        },
        ..ProviderModels::default()
    }
}

/// Names the CLIs document themselves (claude 2.1.330 `--help`; gemini 0.61.0 reports `auto`
/// when no model is given). Informational only: they pass through like any other name.
fn cli_aliases(provider: ProviderId) -> &'static [&'static str] {
    match provider {
        ProviderId::Claude => &["sonnet", "opus", "fable"],
        ProviderId::Gemini => &["auto"],
        ProviderId::Codex | ProviderId::Grok | ProviderId::Mistral => &[],
    }
}

fn is_default_keyword(name: &str) -> bool {
    name.eq_ignore_ascii_case("default") || name.eq_ignore_ascii_case("latest")
}

/// Comma- or newline-separated items, trimmed, empty ones dropped.
fn split_entries(text: &str) -> impl Iterator<Item = &str> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

/// `provider:alias=model` or the reference's `provider.alias=model`.
fn split_provider(item: &str) -> Option<(ProviderId, &str)> {
    [':', '.'].iter().find_map(|separator| {
        let (provider, rest) = item.split_once(*separator)?;
        Some((provider.parse::<ProviderId>().ok()?, rest))
    })
}

fn json_models(value: &Value) -> Vec<KnownModel> {
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(|item| match item {
                Value::String(name) => Some(KnownModel {
                    name: name.clone(),
                    description: None,
                }),
                Value::Object(object) => Some(KnownModel {
                    name: object
                        .get("name")
                        .or_else(|| object.get("id"))?
                        .as_str()?
                        .to_owned(),
                    description: object
                        .get("description")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                }),
                _ => None,
            })
            .collect(),
        Value::Object(object) => object
            .iter()
            .map(|(name, description)| KnownModel {
                name: name.clone(),
                description: description.as_str().map(str::to_owned),
            })
            .collect(),
        _ => Vec::new(),
    }
}
