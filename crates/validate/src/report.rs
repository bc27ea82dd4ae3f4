//! The `validation-report.v1` document: field names and meanings follow the reference (its
//! `structuredContent`), with additions marked "new" that older readers can ignore.

use gateway_core::ProviderId;
use serde::{Deserialize, Serialize};

use crate::request::{Intent, OriginalRequest};
use crate::verdict::VerdictClass;

/// `schemaVersion` of every report this crate writes.
pub const SCHEMA_VERSION: &str = "validation-report.v1";

/// Tool names a reader uses to follow a seat's job (the reference's wording).
pub const STATUS_TOOL: &str = "job_status";
pub const RESULT_TOOL: &str = "job_result";

/// One validation run as the caller sees it. Field order is the wire order: Claude Code and
/// Codex show the model this object as JSON text, so the conclusion and the ids to follow up
/// with come first, the per-seat details and the request echo last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ValidationReport {
    pub final_recommendation: String,
    pub status: RunStatus,
    pub validation_id: String,
    /// Every job of the run: seats, then the judge.
    pub job_ids: Vec<String>,
    pub confidence: Confidence,
    /// New: who holds which verdict, counted over the seats asked.
    #[serde(default)]
    pub verdicts: VerdictTally,
    pub disagreements: Disagreements,
    pub limitations: Vec<String>,
    pub synthesis: Synthesis,
    pub per_model_outputs: Vec<ModelOutput>,
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: String,
    /// RFC 3339 UTC.
    pub started_at: String,
    pub intent: Intent,
    pub original_request: OriginalRequest,
    /// The providers asked, in order, skipped ones included.
    pub model_list: Vec<ProviderId>,
    /// New: whether seats ran in their read-only modes.
    pub read_only: bool,
}

/// `not_started`: nothing was dispatched; `running`/`partial`: a seat or the judge is still
/// working (`partial` when some seats were skipped); `completed`: nothing left to wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    Partial,
    NotStarted,
    Completed,
}

impl RunStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Partial => "partial",
            RunStatus::NotStarted => "not_started",
            RunStatus::Completed => "completed",
        }
    }
}

/// A seat's state; `running` covers queued jobs too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SeatStatus {
    Running,
    Completed,
    Failed,
    Canceled,
    Orphaned,
    Skipped,
}

impl SeatStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            SeatStatus::Running => "running",
            SeatStatus::Completed => "completed",
            SeatStatus::Failed => "failed",
            SeatStatus::Canceled => "canceled",
            SeatStatus::Orphaned => "orphaned",
            SeatStatus::Skipped => "skipped",
        }
    }
}

/// One seat's answer, read into parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ModelOutput {
    pub provider: ProviderId,
    pub model: Option<String>,
    pub status: SeatStatus,
    /// The verdict line (or the first sentence a verdict was inferred from); else `answered`
    /// (an answer without one), `pending`, `failed`, `canceled`, `orphaned` or `not_run`;
    /// `null` for an empty answer.
    pub verdict: Option<String>,
    /// New: what the verdict means, for completed non-empty answers.
    pub verdict_class: Option<VerdictClass>,
    /// New: how `verdictClass` was read; `null` when there is no comparable verdict.
    #[serde(default)]
    pub verdict_source: Option<VerdictSource>,
    pub rationale: Option<String>,
    pub risks: Vec<String>,
    /// New: the seat's suggested next step.
    pub next_step: Option<String>,
    /// New: the answer text (cut at [`crate::assemble::RESPONSE_MAX_CHARS`]; `job_result`
    /// has it all).
    pub response: Option<String>,
    pub job_id: Option<String>,
    pub correlation_id: Option<String>,
    pub exit_code: Option<i32>,
    pub warning: Option<String>,
    pub error: Option<String>,
    /// A completed seat that said nothing (never counted as agreement).
    pub empty_output: bool,
    pub raw_job_reference: Option<RawJobReference>,
}

/// How a seat's verdict class was obtained; reports show it so that a reader can weigh it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum VerdictSource {
    /// From the answer's `Verdict:` line.
    Stated,
    /// From an explicit verdict word in the first sentence of an answer without a verdict line.
    Inferred,
    /// Read by the synthesis judge from an answer that had neither.
    Judged,
}

impl VerdictSource {
    pub const fn as_str(self) -> &'static str {
        match self {
            VerdictSource::Stated => "stated",
            VerdictSource::Inferred => "inferred",
            VerdictSource::Judged => "judged",
        }
    }
}

