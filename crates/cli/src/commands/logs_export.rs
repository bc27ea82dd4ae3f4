//! `logs export` and `logs stats`.
//!
//! `export` streams every matching row, oldest first, as NDJSON (one `logs` entry a line) or
//! CSV, through a buffered writer straight from the store's cursor: memory stays flat however
//! many rows there are (see bench/). `stats` aggregates the tool calls per tool (count, error
//! rate, p50/p95 duration) and shows how many records the gateways' recorders had to drop.

use std::io::{BufWriter, Write};
use std::process::ExitCode;
use std::time::Duration;

use gateway_store::logs::{ExportFilter, LogKind, LogRow};
use schemars::JsonSchema;
use serde::Serialize;

use super::envelope::{EnvelopeData, Failure, fail, finish};
use super::logs::LogEntry;
use super::output::{
    Align, CommonArgs, Style, Table, human_duration, open_store, or_dash, parse_duration, since_ms,
    timestamp,
};

#[derive(Debug, clap::Args)]
pub(crate) struct ExportArgs {
    /// Only rows recorded within this long (e.g. 24h, 7d); default: everything stored.
    #[arg(long, value_parser = parse_duration)]
    since: Option<Duration>,
    /// Only rows recorded more than this long ago (e.g. 1d).
    #[arg(long, value_parser = parse_duration)]
    until: Option<Duration>,
    /// ndjson: one `logs` entry (JSON) a line; csv: a header, then one row a line.
    #[arg(long, value_enum, default_value_t = Format::Ndjson)]
    format: Format,
    /// Only tool calls or only provider requests (default: both, merged by time).
    #[arg(long = "type", value_enum)]
    kind: Option<KindArg>,
    /// The database file or `postgres://` URL (default: LLM_GATEWAY_DATABASE_URL, else
    /// LLM_GATEWAY_LOGS_DB, else $LLM_GATEWAY_HOME/logs.db).
    #[arg(long, value_name = "PATH|URL")]
    db: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Ndjson,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "camelCase")]
enum KindArg {
    ToolCall,
    Request,
}

#[derive(Debug, clap::Args)]
pub(crate) struct StatsArgs {
    /// Only tool calls recorded within this long (e.g. 24h, 7d).
    #[arg(long, value_parser = parse_duration)]
    since: Option<Duration>,
    #[command(flatten)]
    common: CommonArgs,
}

/// Columns of the CSV export: the `logs` entry fields (JSON names), empty where a row has none.
const CSV_COLUMNS: [&str; 19] = [
    "type",
    "id",
    "atMs",
    "tool",
    "provider",
    "model",
    "clientName",
    "clientVersion",
    "status",
    "isError",
    "durationMs",
    "inputTokens",
    "outputTokens",
    "costUsd",
    "costEstimated",
    "jobId",
    "validationId",
    "error",
    "resultSummary",
];

pub(crate) fn export(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let common = CommonArgs {
        json: false,
        db: args.db.clone(),
    };
    let filter = ExportFilter {
        since_ms: since_ms(args.since),
        until_ms: since_ms(args.until),
        kind: args.kind.map(|kind| match kind {
            KindArg::ToolCall => LogKind::ToolCall,
            KindArg::Request => LogKind::Request,
        }),
    };
    let written = open_store(&common).and_then(|store| {
        let mut out = BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
        if args.format == Format::Csv {
            writeln!(out, "{}", CSV_COLUMNS.join(","))?;
        }
        store.export(&filter, |row| write_row(&mut out, args.format, row))?;
        out.flush()?;
        Ok(())
    });
    match written {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(failure) => fail("error", false, &failure),
    }
}

fn write_row(out: &mut impl Write, format: Format, row: LogRow) -> Result<(), Failure> {
    let entry = match row {
        LogRow::ToolCall(call) => LogEntry::from(call),
        LogRow::Request(request) => LogEntry::from(request),
    };
    let json = |error: serde_json::Error| Failure::from(std::io::Error::from(error));
    if format == Format::Ndjson {
        serde_json::to_writer(&mut *out, &entry).map_err(json)?;
        out.write_all(b"\n")?;
        return Ok(());
    }
    let value = serde_json::to_value(&entry).map_err(json)?;
    let cells: Vec<String> = CSV_COLUMNS
        .iter()
        .map(|column| match value.get(column) {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(text)) => csv_field(text),
            Some(other) => other.to_string(),
        })
        .collect();
    writeln!(out, "{}", cells.join(","))?;
    Ok(())
}

