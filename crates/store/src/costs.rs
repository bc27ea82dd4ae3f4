//! Estimated costs and daily budgets.
//!
//! A gateway stores its price table and budgets at start ([`Store::set_cost_policy`]), so every
//! process sharing the file, the per-job supervisors included, estimates and enforces the same
//! way without being told. A finished job whose CLI reported no cost (codex, gemini) gets
//! `tokens × price` from the most specific row for its provider (the longest model prefix,
//! else the provider's `*` row), marked `cost_estimated`. A submit is refused while today's
//! spend (UTC, from the usage rollups, estimates included) has reached a budget: checked in the
//! submit's own transaction, so racing processes cannot both slip past.

use crate::sql::{Db, Lock, params};
use gateway_core::RunOutcome;
use serde::Serialize;

use crate::query::{DAY_MS, ReadStore};
use crate::{Store, StoreError};

/// USD per million tokens of one model (`*`: the provider's other models).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelPrice {
    pub provider: String,
    pub model: String,
    pub input_per_mtok: f64,
    pub cached_input_per_mtok: f64,
    pub output_per_mtok: f64,
    /// Where the price comes from: `default 2025-11-20` or `config.toml`.
    pub source: String,
}

/// A daily budget: `all` providers together, or one provider.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Budget {
    pub scope: String,
    pub daily_usd: f64,
}

/// A budget and today's spend against it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetStatus {
    pub scope: String,
    pub daily_usd: f64,
    pub spent_usd: f64,
}

impl Store {
    /// Replaces the price table and the budgets (one transaction).
    pub fn set_cost_policy(
        &self,
        prices: &[ModelPrice],
        budgets: &[Budget],
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        let tx = conn.transaction(Lock::Rows)?;
        tx.run("DELETE FROM model_prices", params![])?;
        tx.run("DELETE FROM budgets", params![])?;
        for price in prices {
            tx.run(
                r"INSERT INTO model_prices (provider, model, input_per_mtok,
                    cached_input_per_mtok, output_per_mtok, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                  ON CONFLICT (provider, model) DO UPDATE SET
                    input_per_mtok = excluded.input_per_mtok,
                    cached_input_per_mtok = excluded.cached_input_per_mtok,
                    output_per_mtok = excluded.output_per_mtok, source = excluded.source",
                params![
                    price.provider,
                    price.model,
                    price.input_per_mtok,
                    price.cached_input_per_mtok,
                    price.output_per_mtok,
                    price.source
                ],
            )?;
        }
        for budget in budgets {
            tx.run(
                "INSERT INTO budgets (scope, daily_usd) VALUES (?1, ?2)
                 ON CONFLICT (scope) DO UPDATE SET daily_usd = excluded.daily_usd",
                params![budget.scope, budget.daily_usd],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// The price row for `model` of `provider`: the longest model prefix, else `*`.
fn price_for(
    tx: &Db,
    provider: &str,
    model: Option<&str>,
) -> Result<Option<(f64, f64, f64)>, StoreError> {
    tx.optional_row(
        r"SELECT input_per_mtok, cached_input_per_mtok, output_per_mtok FROM model_prices
              WHERE provider = ?1 AND (model = '*' OR substr(?2, 1, length(model)) = model)
              ORDER BY model = '*', length(model) DESC LIMIT 1",
        params![provider, model.unwrap_or("")],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )
}

/// The estimated cost of job `id`'s `outcome`, when it reported tokens and a price applies.
pub(crate) fn estimate(tx: &Db, id: &str, outcome: &RunOutcome) -> Result<Option<f64>, StoreError> {
    let usage = &outcome.usage;
    if usage.input_tokens.is_none() && usage.output_tokens.is_none() {
        return Ok(None);
    }
    let (provider, model): (String, Option<String>) = tx.row(
        "SELECT provider, coalesce(?2, model) FROM jobs WHERE id = ?1",
        params![id, outcome.model],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let Some((input, cached, output)) = price_for(tx, &provider, model.as_deref())? else {
        return Ok(None);
    };
    let tokens = |count: Option<u64>| count.unwrap_or(0) as f64;
    let usd = (tokens(usage.input_tokens) + tokens(usage.cache_creation_tokens)) * input
        + tokens(usage.cache_read_tokens) * cached
        + tokens(usage.output_tokens) * output;
    // Prices are per million tokens; whole micro-dollars.
    Ok(Some(usd.round() / 1e6))
}

/// Today's spend per budget that applies to `provider`; the first one reached, if any.
pub(crate) fn over_budget(
    tx: &Db,
    provider: &str,
    now_ms: i64,
) -> Result<Option<BudgetStatus>, StoreError> {
    Ok(budget_statuses(tx, Some(provider), now_ms)?
        .into_iter()
        .find(|status| status.spent_usd >= status.daily_usd))
}

/// Each budget (only those covering `provider`, when given) with today's spend.
fn budget_statuses(
    conn: &Db,
    provider: Option<&str>,
    now_ms: i64,
) -> Result<Vec<BudgetStatus>, StoreError> {
    let rows = conn.rows(
        r"SELECT b.scope, b.daily_usd, (SELECT coalesce(sum(u.cost_usd), 0.0) FROM usage_rollup u
              WHERE u.day = ?1 AND (b.scope = 'all' OR u.provider = b.scope))
          FROM budgets b WHERE CAST(?2 AS TEXT) IS NULL OR b.scope IN ('all', ?2) ORDER BY b.scope",
        params![now_ms.div_euclid(DAY_MS), provider],
        |row| {
            Ok(BudgetStatus {
                scope: row.get(0)?,
                daily_usd: row.get(1)?,
                spent_usd: row.get(2)?,
            })
        },
    )?;
    Ok(rows)
}

impl ReadStore {
    /// Every budget with today's spend (none before schema 5).
    pub fn budgets(&self, now_ms: i64) -> Result<Vec<BudgetStatus>, StoreError> {
        if self.schema_version()? < 5 {
            return Ok(Vec::new());
        }
        budget_statuses(&self.conn, None, now_ms)
    }

    /// The estimated part of the cost since `since_ms` per UTC day and provider.
    pub fn estimated_costs(
        &self,
        since_ms: Option<i64>,
    ) -> Result<Vec<(i64, String, f64)>, StoreError> {
        let rows = self.conn.rows(
            r"SELECT created_at / 86400000, provider, sum(cost_usd) FROM requests
              WHERE cost_estimated = 1 AND created_at >= ?1 GROUP BY 1, 2",
            params![since_ms.unwrap_or(i64::MIN)],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
        Ok(rows)
    }
}
