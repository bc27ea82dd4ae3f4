//! `llm-cli-gateway logs [--follow] [--tool NAME] [--errors] [--job ID]`: the MCP tool calls
//! (which client called which tool, how long, error or not, the job it made) and the provider
//! requests, newest first; `--follow` then prints each new row as any gateway process records
//! it (a tool call when it ends, a request when it starts). `logs export` and `logs stats` are
//! in `logs_export.rs`.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use gateway_store::ToolCallRecord;
use gateway_store::query::{JobLookup, LogFilter, ReadStore, RequestSummary};
use schemars::JsonSchema;
use serde::Serialize;

use super::envelope::{EnvelopeData, Failure, emit_json, fail, finish};
use super::output::{
    Align, CommonArgs, Style, Table, human_duration, open_store, or_dash, timestamp, usd,
};

/// How often `--follow` re-reads the store.
const POLL: Duration = Duration::from_millis(200);

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct LogsArgs {
    #[command(subcommand)]
    command: Option<LogsCommand>,
    /// Keep printing new rows as they are recorded (NDJSON with --json).
    #[arg(long, short = 'f')]
    follow: bool,
    /// Only calls of this MCP tool, and requests it started.
    #[arg(long, value_name = "NAME")]
    tool: Option<String>,
    /// Only failed tool calls and failed or orphaned requests.
    #[arg(long)]
    errors: bool,
    /// Only the rows of this job (its id, or a unique prefix or suffix) or validation run:
    /// the tool calls that made or read it and its request.
    #[arg(long, value_name = "ID")]
    job: Option<String>,
    /// How many of the newest rows to print first.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    limit: u32,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, clap::Subcommand)]
enum LogsCommand {
    /// Stream every record (oldest first) as NDJSON or CSV, in bounded memory.
    Export(super::logs_export::ExportArgs),
    /// Tool calls per tool (count, error rate, p50/p95) and the recorders' dropped count.
    Stats(super::logs_export::StatsArgs),
}

/// One log row.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(tag = "type", rename_all = "camelCase")]
pub(crate) enum LogEntry {
    /// An MCP tool call, recorded when it ended.
    #[serde(rename_all = "camelCase")]
    ToolCall {
        id: i64,
        at_ms: i64,
        tool: String,
        client_name: Option<String>,
        client_version: Option<String>,
        duration_ms: i64,
        is_error: bool,
        /// The arguments, summarized and redacted by the server.
        args_summary: String,
        result_summary: Option<String>,
        /// The job the call made or read (its result's `jobId`).
        job_id: Option<String>,
        /// The validation, comparison or review run it made or read.
        validation_id: Option<String>,
    },
    /// A provider request (one job run), as last recorded.
    #[serde(rename_all = "camelCase")]
    Request {
        id: String,
        at_ms: i64,
        provider: String,
        model: Option<String>,
        origin_tool: Option<String>,
        /// `started`, then the job's terminal status.
        status: String,
        duration_ms: Option<i64>,
        input_tokens: Option<i64>,
        output_tokens: Option<i64>,
        cost_usd: Option<f64>,
        /// `costUsd` is the gateway's estimate (the CLI reported no cost).
        cost_estimated: bool,
        error: Option<String>,
        job_id: Option<String>,
    },
}

impl LogEntry {
    fn at_ms(&self) -> i64 {
        match self {
            LogEntry::ToolCall { at_ms, .. } | LogEntry::Request { at_ms, .. } => *at_ms,
        }
    }
}

impl From<ToolCallRecord> for LogEntry {
    fn from(call: ToolCallRecord) -> LogEntry {
        LogEntry::ToolCall {
            id: call.id,
            at_ms: call.created_at_ms,
            tool: call.tool,
            client_name: call.client_name,
            client_version: call.client_version,
            duration_ms: call.duration_ms,
            is_error: call.is_error,
            args_summary: call.args_summary,
            result_summary: call.result_summary,
            job_id: call.job_id,
            validation_id: call.validation_id,
        }
    }
}

impl From<RequestSummary> for LogEntry {
    fn from(request: RequestSummary) -> LogEntry {
        LogEntry::Request {
            id: request.id,
            at_ms: request.created_at_ms,
            provider: request.provider,
            model: request.model,
            origin_tool: request.origin_tool,
            status: request.status,
            duration_ms: request.duration_ms,
            input_tokens: request.input_tokens,
            output_tokens: request.output_tokens,
            cost_usd: request.cost_usd,
            cost_estimated: request.cost_estimated,
            error: request.error,
            job_id: request.job_id,
        }
    }
}

/// `data` of `logs`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct LogsData {
    /// Newest first.
    pub(crate) entries: Vec<LogEntry>,
    /// More rows matched than `--limit`.
    #[serde(skip)]
    pub(crate) truncated: bool,
}

