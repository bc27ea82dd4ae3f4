//! `llm-cli-gateway jobs list|show|tail|cancel`: the jobs of every gateway process sharing the
//! database, read from the store (read-only, so never in a running gateway's way).
//!
//! `cancel` works from any process: it wins the compare-and-swap to `canceled` in the store,
//! then signals the recorded process group itself (SIGTERM, SIGKILL after 5 s) once the
//! recorded leader's start time proves the pid was not reused. A live owning gateway sees its
//! child exit, loses its own final CAS and adopts `canceled`; when the owner is gone (its lock
//! file is free) nobody else would, so the signal is the whole cancel.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use gateway_core::JobStatus;
use gateway_jobs::cancel::{Canceled, cancel_job};
use gateway_store::query::{JobLookup, OutputCursor, ReadStore, short_id};
use gateway_store::{JobFilter, JobRecord, Store, StoreOptions, Stream, now_ms};
use schemars::JsonSchema;
use serde::Serialize;

use super::envelope::{EnvelopeData, Failure, emit_json, fail, finish};
use super::output::{
    Align, CommonArgs, Style, Table, human_duration, open_store, or_dash, parse_duration, since_ms,
    timestamp, usd,
};

/// How often follow modes re-read the store.
const POLL: Duration = Duration::from_millis(200);

#[derive(Debug, clap::Args)]
pub(crate) struct JobsArgs {
    #[command(subcommand)]
    command: JobsCommand,
}

#[derive(Debug, clap::Subcommand)]
enum JobsCommand {
    /// List jobs, newest first.
    List(ListArgs),
    /// Show one job: argv as run (redacted), status, timings, tokens, cost, session, error.
    Show(ShowArgs),
    /// Print a job's output; with --follow, stream it as it arrives until the job ends.
    Tail(TailArgs),
    /// Cancel a queued or running job, whichever gateway process runs it.
    Cancel(IdArgs),
}

#[derive(Debug, clap::Args)]
struct ListArgs {
    /// Only jobs in this status (repeat or comma-separate; `all`: any).
    #[arg(long, value_delimiter = ',', value_parser = parse_status)]
    status: Vec<Option<JobStatus>>,
    /// Only jobs of this provider (claude, codex, gemini, grok, mistral).
    #[arg(long)]
    provider: Option<String>,
    /// Only jobs created within this long (e.g. 30m, 12h, 7d).
    #[arg(long, value_parser = parse_duration)]
    since: Option<Duration>,
    /// At most this many jobs.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    limit: u32,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, clap::Args)]
struct IdArgs {
    /// The job id, or a unique prefix or suffix of it (at least 4 characters; `jobs list`
    /// shows the last 8).
    id: String,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, clap::Args)]
struct ShowArgs {
    #[command(flatten)]
    job: IdArgs,
    /// Print only the prompt as stored (secrets redacted).
    #[arg(long, conflicts_with = "output")]
    prompt: bool,
    /// Print only the captured answer.
    #[arg(long)]
    output: bool,
}

#[derive(Debug, clap::Args)]
struct TailArgs {
    /// The job id, or a unique prefix or suffix of it (`jobs list` shows the last 8).
    id: String,
    /// Keep printing output as it arrives until the job ends.
    #[arg(long, short = 'f')]
    follow: bool,
    #[command(flatten)]
    common: CommonArgs,
}

/// A status, or `None` for `all`.
fn parse_status(text: &str) -> Result<Option<JobStatus>, String> {
    if text == "all" {
        return Ok(None);
    }
    text.parse::<JobStatus>().map(Some).map_err(|_| {
        let known: Vec<&str> = JobStatus::ALL
            .iter()
            .map(|status| status.as_str())
            .collect();
        format!(
            "unknown status `{text}`; use one of {} (or all)",
            known.join(", ")
        )
    })
}

