//! `llm-cli-gateway schema list|show|example <kind>`: the JSON Schema of every `--json`
//! envelope, and a valid example of each, so scripts and agents can introspect the output
//! before parsing it.
//!
//! The schemas are derived with schemars from the types the commands serialize, rather than
//! written by hand: one source of truth, so a field added to the output is in its schema by
//! construction. The one exception is `doctor`, whose hand-written, stricter schema ships as
//! `setup/status.schema.json`. Tests validate real envelopes against them and snapshot each
//! schema, so any change to the contract shows up in review.

use std::io::Write;
use std::process::ExitCode;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::envelope::{Envelope, EnvelopeData, finish, schema_name};
use super::jobs::{CancelData, JobView, JobsListData, TailEvent};
use super::logs::{LogEntry, LogsData};
use super::output::{Style, Table};
use super::usage::UsageData;

#[derive(Debug, clap::Args)]
pub(crate) struct SchemaArgs {
    #[command(subcommand)]
    command: SchemaCommand,
}

#[derive(Debug, clap::Subcommand)]
enum SchemaCommand {
    /// List the envelope kinds.
    List {
        /// Print the list as a JSON envelope.
        #[arg(long)]
        json: bool,
    },
    /// Print the JSON Schema of one kind's envelope.
    Show {
        /// The kind (see `schema list`).
        #[arg(value_parser = kind_parser())]
        kind: String,
    },
    /// Print an example envelope of one kind, valid against its schema.
    Example {
        /// The kind (see `schema list`).
        #[arg(value_parser = kind_parser())]
        kind: String,
    },
}

fn kind_parser() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(KINDS.iter().map(|kind| kind.name))
}

/// One envelope kind.
pub(crate) struct Kind {
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
    schema: fn() -> Value,
}

fn envelope<T: JsonSchema>() -> Value {
    schemars::schema_for!(Envelope<T>).to_value()
}

/// The shipped schema of the doctor report (a test keeps the file in step with the output).
fn doctor() -> Value {
    serde_json::from_str(include_str!("../../../../setup/status.schema.json")).unwrap_or_default()
}

/// Every kind a command prints.
pub(crate) const KINDS: &[Kind] = &[
    Kind {
        name: "jobs-list",
        description: "jobs list: jobs, newest first",
        schema: envelope::<JobsListData>,
    },
    Kind {
        name: "job",
        description: "jobs show: one job",
        schema: envelope::<JobView>,
    },
    Kind {
        name: "job-text",
        description: "jobs show --prompt|--output: the stored prompt or the captured answer",
        schema: envelope::<super::jobs::JobText>,
    },
    Kind {
        name: "job-output",
        description: "jobs tail: NDJSON, one output chunk a line, then an end line",
        schema: envelope::<TailEvent>,
    },
    Kind {
        name: "job-cancel",
        description: "jobs cancel: the canceled job",
        schema: envelope::<CancelData>,
    },
    Kind {
        name: "usage-summary",
        description: "usage summary: totals",
        schema: envelope::<UsageData>,
    },
    Kind {
        name: "usage-daily",
        description: "usage daily: one row per UTC day",
        schema: envelope::<UsageData>,
    },
    Kind {
        name: "usage-providers",
        description: "usage providers: one row per provider",
        schema: envelope::<UsageData>,
    },
    Kind {
        name: "usage-pricing",
        description: "usage pricing: the price table estimates use, and the daily budgets",
        schema: envelope::<super::pricing::PricingData>,
    },
    Kind {
        name: "logs",
        description: "logs: tool calls and provider requests, newest first",
        schema: envelope::<LogsData>,
    },
    Kind {
        name: "log-entry",
        description: "logs --follow: NDJSON, one row a line",
        schema: envelope::<LogEntry>,
    },
    Kind {
        name: "logs-stats",
        description: "logs stats: tool calls per tool and the recorders' dropped count",
        schema: envelope::<super::logs_export::StatsData>,
    },
    Kind {
        name: "schema-list",
        description: "schema list: these kinds",
        schema: envelope::<SchemaListData>,
    },
    Kind {
        name: "doctor",
        description: "doctor: the setup report (also setup/status.schema.json)",
        schema: doctor,
    },
    Kind {
        name: "validate",
        description: "validate: the validation report",
        schema: envelope::<gateway_validate::ValidationReport>,
    },
    Kind {
        name: "review",
        description: "review: the merged review of a diff",
        schema: envelope::<gateway_validate::review::report::ReviewReport>,
    },
    Kind {
        name: "error",
        description: "any command under --json that failed before it knew its kind (a usage error, exit 2)",
        schema: envelope::<()>,
    },
];

/// The JSON Schema of a kind's envelope, with `schema` pinned to the kind's name.
pub(crate) fn schema_of(kind: &str) -> Option<Value> {
    let found = KINDS.iter().find(|candidate| candidate.name == kind)?;
    let mut schema = (found.schema)();
    let name = schema_name(found.name);
    if let Some(object) = schema.as_object_mut() {
        object.insert("$id".to_owned(), Value::String(format!("{name}.json")));
        object.insert("title".to_owned(), Value::String(name.clone()));
        object.insert(
            "description".to_owned(),
            Value::String(found.description.to_owned()),
        );
    }
    if let Some(property) = schema.pointer_mut("/properties/schema") {
        *property = serde_json::json!({ "const": name });
    }
    Some(schema)
}

/// One row of `schema list`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct KindInfo {
    pub(crate) kind: String,
    /// The envelope's `schema` value.
    pub(crate) schema: String,
    pub(crate) description: String,
}

/// `data` of `schema-list`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct SchemaListData {
    pub(crate) kinds: Vec<KindInfo>,
}

impl EnvelopeData for SchemaListData {
    fn count(&self) -> Option<usize> {
        Some(self.kinds.len())
    }
}

pub(crate) fn run(args: SchemaArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        SchemaCommand::List { json } => {
            let data = SchemaListData {
                kinds: KINDS
                    .iter()
                    .map(|kind| KindInfo {
                        kind: kind.name.to_owned(),
                        schema: schema_name(kind.name),
                        description: kind.description.to_owned(),
                    })
                    .collect(),
            };
            finish("schema-list", json, Ok(data), render_list)
        }
        SchemaCommand::Show { kind } => print_pretty(&known(&kind)?),
        SchemaCommand::Example { kind } => {
            print_pretty(&super::example::envelope_example(&known(&kind)?))
        }
    }
}

/// The schema of a kind clap has already checked.
fn known(kind: &str) -> anyhow::Result<Value> {
    schema_of(kind).ok_or_else(|| anyhow::anyhow!("unknown kind `{kind}`"))
}

fn print_pretty(value: &Value) -> anyhow::Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, value)?;
    writeln!(stdout)?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn render_list(data: &SchemaListData, style: &Style) -> String {
    let mut table = Table::new(&[
        ("KIND", super::output::Align::Left),
        ("SCHEMA", super::output::Align::Left),
        ("DESCRIPTION", super::output::Align::Left),
    ]);
    for kind in &data.kinds {
        table.row(vec![
            kind.kind.clone(),
            kind.schema.clone(),
            kind.description.clone(),
        ]);
    }
    table.render(style)
}