impl EnvelopeData for LogsData {
    fn count(&self) -> Option<usize> {
        Some(self.entries.len())
    }
    fn truncated(&self) -> Option<bool> {
        Some(self.truncated)
    }
}

impl EnvelopeData for LogEntry {}

pub(crate) fn run(args: LogsArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        Some(LogsCommand::Export(export)) => return super::logs_export::export(export),
        Some(LogsCommand::Stats(stats)) => return super::logs_export::stats(stats),
        None => {}
    }
    if !args.follow {
        return finish("logs", args.common.json, recent(&args), |data, style| {
            render(&data.entries, style, true)
        });
    }
    match follow(&args) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(failure) => fail("log-entry", args.common.json, &failure),
    }
}

fn filter(args: &LogsArgs, job: Option<&str>, after: Option<i64>) -> LogFilter {
    LogFilter {
        tool: args.tool.clone(),
        errors_only: args.errors,
        job: job.map(str::to_owned),
        after,
        // One more than asked for: whether there were more.
        limit: args.limit + 1,
    }
}

/// The newest `limit` rows of both kinds, merged newest first; whether there were more.
fn newest(store: &ReadStore, args: &LogsArgs) -> Result<(Vec<LogEntry>, bool), Failure> {
    let job = job_filter(store, args)?;
    let calls = store.tool_calls(&filter(args, job.as_deref(), None))?;
    let requests = store.requests(&filter(args, job.as_deref(), None))?;
    let mut entries: Vec<LogEntry> = calls
        .into_iter()
        .map(LogEntry::from)
        .chain(requests.into_iter().map(LogEntry::from))
        .collect();
    entries.sort_by_key(|entry| std::cmp::Reverse(entry.at_ms()));
    let limit = usize::try_from(args.limit).unwrap_or(usize::MAX);
    let truncated = entries.len() > limit;
    entries.truncate(limit);
    Ok((entries, truncated))
}

/// `--job` as a full id: a job found by prefix or suffix, else the text as given (a
/// validation run's id).
fn job_filter(store: &ReadStore, args: &LogsArgs) -> Result<Option<String>, Failure> {
    let Some(id) = &args.job else {
        return Ok(None);
    };
    Ok(Some(match store.find_job(id)? {
        JobLookup::NotFound => id.clone(),
        lookup => super::jobs::found(id, lookup)?.id,
    }))
}

fn recent(args: &LogsArgs) -> Result<LogsData, Failure> {
    let store = open_store(&args.common)?;
    let (entries, truncated) = newest(&store, args)?;
    Ok(LogsData { entries, truncated })
}