pub(crate) fn run(args: JobsArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        JobsCommand::List(args) => {
            let json = args.common.json;
            finish("jobs-list", json, list(&args), render_list)
        }
        JobsCommand::Show(args) if args.prompt || args.output => {
            let json = args.job.common.json;
            finish("job-text", json, text(&args), |data, _| {
                let end = if data.text.ends_with('\n') { "" } else { "\n" };
                format!("{}{end}", data.text)
            })
        }
        JobsCommand::Show(args) => {
            let json = args.job.common.json;
            finish("job", json, show(&args.job), render_show)
        }
        JobsCommand::Tail(args) => tail(&args),
        JobsCommand::Cancel(args) => {
            let json = args.common.json;
            finish("job-cancel", json, cancel(&args), render_cancel)
        }
    }
}

/// A job as `jobs list` and `jobs show` print it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct JobView {
    pub(crate) job_id: String,
    pub(crate) correlation_id: String,
    /// queued, running, completed, failed, canceled or orphaned.
    pub(crate) status: String,
    pub(crate) provider: String,
    pub(crate) model: Option<String>,
    pub(crate) program: String,
    /// Arguments as run, the prompt replaced by a marker, secrets redacted.
    pub(crate) argv: Vec<String>,
    pub(crate) cwd: Option<String>,
    pub(crate) origin_tool: Option<String>,
    pub(crate) owner_instance: String,
    pub(crate) pid: Option<i64>,
    pub(crate) exit_code: Option<i32>,
    pub(crate) error: Option<String>,
    pub(crate) error_category: Option<String>,
    pub(crate) created_at_ms: i64,
    pub(crate) started_at_ms: Option<i64>,
    pub(crate) finished_at_ms: Option<i64>,
    /// finished (or now, while running) minus started.
    pub(crate) duration_ms: Option<i64>,
    pub(crate) session_id: Option<String>,
    pub(crate) input_tokens: Option<u64>,
    pub(crate) output_tokens: Option<u64>,
    pub(crate) cache_read_tokens: Option<u64>,
    pub(crate) cache_creation_tokens: Option<u64>,
    pub(crate) cost_usd: Option<f64>,
    /// `costUsd` is the gateway's estimate from its price table (`usage pricing`): the CLI
    /// reported no cost.
    pub(crate) cost_estimated: bool,
    pub(crate) stdout_bytes: u64,
    pub(crate) stderr_bytes: u64,
    pub(crate) output_truncated: bool,
}

impl From<JobRecord> for JobView {
    fn from(record: JobRecord) -> JobView {
        let duration_ms = record.started_at_ms.map(|started| {
            record
                .finished_at_ms
                .unwrap_or_else(now_ms)
                .saturating_sub(started)
        });
        let outcome = record.outcome.unwrap_or_default();
        JobView {
            job_id: record.id,
            correlation_id: record.correlation_id,
            status: record.status.as_str().to_owned(),
            provider: record.provider,
            model: record.model.or(outcome.model),
            program: record.program,
            argv: record
                .argv
                .iter()
                .map(|arg| gateway_core::redact::redact(arg).into_owned())
                .collect(),
            cwd: record.cwd,
            origin_tool: record.origin_tool,
            owner_instance: record.owner_instance,
            pid: record.pid,
            exit_code: record.exit_code,
            error: record.error,
            error_category: record.error_category,
            created_at_ms: record.created_at_ms,
            started_at_ms: record.started_at_ms,
            finished_at_ms: record.finished_at_ms,
            duration_ms,
            session_id: outcome.session_id,
            input_tokens: outcome.usage.input_tokens,
            output_tokens: outcome.usage.output_tokens,
            cache_read_tokens: outcome.usage.cache_read_tokens,
            cache_creation_tokens: outcome.usage.cache_creation_tokens,
            cost_usd: outcome.cost_usd,
            cost_estimated: outcome.cost_estimated,
            stdout_bytes: record.stdout_bytes,
            stderr_bytes: record.stderr_bytes,
            output_truncated: record.output_truncated,
        }
    }
}

/// `data` of `jobs-list`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct JobsListData {
    /// Newest first.
    pub(crate) jobs: Vec<JobView>,
    /// More jobs matched than `--limit`.
    #[serde(skip)]
    pub(crate) truncated: bool,
}

