//! The cost policy: the shipped price table with `config.toml` `[pricing]` on top, and the
//! `[budget]` daily limits. Every command that starts a job service stores it in the database
//! (`apply`), where the store estimates costs and enforces budgets for every process.
//!
//! ```toml
//! [pricing.codex]
//! "gpt-5-codex" = { input = 1.25, cached_input = 0.125, output = 10.0 }  # USD per 1M tokens
//! [budget]
//! daily_usd = 20.0          # all providers together, per UTC day
//! [budget.providers]
//! codex = 5.0
//! ```

use std::path::PathBuf;

use gateway_provider::pricing::{DEFAULT_PRICES, PRICES_TAKEN};
use gateway_store::costs::{Budget, ModelPrice};

/// The prices and budgets in force, and what in the file could not be used.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct CostPolicy {
    pub(crate) prices: Vec<ModelPrice>,
    pub(crate) budgets: Vec<Budget>,
    pub(crate) problems: Vec<String>,
}

/// `$LLM_GATEWAY_CONFIG`, else `config.toml` in the data directory (as the job settings).
fn config_path() -> PathBuf {
    std::env::var_os(gateway_core::env::CONFIG)
        .filter(|value| !value.is_empty())
        .map_or_else(
            || gateway_jobs::data_dir_from_env().join("config.toml"),
            PathBuf::from,
        )
}

/// The policy from the config file (defaults alone when there is none).
pub(crate) fn load() -> CostPolicy {
    policy(&std::fs::read_to_string(config_path()).unwrap_or_default())
}

/// Stores the policy for every process sharing the database; problems go to the log.
pub(crate) async fn apply(jobs: &gateway_jobs::JobService) -> anyhow::Result<()> {
    let policy = load();
    for problem in &policy.problems {
        tracing::warn!("config.toml: {problem}");
    }
    jobs.records()
        .set_cost_policy(policy.prices, policy.budgets)
        .await?;
    Ok(())
}

/// The policy of a config file's text. Pure.
pub(crate) fn policy(text: &str) -> CostPolicy {
    let mut policy = CostPolicy {
        prices: DEFAULT_PRICES
            .iter()
            .map(|row| ModelPrice {
                provider: row.provider.as_str().to_owned(),
                model: row.model.to_owned(),
                input_per_mtok: row.input,
                cached_input_per_mtok: row.cached_input,
                output_per_mtok: row.output,
                source: format!("default {PRICES_TAKEN}"),
            })
            .collect(),
        ..CostPolicy::default()
    };
    let table = match text.parse::<toml::Table>() {
        Ok(table) => table,
        Err(error) => {
            policy.problems.push(format!("not valid TOML: {error}"));
            return policy;
        }
    };
    for (provider, models) in table
        .get("pricing")
        .and_then(toml::Value::as_table)
        .into_iter()
        .flatten()
    {
        for (model, row) in models.as_table().into_iter().flatten() {
            match override_price(provider, model, row) {
                Ok(price) => {
                    policy
                        .prices
                        .retain(|old| (&old.provider, &old.model) != (provider, model));
                    policy.prices.push(price);
                }
                Err(problem) => policy.problems.push(problem),
            }
        }
    }
    if let Some(budget) = table.get("budget").and_then(toml::Value::as_table) {
        read_budgets(budget, &mut policy);
    }
    policy
}

fn override_price(provider: &str, model: &str, row: &toml::Value) -> Result<ModelPrice, String> {
    let known = provider
        .parse::<gateway_core::ProviderId>()
        .map_err(|_| format!("[pricing.{provider}]: not a provider"))?;
    let field = |name: &str| {
        row.get(name)
            .and_then(|value| {
                value
                    .as_float()
                    .or(value.as_integer().map(|int| int as f64))
            })
            .filter(|value| *value >= 0.0)
    };
    let (Some(input), Some(output)) = (field("input"), field("output")) else {
        return Err(format!(
            "[pricing.{provider}] \"{model}\": needs input and output (USD per million tokens, ≥ 0)"
        ));
    };
    Ok(ModelPrice {
        provider: known.as_str().to_owned(),
        model: model.to_owned(),
        input_per_mtok: input,
        cached_input_per_mtok: field("cached_input").unwrap_or(input),
        output_per_mtok: output,
        source: "config.toml".to_owned(),
    })
}

fn read_budgets(budget: &toml::Table, policy: &mut CostPolicy) {
    if let Some(value) = budget.get("daily_usd") {
        add_budget(policy, "all", value, "[budget] daily_usd");
    }
    let providers = budget.get("providers").and_then(toml::Value::as_table);
    for (provider, value) in providers.into_iter().flatten() {
        let name = format!("[budget.providers] {provider}");
        match provider.parse::<gateway_core::ProviderId>() {
            Ok(known) => add_budget(policy, known.as_str(), value, &name),
            Err(_) => policy.problems.push(format!("{name}: not a provider")),
        }
    }
}

fn add_budget(policy: &mut CostPolicy, scope: &str, value: &toml::Value, name: &str) {
    match value
        .as_float()
        .or(value.as_integer().map(|int| int as f64))
        .filter(|usd| *usd >= 0.0)
    {
        Some(daily_usd) => policy.budgets.push(Budget {
            scope: scope.to_owned(),
            daily_usd,
        }),
        None => policy
            .problems
            .push(format!("{name}: not an amount in USD (≥ 0)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_overrides_prices_and_sets_budgets() {
        let policy = policy(
            r#"
[pricing.codex]
"gpt-5-codex" = { input = 2, cached_input = 0.2, output = 20.5 }
"*" = { input = 1.0 }
[pricing.nobody]
"x" = { input = 1, output = 1 }
[budget]
daily_usd = 10
[budget.providers]
gemini = 2.5
vibe = -1
"#,
        );
        let codex: Vec<(&str, f64, &str)> = policy
            .prices
            .iter()
            .filter(|price| price.provider == "codex")
            .map(|price| {
                (
                    price.model.as_str(),
                    price.output_per_mtok,
                    price.source.as_str(),
                )
            })
            .collect();
        assert!(
            codex.contains(&("gpt-5-codex", 20.5, "config.toml")),
            "{codex:?}"
        );
        assert!(
            codex.contains(&("*", 10.0, "default 2025-11-20")),
            "{codex:?}"
        );
        let budgets: Vec<(&str, f64)> = policy
            .budgets
            .iter()
            .map(|budget| (budget.scope.as_str(), budget.daily_usd))
            .collect();
        assert_eq!(budgets, [("all", 10.0), ("gemini", 2.5)]);
        assert_eq!(policy.problems.len(), 3, "{:?}", policy.problems);
        assert!(
            policy
                .problems
                .iter()
                .any(|p| p.contains("needs input and output"))
        );
        assert!(policy.problems.iter().any(|p| p.contains("nobody")));
        assert!(policy.problems.iter().any(|p| p.contains("vibe")));
    }

    #[test]
    fn no_file_means_the_shipped_prices_and_no_budget() {
        let policy = policy("");
        assert_eq!(policy.prices.len(), DEFAULT_PRICES.len());
        assert!(policy.budgets.is_empty() && policy.problems.is_empty());
    }
}
