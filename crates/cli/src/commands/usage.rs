//! `llm-cli-gateway usage [summary|daily|providers] [--since DUR] [--provider P]`: requests,
//! tokens, cost, failures and median / p95 duration, from the store's usage rollups (so the
//! answer takes milliseconds however many requests are stored). Days are UTC days; durations
//! are exact to their histogram bucket (10 ms below 1 s, 5 % above). Costs the CLIs did not
//! report are the gateway's estimates (`~$`); `usage pricing` prints the price table and the
//! budgets with today's spend.

use std::process::ExitCode;
use std::time::Duration;

use gateway_store::query::{UsageGroup, UsageGrouping, group_usage};
use schemars::JsonSchema;
use serde::Serialize;

use super::envelope::{EnvelopeData, Failure, finish};
use super::output::{
    Align, CommonArgs, Style, Table, human_duration, open_store, or_dash, parse_duration, since_ms,
};

/// Width of the bar column of `usage daily`.
const BAR_WIDTH: usize = 30;

#[derive(Debug, clap::Args)]
pub(crate) struct UsageArgs {
    /// What to show (default: summary).
    #[arg(value_enum, default_value_t = View::Summary)]
    view: View,
    /// Only requests created within this long (e.g. 24h, 7d); default: everything stored.
    #[arg(long, value_parser = parse_duration)]
    since: Option<Duration>,
    /// Only this provider.
    #[arg(long)]
    provider: Option<String>,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum View {
    /// Totals over every provider.
    Summary,
    /// One row per UTC day, with a bar chart of requests.
    Daily,
    /// One row per provider.
    Providers,
    /// The price table estimates use, and the daily budgets with today's spend.
    Pricing,
}

/// Figures of one group of requests.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct UsageRow {
    /// `all`, a provider, or a UTC day `YYYY-MM-DD`.
    pub(crate) key: String,
    pub(crate) requests: i64,
    /// Requests that ended failed or orphaned.
    pub(crate) failures: i64,
    pub(crate) input_tokens: i64,
    pub(crate) output_tokens: i64,
    pub(crate) cache_read_tokens: i64,
    pub(crate) cache_creation_tokens: i64,
    pub(crate) cost_usd: f64,
    /// The part of `costUsd` the gateway estimated (the CLI reported no cost).
    pub(crate) estimated_cost_usd: f64,
    /// Median request duration (histogram bucket midpoint), ms.
    pub(crate) median_ms: Option<i64>,
    /// 95th percentile request duration, ms.
    pub(crate) p95_ms: Option<i64>,
}

impl From<UsageGroup> for UsageRow {
    fn from(group: UsageGroup) -> UsageRow {
        UsageRow {
            key: group.key,
            requests: group.totals.requests,
            failures: group.totals.failures,
            input_tokens: group.totals.input_tokens,
            output_tokens: group.totals.output_tokens,
            cache_read_tokens: group.totals.cache_read_tokens,
            cache_creation_tokens: group.totals.cache_creation_tokens,
            cost_usd: group.totals.cost_usd,
            estimated_cost_usd: 0.0,
            median_ms: group.median_ms,
            p95_ms: group.p95_ms,
        }
    }
}

/// `data` of `usage-summary`, `usage-daily` and `usage-providers`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct UsageData {
    /// Start of the window (ms since the epoch), `null` for everything stored.
    pub(crate) since_ms: Option<i64>,
    pub(crate) provider: Option<String>,
    /// One row (`all`) for summary; per day (ascending) or per provider otherwise.
    pub(crate) rows: Vec<UsageRow>,
    /// The daily budgets (`[budget]` of config.toml) with today's spend.
    pub(crate) budgets: Vec<super::pricing::BudgetRow>,
}

impl EnvelopeData for UsageData {
    fn count(&self) -> Option<usize> {
        Some(self.rows.len())
    }
}

pub(crate) fn run(args: UsageArgs) -> anyhow::Result<ExitCode> {
    let kind = match args.view {
        View::Summary => "usage-summary",
        View::Daily => "usage-daily",
        View::Providers => "usage-providers",
        View::Pricing => return super::pricing::run(&args.common),
    };
    let view = args.view;
    finish(kind, args.common.json, collect(&args), |data, style| {
        render(view, data, style)
    })
}

fn collect(args: &UsageArgs) -> Result<UsageData, Failure> {
    let store = open_store(&args.common)?;
    let since = since_ms(args.since);
    let cells = store.usage(since, args.provider.as_deref())?;
    let grouping = match args.view {
        View::Daily => UsageGrouping::Day,
        View::Providers => UsageGrouping::Provider,
        View::Summary | View::Pricing => UsageGrouping::Total,
    };
    let mut rows: Vec<UsageRow> = group_usage(&cells, grouping)
        .into_iter()
        .map(UsageRow::from)
        .collect();
    for (day, provider, cost) in store.estimated_costs(since)? {
        let key = match grouping {
            UsageGrouping::Total => "all".to_owned(),
            UsageGrouping::Day => gateway_store::query::day_label(day),
            UsageGrouping::Provider => provider.clone(),
        };
        let wanted = args.provider.as_ref().is_none_or(|only| *only == provider);
        if let Some(row) = rows.iter_mut().find(|row| row.key == key && wanted) {
            row.estimated_cost_usd = ((row.estimated_cost_usd + cost) * 1e6).round() / 1e6;
        }
    }
    Ok(UsageData {
        since_ms: since,
        provider: args.provider.clone(),
        rows,
        budgets: super::pricing::budget_rows(&store)?,
    })
}