/// Who holds which verdict. Every count in the report's sentences comes from here.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct VerdictTally {
    /// Seats asked, skipped ones included: the `M` of every "N of M".
    pub asked: usize,
    /// Seats whose verdict can be compared (stated, inferred or judged).
    pub comparable: usize,
    /// Comparable seats by verdict class, in order of first appearance.
    pub groups: Vec<VerdictGroup>,
    /// Seats that answered without a verdict that can be compared.
    pub unresolved: Vec<Unresolved>,
    /// Seats without a usable answer (pending, failed, canceled, orphaned, skipped, empty).
    pub not_answered: Vec<ProviderId>,
    pub outcome: TallyOutcome,
}

/// The seats that hold one verdict class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct VerdictGroup {
    pub class: VerdictClass,
    pub seats: Vec<TalliedSeat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TalliedSeat {
    pub provider: ProviderId,
    pub source: VerdictSource,
}

/// An answer whose verdict could not be compared, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Unresolved {
    pub provider: ProviderId,
    /// "gave no verdict line; its answer begins "Yes, it is safe …"" or
    /// "gave the verdict "42", which could not be classified".
    pub reason: String,
}

/// What the comparable verdicts say together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TallyOutcome {
    /// Two or more comparable verdicts, all of one class.
    Agree,
    /// Two or more, one stance, different strength (approve and approve with changes).
    SameStance,
    /// Two or more whose stances differ.
    Conflict,
    /// Several seats asked, fewer than two comparable verdicts: nothing can be said about
    /// agreement.
    #[default]
    NotComparable,
    /// One seat asked, and it gave a comparable verdict.
    Single,
    /// `ask_model`: answers carry no verdicts.
    NotApplicable,
}

impl TallyOutcome {
    pub const fn as_str(self) -> &'static str {
        match self {
            TallyOutcome::Agree => "agree",
            TallyOutcome::SameStance => "same_stance",
            TallyOutcome::Conflict => "conflict",
            TallyOutcome::NotComparable => "not_comparable",
            TallyOutcome::Single => "single",
            TallyOutcome::NotApplicable => "not_applicable",
        }
    }
}

/// Where to follow a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct RawJobReference {
    pub job_id: String,
    pub correlation_id: String,
    pub status_tool: String,
    pub result_tool: String,
}

impl RawJobReference {
    pub fn new(job_id: &str, correlation_id: &str) -> Self {
        RawJobReference {
            job_id: job_id.to_owned(),
            correlation_id: correlation_id.to_owned(),
            status_tool: STATUS_TOOL.to_owned(),
            result_tool: RESULT_TOOL.to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Disagreements {
    /// True only when two or more comparable verdicts differ in stance. Missing or unreadable
    /// answers are signals that lower `confidence`, never "disagreement".
    pub has_material_disagreement: bool,
    pub summary: String,
    pub signals: Vec<Signal>,
}

/// One reason the seats may not agree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Signal {
    pub kind: SignalKind,
    /// Whether it must be weighed before acting (lowers `confidence`; only `verdict_nuance`
    /// does not).
    pub material: bool,
    pub providers: Vec<ProviderId>,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    /// Answering seats reached different verdict classes (approve vs reject, true vs uncertain).
    VerdictConflict,
    /// Same stance, different strength (approve vs approve with changes). Not material.
    VerdictNuance,
    /// A verdict that could not be classified, or no verdict line at all.
    UnclassifiedVerdict,
    /// New: several seats asked, fewer than two comparable verdicts.
    NotComparable,
    EmptyOutput,
    SeatFailed,
    SeatCanceled,
    SeatOrphaned,
    SeatSkipped,
    SeatPending,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    None,
    Low,
    Medium,
    High,
}

impl Confidence {
    pub const fn as_str(self) -> &'static str {
        match self {
            Confidence::None => "none",
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// The judge's part of a run (`synthesize_validation`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Synthesis {
    pub status: SynthesisStatus,
    pub judge_model: Option<ProviderId>,
    pub raw_job_reference: Option<RawJobReference>,
    pub note: Option<String>,
    /// New: seats whose answers the judge read.
    pub included: Vec<ProviderId>,
    /// New: seats left out of the judge's evidence, and why.
    pub left_out: Vec<LeftOut>,
    /// New: the judge's answer once it completed.
    pub response: Option<String>,
}

impl Synthesis {
    pub fn not_requested() -> Self {
        Synthesis {
            status: SynthesisStatus::NotRequested,
            judge_model: None,
            raw_job_reference: None,
            note: None,
            included: Vec::new(),
            left_out: Vec::new(),
            response: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SynthesisStatus {
    NotRequested,
    WaitingForProviderResults,
    Running,
    Skipped,
    Completed,
    /// New: the judge job failed, was canceled or orphaned.
    Failed,
}

/// A result the judge did not see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct LeftOut {
    pub provider: ProviderId,
    pub reason: String,
}
