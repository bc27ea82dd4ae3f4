//! `llm-cli-gateway validate "<question>" [--models claude,codex] [--json]`: asks several CLIs
//! at once (read-only), shows each seat's completion on stderr while they run, then prints the
//! report for people, or the `llm-cli-gateway.v1.validate` envelope whose `data` is the
//! `validation-report.v1`.
//!
//! Exit codes: 0 the models agree (no material signal), 1 they disagree, their verdicts are not
//! comparable, a seat failed or was skipped, nothing usable came back, or the wait ran out;
//! 2 bad arguments.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use gateway_core::ProviderId;
use gateway_validate::render::render_report;
use gateway_validate::{
    Intent, OriginalRequest, RiskLevel, RunSpec, RunStatus, SeatChoice, SeatProgress,
    ValidateError, ValidationReport, Validator,
};

use super::run_report;

/// `schema` of the `--json` envelope (the observability commands' `llm-cli-gateway.v1.<kind>`).
const KIND: &str = "validate";

/// The `--json` document: `data` when `ok`, `error` when not.
/// What the run asks; the positional text plays the part each intent needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum IntentArg {
    /// Judge the question / plan / claim (approve, approve with changes, reject, uncertain).
    #[default]
    Validate,
    /// Review `--answer` given to the question.
    SecondOpinion,
    /// Attack the text as a red team.
    RedTeam,
    /// Is the text, a claim, true, false or uncertain?
    Consensus,
    /// Ask the question verbatim.
    Ask,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ValidateArgs {
    /// The question (the content for red-team, the claim for consensus).
    question: String,
    /// Providers to ask, comma-separated (default: installed among claude, codex, gemini).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    models: Vec<ProviderId>,
    /// What kind of review to ask for.
    #[arg(long, value_enum, default_value_t)]
    intent: IntentArg,
    /// The answer under review (second-opinion).
    #[arg(long)]
    answer: Option<String>,
    /// What the reviewers should pay most attention to.
    #[arg(long)]
    focus: Option<String>,
    /// Red-team intensity.
    #[arg(long, value_enum, default_value = "normal")]
    risk_level: RiskArg,
    /// Let seats run with their CLI's normal permissions instead of read-only/plan mode.
    #[arg(long)]
    no_read_only: bool,
    /// Directory the seats may read (must exist).
    #[arg(long, value_name = "DIR")]
    working_dir: Option<String>,
    /// Run anew even if an identical recent job exists.
    #[arg(long)]
    force_refresh: bool,
    /// Also have this provider synthesise the answers once they are in.
    #[arg(long, value_name = "PROVIDER")]
    judge: Option<ProviderId>,
    /// Give up waiting after this many seconds (seats still running are canceled).
    #[arg(long, default_value_t = 900, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    timeout_secs: u64,
    /// Print one JSON envelope {schema, ok, data, error} instead of the readable report.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum RiskArg {
    Normal,
    High,
}

pub(crate) fn run(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let json = args.json;
    run_report::run_with_validator(
        KIND,
        "validation_failed",
        json,
        async |validator| validate(validator, &args).await,
        print_report,
    )
}

/// Starts the run, waits for it (progress on stderr), and chains the judge when asked.
async fn validate(
    validator: &Validator,
    args: &ValidateArgs,
) -> Result<ValidationReport, ValidateError> {
    let timeout = Duration::from_secs(args.timeout_secs);
    let started = validator.start(spec(args)).await?;
    progress_line(&format!(
        "validation {}: asking {}",
        started.validation_id,
        seat_names(&started)
    ));
    let mut report = wait(validator, &started.validation_id, timeout).await?;
    if let Some(judge) = args.judge.filter(|_| report.status == RunStatus::Completed) {
        progress_line(&format!("{judge} is synthesising the answers"));
        validator
            .synthesize(gateway_validate::SynthesizeSpec {
                validation_id: started.validation_id.clone(),
                judge: Some(SeatChoice::provider(judge)),
                read_only: Some(!args.no_read_only),
                working_dir: args.working_dir.clone(),
                force_refresh: args.force_refresh,
                origin_tool: "cli validate".to_owned(),
            })
            .await?;
        report = wait(validator, &started.validation_id, timeout).await?;
    }
    Ok(report)
}

async fn wait(
    validator: &Validator,
    id: &str,
    timeout: Duration,
) -> Result<ValidationReport, ValidateError> {
    let on_progress = |event: SeatProgress| progress_line(&event.message());
    tokio::select! {
        report = validator.wait(id, timeout, &on_progress) => report,
        _ = tokio::signal::ctrl_c() => {
            progress_line("interrupted; canceling the seats");
            validator.report(id).await
        }
    }
}

fn spec(args: &ValidateArgs) -> RunSpec {
    let text = Some(args.question.clone());
    let (intent, request) = match args.intent {
        IntentArg::Validate => (
            Intent::Validate,
            OriginalRequest {
                question: text,
                focus: args.focus.clone(),
                ..OriginalRequest::default()
            },
        ),
        IntentArg::SecondOpinion => (
            Intent::SecondOpinion,
            OriginalRequest {
                question: text,
                content: args.answer.clone(),
                focus: args.focus.clone(),
                risk_level: None,
            },
        ),
        IntentArg::RedTeam => {
            let risk_level = Some(match args.risk_level {
                RiskArg::Normal => RiskLevel::Normal,
                RiskArg::High => RiskLevel::High,
            });
            (
                Intent::RedTeam,
                OriginalRequest {
                    content: text,
                    risk_level,
                    ..OriginalRequest::default()
                },
            )
        }
        IntentArg::Consensus => (
            Intent::Consensus,
            OriginalRequest {
                question: text,
                ..OriginalRequest::default()
            },
        ),
        IntentArg::Ask => (
            Intent::AskModel,
            OriginalRequest {
                question: text,
                ..OriginalRequest::default()
            },
        ),
    };
    RunSpec {
        intent,
        request,
        seats: args
            .models
            .iter()
            .copied()
            .map(SeatChoice::provider)
            .collect(),
        read_only: Some(!args.no_read_only),
        working_dir: args.working_dir.clone(),
        force_refresh: args.force_refresh,
        origin_tool: "cli validate".to_owned(),
    }
}

fn seat_names(report: &ValidationReport) -> String {
    report
        .model_list
        .iter()
        .map(|provider| provider.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Progress for people, on stderr (stdout carries only the report).
fn progress_line(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{message}");
}

fn print_report(report: &ValidationReport, json: bool) -> anyhow::Result<ExitCode> {
    // Exit 0 only when nothing needs weighing: no conflict, no missing or unreadable answer.
    let agreed = report.status == RunStatus::Completed
        && !report
            .disagreements
            .signals
            .iter()
            .any(|signal| signal.material);
    run_report::print_report(KIND, report, render_report, json, agreed)
}