/// A CSV field (RFC 4180): quoted when it holds a comma, quote or line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// Tool calls of one tool.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct ToolStatsRow {
    pub(crate) tool: String,
    pub(crate) calls: i64,
    pub(crate) errors: i64,
    /// errors / calls.
    pub(crate) error_rate: f64,
    /// Median duration (histogram bucket midpoint), ms.
    pub(crate) p50_ms: Option<i64>,
    pub(crate) p95_ms: Option<i64>,
}

/// Records one gateway process's recorder dropped.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct DropRow {
    pub(crate) instance: String,
    pub(crate) dropped: i64,
    pub(crate) updated_at_ms: i64,
}

/// `data` of `logs-stats`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct StatsData {
    /// Start of the window (ms since the epoch), `null` for everything stored.
    pub(crate) since_ms: Option<i64>,
    /// One row per tool, by name.
    pub(crate) tools: Vec<ToolStatsRow>,
    /// Tool-call records the recorders could not keep (their queue was full), all processes.
    pub(crate) dropped: i64,
    /// The drop count each gateway process stored, most recent first.
    pub(crate) drops: Vec<DropRow>,
}

impl EnvelopeData for StatsData {
    fn count(&self) -> Option<usize> {
        Some(self.tools.len())
    }
}

pub(crate) fn stats(args: &StatsArgs) -> anyhow::Result<ExitCode> {
    finish("logs-stats", args.common.json, collect(args), render_stats)
}

fn collect(args: &StatsArgs) -> Result<StatsData, Failure> {
    let store = open_store(&args.common)?;
    let since = since_ms(args.since);
    let tools = store
        .tool_stats(since, None)?
        .into_iter()
        .map(|stats| ToolStatsRow {
            error_rate: if stats.calls > 0 {
                stats.errors as f64 / stats.calls as f64
            } else {
                0.0
            },
            p50_ms: stats.durations.quantile(0.5),
            p95_ms: stats.durations.quantile(0.95),
            tool: stats.tool,
            calls: stats.calls,
            errors: stats.errors,
        })
        .collect();
    let drops: Vec<DropRow> = store
        .recorder_drops()?
        .into_iter()
        .map(|drop| DropRow {
            instance: drop.instance,
            dropped: drop.dropped,
            updated_at_ms: drop.updated_at_ms,
        })
        .collect();
    Ok(StatsData {
        since_ms: since,
        tools,
        dropped: drops.iter().map(|drop| drop.dropped).sum(),
        drops,
    })
}

fn render_stats(data: &StatsData, style: &Style) -> String {
    let mut table = Table::new(&[
        ("TOOL", Align::Left),
        ("CALLS", Align::Right),
        ("ERRORS", Align::Right),
        ("ERROR RATE", Align::Right),
        ("P50", Align::Right),
        ("P95", Align::Right),
    ]);
    for row in &data.tools {
        table.row(vec![
            row.tool.clone(),
            row.calls.to_string(),
            row.errors.to_string(),
            format!("{:.1}%", row.error_rate * 100.0),
            or_dash(row.p50_ms.map(human_duration)),
            or_dash(row.p95_ms.map(human_duration)),
        ]);
    }
    let mut text = if data.tools.is_empty() {
        "no tool calls recorded in this window\n".to_owned()
    } else {
        table.render(style)
    };
    let last = data.drops.first().map(|drop| drop.updated_at_ms);
    text.push_str(&format!(
        "dropped records: {}{}\n",
        data.dropped,
        last.map_or_else(String::new, |at| format!(
            " (last counted {})",
            timestamp(at)
        ))
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        let cases = [
            ("plain", "plain"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            ("", ""),
        ];
        for (text, field) in cases {
            assert_eq!(csv_field(text), field);
        }
    }
}