/// Prints the newest rows (oldest of them first, as a log reads), then polls for new ones.
fn follow(args: &LogsArgs) -> Result<(), Failure> {
    let store = open_store(&args.common)?;
    let (mut call_cursor, mut request_cursor) = store.log_cursors()?;
    let (mut backlog, _) = newest(&store, args)?;
    let job = job_filter(&store, args)?;
    backlog.reverse();
    let style = Style::detect();
    if !args.common.json {
        write_human(&render(&backlog, &style, true))?;
    }
    emit_all(&backlog, args.common.json)?;
    loop {
        std::thread::sleep(POLL);
        let calls = store.tool_calls(&filter(args, job.as_deref(), Some(call_cursor)))?;
        let requests = store.requests(&filter(args, job.as_deref(), Some(request_cursor)))?;
        call_cursor = calls.last().map_or(call_cursor, |call| call.id);
        request_cursor = requests
            .last()
            .map_or(request_cursor, |request| request.rowid);
        let mut fresh: Vec<LogEntry> = calls
            .into_iter()
            .map(LogEntry::from)
            .chain(requests.into_iter().map(LogEntry::from))
            .collect();
        fresh.sort_by_key(LogEntry::at_ms);
        if !args.common.json && !fresh.is_empty() {
            write_human(&render(&fresh, &style, false))?;
        }
        emit_all(&fresh, args.common.json)?;
    }
}

fn emit_all(entries: &[LogEntry], json: bool) -> Result<(), Failure> {
    if json {
        for entry in entries {
            emit_json("log-entry", entry)?;
        }
    }
    Ok(())
}

fn write_human(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

/// Rows for people; follow mode prints later batches without the header.
fn render(entries: &[LogEntry], style: &Style, header: bool) -> String {
    if entries.is_empty() {
        return if header {
            "no log rows\n".to_owned()
        } else {
            String::new()
        };
    }
    let mut table = Table::new(&[
        ("TIME (UTC)", Align::Left),
        ("KIND", Align::Left),
        ("NAME", Align::Left),
        ("CLIENT / MODEL", Align::Left),
        ("DURATION", Align::Right),
        ("RESULT", Align::Left),
        ("DETAIL", Align::Left),
    ]);
    for entry in entries {
        table.row_colored(cells(entry));
    }
    let text = table.render(style);
    if header {
        text
    } else {
        text.split_once('\n')
            .map_or(text.clone(), |(_, rest)| rest.to_owned())
    }
}

fn cells(entry: &LogEntry) -> Vec<(String, &'static str)> {
    match entry {
        LogEntry::ToolCall {
            at_ms,
            tool,
            client_name,
            client_version,
            duration_ms,
            is_error,
            result_summary,
            ..
        } => vec![
            (timestamp(*at_ms), ""),
            ("tool".to_owned(), ""),
            (tool.clone(), ""),
            (
                match (client_name, client_version) {
                    (Some(name), Some(version)) => format!("{name} {version}"),
                    (Some(name), None) => name.clone(),
                    _ => "-".to_owned(),
                },
                "",
            ),
            (human_duration(*duration_ms), ""),
            if *is_error {
                ("error".to_owned(), "31")
            } else {
                ("ok".to_owned(), "32")
            },
            (one_line(result_summary.as_deref()), ""),
        ],
        LogEntry::Request {
            at_ms,
            provider,
            model,
            status,
            duration_ms,
            input_tokens,
            output_tokens,
            cost_usd,
            cost_estimated,
            error,
            ..
        } => vec![
            (timestamp(*at_ms), ""),
            ("request".to_owned(), ""),
            (provider.clone(), ""),
            (or_dash(model.as_deref()), ""),
            (or_dash(duration_ms.map(human_duration)), ""),
            (status.clone(), status_color(status)),
            (
                match error {
                    Some(error) => one_line(Some(error)),
                    None => format!(
                        "tokens {}/{} {}",
                        or_dash(*input_tokens),
                        or_dash(*output_tokens),
                        usd(*cost_usd, *cost_estimated)
                    ),
                },
                "",
            ),
        ],
    }
}

fn status_color(status: &str) -> &'static str {
    match status {
        "completed" => "32",
        "failed" | "orphaned" => "31",
        "started" => "33",
        _ => "2",
    }
}

fn one_line(text: Option<&str>) -> String {
    text.map_or_else(
        || "-".to_owned(),
        |text| gateway_core::event::one_line(text, 80),
    )
}