fn render(view: View, data: &UsageData, style: &Style) -> String {
    match view {
        View::Summary => {
            let summary = data.rows.first().map_or_else(String::new, render_summary);
            summary + &super::pricing::render_budgets(&data.budgets)
        }
        View::Pricing => String::new(),
        View::Daily | View::Providers if data.rows.is_empty() => {
            "no requests recorded in this window\n".to_owned()
        }
        View::Daily => render_table("DAY (UTC)", &data.rows, true, style),
        View::Providers => render_table("PROVIDER", &data.rows, false, style),
    }
}

fn render_summary(row: &UsageRow) -> String {
    let lines = [
        ("requests", row.requests.to_string()),
        ("failures", failures(row)),
        ("input tokens", row.input_tokens.to_string()),
        ("output tokens", row.output_tokens.to_string()),
        ("cache read", row.cache_read_tokens.to_string()),
        ("cache write", row.cache_creation_tokens.to_string()),
        ("cost", cost(row, true)),
        ("median", or_dash(row.median_ms.map(human_duration))),
        ("p95", or_dash(row.p95_ms.map(human_duration))),
    ];
    lines
        .iter()
        .map(|(key, value)| format!("{:<14} {value}\n", format!("{key}:")))
        .collect()
}

/// `$1.2345`, or `~$1.2345` when part of it is an estimate (with `detail`, how much).
fn cost(row: &UsageRow, detail: bool) -> String {
    match (row.estimated_cost_usd > 0.0, detail) {
        (false, _) => format!("${:.4}", row.cost_usd),
        (true, false) => format!("~${:.4}", row.cost_usd),
        (true, true) => format!(
            "~${:.4} (${:.4} of it estimated)",
            row.cost_usd, row.estimated_cost_usd
        ),
    }
}

fn failures(row: &UsageRow) -> String {
    if row.requests == 0 {
        return row.failures.to_string();
    }
    format!(
        "{} ({:.1}%)",
        row.failures,
        row.failures as f64 * 100.0 / row.requests as f64
    )
}

fn render_table(key: &'static str, rows: &[UsageRow], bars: bool, style: &Style) -> String {
    let mut columns = vec![
        (key, Align::Left),
        ("REQUESTS", Align::Right),
        ("FAILED", Align::Right),
        ("IN", Align::Right),
        ("OUT", Align::Right),
        ("CACHE R/W", Align::Right),
        ("COST", Align::Right),
        ("MEDIAN", Align::Right),
        ("P95", Align::Right),
    ];
    if bars {
        columns.push(("", Align::Left));
    }
    let mut table = Table::new(&columns);
    let most = rows.iter().map(|row| row.requests).max().unwrap_or(0);
    for row in rows {
        let mut cells = vec![
            (row.key.clone(), ""),
            (row.requests.to_string(), ""),
            (
                row.failures.to_string(),
                if row.failures > 0 { "31" } else { "" },
            ),
            (row.input_tokens.to_string(), ""),
            (row.output_tokens.to_string(), ""),
            (
                format!("{}/{}", row.cache_read_tokens, row.cache_creation_tokens),
                "",
            ),
            (cost(row, false), ""),
            (or_dash(row.median_ms.map(human_duration)), ""),
            (or_dash(row.p95_ms.map(human_duration)), ""),
        ];
        if bars {
            cells.push((bar(row.requests, most), "36"));
        }
        table.row_colored(cells);
    }
    table.render(style)
}

/// A bar of `value` out of `most`, at least one cell for any non-zero value.
fn bar(value: i64, most: i64) -> String {
    if most <= 0 || value <= 0 {
        return String::new();
    }
    let cells = (value as f64 / most as f64 * BAR_WIDTH as f64).round() as usize;
    "█".repeat(cells.clamp(1, BAR_WIDTH))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, requests: i64, failures: i64) -> UsageRow {
        UsageRow {
            key: key.to_owned(),
            requests,
            failures,
            input_tokens: requests * 100,
            output_tokens: requests * 10,
            cache_read_tokens: 5,
            cache_creation_tokens: 1,
            cost_usd: requests as f64 * 0.01,
            estimated_cost_usd: if key.ends_with('1') { 0.005 } else { 0.0 },
            median_ms: Some(1_250),
            p95_ms: None,
        }
    }

    #[test]
    fn bars_scale_to_the_busiest_day() {
        let cases = [
            (0, 10, String::new()),
            (10, 10, "█".repeat(30)),
            (1, 1_000, "█".to_owned()),
            (5, 10, "█".repeat(15)),
        ];
        for (value, most, expected) in cases {
            assert_eq!(bar(value, most), expected, "{value}/{most}");
        }
    }

    #[test]
    fn daily_table_renders_for_people() {
        let data = UsageData {
            since_ms: None,
            provider: None,
            rows: vec![row("2026-11-20", 4, 1), row("2026-11-21", 8, 0)],
            budgets: Vec::new(),
        };
        insta::assert_snapshot!(render(View::Daily, &data, &Style { color: false }));
        insta::assert_snapshot!(render(View::Summary, &data, &Style { color: false }));
    }
}