impl EnvelopeData for JobsListData {
    fn count(&self) -> Option<usize> {
        Some(self.jobs.len())
    }
    fn truncated(&self) -> Option<bool> {
        Some(self.truncated)
    }
}

impl EnvelopeData for JobView {}
impl EnvelopeData for TailEvent {}
impl EnvelopeData for CancelData {}

fn list(args: &ListArgs) -> Result<JobsListData, Failure> {
    let store = open_store(&args.common)?;
    let filter = JobFilter {
        // `all` anywhere in the list means no status filter.
        statuses: args
            .status
            .iter()
            .copied()
            .collect::<Option<Vec<_>>>()
            .unwrap_or_default(),
        provider: args.provider.clone(),
        created_after_ms: since_ms(args.since),
        created_before_ms: None,
        limit: Some(args.limit + 1),
    };
    let mut jobs = store.jobs(&filter)?;
    let truncated = jobs.len() > args.limit as usize;
    jobs.truncate(args.limit as usize);
    Ok(JobsListData {
        jobs: jobs.into_iter().map(JobView::from).collect(),
        truncated,
    })
}

fn tokens(view: &JobView) -> String {
    match (view.input_tokens, view.output_tokens) {
        (None, None) => "-".to_owned(),
        (input, output) => format!("{}/{}", or_dash(input), or_dash(output)),
    }
}

fn status_color(status: &str) -> &'static str {
    match status {
        "completed" => "32",
        "failed" | "orphaned" => "31",
        "running" | "queued" => "33",
        _ => "2",
    }
}

fn render_list(data: &JobsListData, style: &Style) -> String {
    if data.jobs.is_empty() {
        return "no jobs\n".to_owned();
    }
    let mut table = Table::new(&[
        ("ID", Align::Left),
        ("STATUS", Align::Left),
        ("PROVIDER", Align::Left),
        ("MODEL", Align::Left),
        ("CREATED (UTC)", Align::Left),
        ("DURATION", Align::Right),
        ("TOKENS IN/OUT", Align::Right),
        ("COST", Align::Right),
    ]);
    for job in &data.jobs {
        table.row_colored(vec![
            (short_id(&job.job_id).to_owned(), ""),
            (job.status.clone(), status_color(&job.status)),
            (job.provider.clone(), ""),
            (or_dash(job.model.as_deref()), ""),
            (timestamp(job.created_at_ms), ""),
            (or_dash(job.duration_ms.map(human_duration)), ""),
            (tokens(job), ""),
            (usd(job.cost_usd, job.cost_estimated), ""),
        ]);
    }
    table.render(style)
}

/// Finds a job by id, prefix or suffix, as a failure when there is none or several.
fn lookup(store: &ReadStore, id: &str) -> Result<JobRecord, Failure> {
    found(id, store.find_job(id)?)
}

/// The job a lookup of `id` found, as a failure when there is none or several.
pub(crate) fn found(id: &str, lookup: JobLookup) -> Result<JobRecord, Failure> {
    match lookup {
        JobLookup::Found(record) => Ok(*record),
        JobLookup::NotFound => Err(Failure::new(
            "not_found",
            format!("no job `{id}`; `llm-cli-gateway jobs list` shows the recent ones"),
        )),
        JobLookup::Ambiguous { ids, more } => Err(Failure::new(
            "ambiguous",
            format!(
                "`{id}` matches several jobs: {}{}; give more of the id",
                ids.join(", "),
                if more { ", …" } else { "" }
            ),
        )),
    }
}

fn show(args: &IdArgs) -> Result<JobView, Failure> {
    let store = open_store(&args.common)?;
    Ok(JobView::from(lookup(&store, &args.id)?))
}

/// `data` of `job-text`: the prompt or the answer of a job.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct JobText {
    pub(crate) job_id: String,
    /// `prompt` or `output`.
    pub(crate) part: String,
    pub(crate) text: String,
}

impl EnvelopeData for JobText {}

