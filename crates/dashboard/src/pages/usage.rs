//! `/usage?days=N`: requests, failures, tokens, cost and p50/p95 latency per UTC day, per
//! provider and per model — charts (server-rendered SVG) and the tables behind them. Days and
//! providers come from the rollups (`usage` command's source). The rollups have no model, so
//! the per-model table is summed from the window's requests (about 150 ms over 100,000 of them)
//! and kept a minute, refreshed in the background while the last sums are shown.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::response::IntoResponse;
use gateway_store::browse::{ModelUsage, timestamp};
use gateway_store::now_ms;
use gateway_store::query::{
    DAY_MS, UsageGroup, UsageGrouping, UsageTotals, day_label, group_usage,
};
use maud::{Markup, html};
use serde::Deserialize;

use crate::chart::{Bar, bars};
use crate::view::{count, duration, page, raw};
use crate::{App, PageError, PageResult};

const WINDOWS: [i64; 4] = [1, 7, 30, 90];
pub(crate) const DEFAULT_DAYS: i64 = 30;
/// How long per-model sums are shown before they are made again.
const FRESH: Duration = Duration::from_secs(60);

type ModelSums = Arc<(i64, Vec<ModelUsage>)>;

/// Per-model sums per window (days), with when they were made.
#[derive(Debug, Default)]
pub(crate) struct ModelCache {
    slots: Mutex<HashMap<i64, (Instant, ModelSums)>>,
}

/// First UTC midnight of a window of `days` whole days ending today.
fn window_start(days: i64) -> i64 {
    (now_ms().div_euclid(DAY_MS) - (days - 1)) * DAY_MS
}

async fn sum_models(app: &Arc<App>, days: i64) -> Result<ModelSums, PageError> {
    let since = window_start(days);
    let models = app
        .read(move |store| Ok(store.usage_by_model(since)?))
        .await?;
    let sums: ModelSums = Arc::new((now_ms(), models));
    let mut slots = app
        .models
        .slots
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    slots.insert(days, (Instant::now(), Arc::clone(&sums)));
    Ok(sums)
}

/// The per-model sums of a window and when they were made: made now the first time, else the
/// last ones (a stale one starts a refresh in the background).
pub(crate) async fn models(app: &Arc<App>, days: i64) -> Result<ModelSums, PageError> {
    let cached = {
        let mut slots = app
            .models
            .slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        slots.get_mut(&days).map(|(made, sums)| {
            let stale = made.elapsed() >= FRESH;
            if stale {
                *made = Instant::now(); // one refresh at a time
            }
            (stale, Arc::clone(sums))
        })
    };
    match cached {
        Some((stale, sums)) => {
            if stale {
                let app = Arc::clone(app);
                tokio::spawn(async move { sum_models(&app, days).await });
            }
            Ok(sums)
        }
        None => sum_models(app, days).await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct UsageQuery {
    days: Option<i64>,
}

pub(crate) async fn show(
    State(app): State<Arc<App>>,
    Query(query): Query<UsageQuery>,
) -> PageResult {
    let days = query
        .days
        .filter(|days| WINDOWS.contains(days))
        .unwrap_or(DEFAULT_DAYS);
    let since = window_start(days);
    let cells = app
        .read(move |store| Ok(store.usage(Some(since), None)?))
        .await?;
    let models = models(&app, days).await?;
    let per_day = group_usage(&cells, UsageGrouping::Day);
    let per_provider = group_usage(&cells, UsageGrouping::Provider);
    let first_day = since.div_euclid(DAY_MS);
    let requests = daily(&per_day, first_day, days, |group| {
        (group.totals.requests as f64, group.totals.failures as f64)
    });
    let cost = daily(&per_day, first_day, days, |group| {
        (group.totals.cost_usd, 0.0)
    });
    let body = html! {
        nav.windows aria-label="Window" {
            @for window in WINDOWS {
                @if window == days { strong aria-current="page" { (window) "d" } }
                @else { a href={ "/usage?days=" (window) } { (window) "d" } }
                " "
            }
        }
        h2 { "Requests per day" }
        figure { (raw(bars("Requests per day (failures in red)", &requests, "failed", |v| count(v as i64)))) }
        h2 { "Cost per day" }
        figure { (raw(bars("Cost per day in USD", &cost, "", |v| format!("${v:.4}")))) }
        h2 { "Per day" }
        (table("Day", per_day.iter().map(|group| (group.key.clone(), group)).collect()))
        h2 { "Per provider" }
        (table("Provider", per_provider.iter().map(|group| (group.key.clone(), group)).collect()))
        h2 { "Per model" }
        p.note { "Summed from the requests, as of " (timestamp(models.0)) " UTC (made again each minute)." }
        (table("Model", model_groups(&models.1).iter().map(|group| (group.key.clone(), group)).collect()))
    };
    Ok(page(&format!("Usage, last {days} days (UTC)"), "/usage", body).into_response())
}

/// One bar per day of the window (days without requests are empty bars), labelled `MM-DD`.
fn daily(
    per_day: &[UsageGroup],
    first_day: i64,
    days: i64,
    figures: fn(&UsageGroup) -> (f64, f64),
) -> Vec<Bar> {
    (first_day..first_day + days)
        .map(|day| {
            let label = day_label(day);
            let (value, overlay) = per_day
                .iter()
                .find(|group| group.key == label)
                .map_or((0.0, 0.0), figures);
            Bar {
                label: label.get(5..).unwrap_or(&label).to_owned(),
                value,
                overlay,
            }
        })
        .collect()
}

/// Model rows in the shape of the other tables (`provider · model`).
fn model_groups(models: &[ModelUsage]) -> Vec<UsageGroup> {
    models
        .iter()
        .map(|usage| UsageGroup {
            key: format!(
                "{} · {}",
                usage.provider,
                usage.model.as_deref().unwrap_or("default")
            ),
            totals: usage.totals,
            median_ms: usage.durations.quantile(0.5),
            p95_ms: usage.durations.quantile(0.95),
        })
        .collect()
}

fn table(key: &str, rows: Vec<(String, &UsageGroup)>) -> Markup {
    html! {
        table.usage {
            thead { tr {
                th scope="col" { (key) }
                @for head in ["Requests", "Failed", "Input", "Output", "Cache read", "Cache write", "Cost", "p50", "p95"] {
                    th.num scope="col" { (head) }
                }
            } }
            tbody {
                @if rows.is_empty() { tr { td colspan="10" { "No requests in this window." } } }
                @for (label, group) in &rows {
                    @let UsageTotals { requests, failures, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, cost_usd } = group.totals;
                    tr {
                        th scope="row" { (label) }
                        @for figure in [requests, failures, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens] {
                            td.num { (count(figure)) }
                        }
                        td.num { (format!("${cost_usd:.4}")) }
                        td.num { (duration(group.median_ms)) }
                        td.num { (duration(group.p95_ms)) }
                    }
                }
            }
        }
    }
}
