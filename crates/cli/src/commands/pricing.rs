//! `usage pricing`: the price table cost estimates use (shipped defaults with the date they
//! were taken, `config.toml` `[pricing]` on top) and the daily budgets with today's spend.

use std::process::ExitCode;

use gateway_store::query::ReadStore;
use schemars::JsonSchema;
use serde::Serialize;

use super::envelope::{EnvelopeData, Failure, finish};
use super::output::{Align, CommonArgs, Style, Table, open_store};

/// One price row, USD per million tokens.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct PriceRow {
    pub(crate) provider: String,
    /// A model id prefix (the longest one that starts a model's id applies), or `*` for the
    /// provider's other models.
    pub(crate) model: String,
    pub(crate) input_per_mtok: f64,
    pub(crate) cached_input_per_mtok: f64,
    pub(crate) output_per_mtok: f64,
    /// `default <date taken>` or `config.toml`.
    pub(crate) source: String,
}

/// A daily budget and today's spend against it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct BudgetRow {
    /// `all` (every provider together) or a provider.
    pub(crate) scope: String,
    pub(crate) daily_usd: f64,
    /// Spent today (UTC), estimates included; `null` without a database.
    pub(crate) spent_usd: Option<f64>,
}

/// `data` of `usage-pricing`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct PricingData {
    /// When the shipped prices were taken.
    pub(crate) defaults_taken: String,
    pub(crate) prices: Vec<PriceRow>,
    pub(crate) budgets: Vec<BudgetRow>,
    /// Entries of config.toml that could not be used.
    pub(crate) problems: Vec<String>,
}

impl EnvelopeData for PricingData {
    fn count(&self) -> Option<usize> {
        Some(self.prices.len())
    }
}

pub(crate) fn run(common: &CommonArgs) -> anyhow::Result<ExitCode> {
    finish("usage-pricing", common.json, collect(common), render)
}

fn collect(common: &CommonArgs) -> Result<PricingData, Failure> {
    let policy = super::cost::load();
    // Spend needs the database; the table does not.
    let spent = match open_store(common) {
        Ok(store) => budget_rows(&store)?,
        Err(_) => Vec::new(),
    };
    let mut prices: Vec<PriceRow> = policy
        .prices
        .into_iter()
        .map(|price| PriceRow {
            provider: price.provider,
            model: price.model,
            input_per_mtok: price.input_per_mtok,
            cached_input_per_mtok: price.cached_input_per_mtok,
            output_per_mtok: price.output_per_mtok,
            source: price.source,
        })
        .collect();
    prices.sort_by(|a, b| (&a.provider, &a.model).cmp(&(&b.provider, &b.model)));
    Ok(PricingData {
        defaults_taken: gateway_provider::pricing::PRICES_TAKEN.to_owned(),
        prices,
        budgets: policy
            .budgets
            .into_iter()
            .map(|budget| BudgetRow {
                spent_usd: spent
                    .iter()
                    .find(|row| row.scope == budget.scope)
                    .and_then(|row| row.spent_usd),
                scope: budget.scope,
                daily_usd: budget.daily_usd,
            })
            .collect(),
        problems: policy.problems,
    })
}

/// The budgets a gateway stored, with today's spend.
pub(crate) fn budget_rows(store: &ReadStore) -> Result<Vec<BudgetRow>, Failure> {
    Ok(store
        .budgets(gateway_store::now_ms())?
        .into_iter()
        .map(|status| BudgetRow {
            scope: status.scope,
            daily_usd: status.daily_usd,
            spent_usd: Some(status.spent_usd),
        })
        .collect())
}

/// `budget all: $1.2000 of $5.00 today (24%)` lines; nothing without budgets.
pub(crate) fn render_budgets(budgets: &[BudgetRow]) -> String {
    budgets
        .iter()
        .map(|budget| {
            let spent = budget.spent_usd.map_or_else(
                || "-".to_owned(),
                |spent| {
                    let share = if budget.daily_usd > 0.0 {
                        format!(" ({:.0}%)", spent * 100.0 / budget.daily_usd)
                    } else {
                        String::new()
                    };
                    format!("${spent:.4}{share}")
                },
            );
            format!(
                "{:<14} {spent} of ${:.2} today (UTC)\n",
                format!("budget {}:", budget.scope),
                budget.daily_usd
            )
        })
        .collect()
}

fn render(data: &PricingData, style: &Style) -> String {
    let mut table = Table::new(&[
        ("PROVIDER", Align::Left),
        ("MODEL", Align::Left),
        ("IN $/1M", Align::Right),
        ("CACHED $/1M", Align::Right),
        ("OUT $/1M", Align::Right),
        ("SOURCE", Align::Left),
    ]);
    for price in &data.prices {
        table.row(vec![
            price.provider.clone(),
            price.model.clone(),
            format!("{:.3}", price.input_per_mtok),
            format!("{:.3}", price.cached_input_per_mtok),
            format!("{:.3}", price.output_per_mtok),
            price.source.clone(),
        ]);
    }
    let mut text = table.render(style);
    text.push_str(&render_budgets(&data.budgets));
    for problem in &data.problems {
        text.push_str(&format!("config.toml: {problem}\n"));
    }
    text
}