fn text(args: &ShowArgs) -> Result<JobText, Failure> {
    let store = open_store(&args.job.common)?;
    let job = lookup(&store, &args.job.id)?;
    let (part, text) = if args.prompt {
        let prompt = store.prompt(&job.id)?.ok_or_else(|| {
            Failure::new("not_found", format!("job {} has no stored prompt", job.id))
                .with_hint("the prompt goes with the job's request row, pruned by retention")
        })?;
        ("prompt", prompt)
    } else {
        let answer = job.outcome.map(|outcome| outcome.text).unwrap_or_default();
        ("output", answer)
    };
    Ok(JobText {
        job_id: job.id,
        part: part.to_owned(),
        text,
    })
}

/// Quotes an argument for display when a shell would split or expand it.
fn shell_word(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
    if plain {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

fn render_show(job: &JobView, style: &Style) -> String {
    let mut lines: Vec<(&str, String)> = vec![
        ("job", job.job_id.clone()),
        ("status", style.status(&job.status)),
        ("provider", job.provider.clone()),
        ("model", or_dash(job.model.as_deref())),
        (
            "argv",
            std::iter::once(job.program.as_str())
                .chain(job.argv.iter().map(String::as_str))
                .map(shell_word)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        ("cwd", or_dash(job.cwd.as_deref())),
        ("origin tool", or_dash(job.origin_tool.as_deref())),
        ("correlation", job.correlation_id.clone()),
        ("owner", job.owner_instance.clone()),
        ("pid", or_dash(job.pid)),
        ("created", timestamp(job.created_at_ms)),
        ("started", or_dash(job.started_at_ms.map(timestamp))),
        ("finished", or_dash(job.finished_at_ms.map(timestamp))),
        ("duration", or_dash(job.duration_ms.map(human_duration))),
        ("exit code", or_dash(job.exit_code)),
        ("session", or_dash(job.session_id.as_deref())),
        (
            "tokens",
            format!(
                "in {} / out {} / cache read {} / cache write {}",
                or_dash(job.input_tokens),
                or_dash(job.output_tokens),
                or_dash(job.cache_read_tokens),
                or_dash(job.cache_creation_tokens)
            ),
        ),
        ("cost", usd(job.cost_usd, job.cost_estimated)),
        (
            "output",
            format!(
                "stdout {} B, stderr {} B{}",
                job.stdout_bytes,
                job.stderr_bytes,
                if job.output_truncated {
                    " (truncated)"
                } else {
                    ""
                }
            ),
        ),
    ];
    if let Some(error) = &job.error {
        let category = job
            .error_category
            .as_deref()
            .map_or_else(String::new, |category| format!(" [{category}]"));
        lines.push(("error", format!("{}{category}", style.paint(error, "31"))));
    }
    lines
        .into_iter()
        .map(|(key, value)| format!("{:<12} {value}\n", format!("{key}:")))
        .collect()
}

/// One NDJSON line of `jobs tail --json`: an output chunk, then a last `end` line.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(tag = "type", rename_all = "camelCase")]
pub(crate) enum TailEvent {
    /// A chunk of captured output, in order per stream.
    #[serde(rename_all = "camelCase")]
    Output {
        job_id: String,
        /// stdout or stderr.
        stream: String,
        seq: i64,
        text: String,
    },
    /// The job's status when tailing stopped (terminal unless tailing without --follow).
    #[serde(rename_all = "camelCase")]
    End {
        job_id: String,
        status: String,
        exit_code: Option<i32>,
    },
}

fn tail(args: &TailArgs) -> anyhow::Result<ExitCode> {
    let json = args.common.json;
    match tail_loop(args) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(failure) => fail("job-output", json, &failure),
    }
}

fn tail_loop(args: &TailArgs) -> Result<(), Failure> {
    let store = open_store(&args.common)?;
    let job = lookup(&store, &args.id)?;
    let mut cursor = OutputCursor::default();
    loop {
        // Read the status before the output: output written before the job ended is then
        // certain to be in the read that follows a terminal status.
        let status = lookup(&store, &job.id)?;
        print_chunks(&store, &job.id, &mut cursor, args.common.json)?;
        if !args.follow || status.status.is_terminal() {
            if args.common.json {
                emit_json(
                    "job-output",
                    &TailEvent::End {
                        job_id: job.id.clone(),
                        status: status.status.as_str().to_owned(),
                        exit_code: status.exit_code,
                    },
                )?;
            }
            return Ok(());
        }
        std::thread::sleep(POLL);
    }
}

fn print_chunks(
    store: &ReadStore,
    job_id: &str,
    cursor: &mut OutputCursor,
    json: bool,
) -> Result<(), Failure> {
    for chunk in store.output_after(job_id, *cursor)? {
        match chunk.stream {
            Stream::Stdout => cursor.stdout_seq = chunk.seq,
            Stream::Stderr => cursor.stderr_seq = chunk.seq,
        }
        if json {
            emit_json(
                "job-output",
                &TailEvent::Output {
                    job_id: job_id.to_owned(),
                    stream: chunk.stream.as_str().to_owned(),
                    seq: chunk.seq,
                    text: chunk.text,
                },
            )?;
        } else if chunk.stream == Stream::Stdout {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(chunk.text.as_bytes())?;
            stdout.flush()?;
        } else {
            std::io::stderr().lock().write_all(chunk.text.as_bytes())?;
        }
    }
    Ok(())
}

/// `data` of `job-cancel`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct CancelData {
    pub(crate) job_id: String,
    /// Always `canceled` (a job that already ended is an error `already_finished`).
    pub(crate) status: String,
    /// `alive`, `gone` (its lock file is free), or `other_host` (not signaled from here).
    pub(crate) owner: String,
    /// Whether this command signaled the job's process group.
    pub(crate) signaled: bool,
    /// Whether the group was still there after the grace and got SIGKILL.
    pub(crate) killed: bool,
}

fn cancel(args: &IdArgs) -> Result<CancelData, Failure> {
    // The writer first: it brings an older database up to date before anything reads it.
    let reader = open_store(&args.common)?;
    let store = Store::open(&StoreOptions {
        location: reader.location().clone(),
        redact: true,
    })?;
    let reader = open_store(&args.common)?;
    let job = lookup(&reader, &args.id)?;
    let config = gateway_jobs::JobsConfig::from_env();
    match cancel_job(&store, &job.id, config.retention_days)? {
        Canceled::Canceled { job, stopped } => Ok(CancelData {
            job_id: job.id,
            status: JobStatus::Canceled.as_str().to_owned(),
            owner: stopped.owner.as_str().to_owned(),
            signaled: stopped.signaled,
            killed: stopped.killed,
        }),
        Canceled::AlreadyFinished(status) => Err(Failure::new(
            "already_finished",
            format!("job {} already finished: {status}", job.id),
        )),
        Canceled::NotFound => Err(Failure::new(
            "not_found",
            format!("job {} is gone (removed by retention meanwhile)", job.id),
        )),
    }
}

fn render_cancel(data: &CancelData, style: &Style) -> String {
    let how = if data.signaled {
        if data.killed {
            "process group terminated (SIGKILL after the grace)"
        } else {
            "process group terminated"
        }
    } else {
        "no live process to signal"
    };
    format!(
        "{} {}: {how}; owner {}\n",
        style.status(&data.status),
        data.job_id,
        data.owner
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn shell_words_quote_only_what_a_shell_would_split() {
        let cases = [
            ("--output-format", "--output-format"),
            ("stream-json", "stream-json"),
            ("two words", "'two words'"),
            ("it's", r"'it'\''s'"),
            ("", "''"),
            ("$HOME", "'$HOME'"),
        ];
        for (arg, shown) in cases {
            assert_eq!(shell_word(arg), shown);
        }
    }

    #[test]
    fn statuses_parse_and_unknown_ones_list_the_choices() {
        assert_eq!(parse_status("running").unwrap(), Some(JobStatus::Running));
        assert_eq!(parse_status("all").unwrap(), None);
        let error = parse_status("done").unwrap_err();
        assert!(error.contains("queued, running, completed"), "{error}");
    }
}
