//! PLACEHOLDER — replaced by the provider work (see docs/interfaces.md).

use gateway_core::{AgentEvent, ExitInfo, RunOutcome};

use crate::parse::OutputParser;
use crate::request::{BuildError, RunRequest};
use crate::spec::CommandSpec;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClaudeOptions {}

pub fn build(_request: &RunRequest, _options: &ClaudeOptions) -> Result<CommandSpec, BuildError> {
    Err(BuildError::new("provider", "not built yet"))
}

pub fn parser(format: &str) -> Box<dyn OutputParser> {
    let _ = format;
    Box::new(Placeholder)
}

struct Placeholder;

impl OutputParser for Placeholder {
    fn feed_line(&mut self, line: &str) -> Vec<AgentEvent> {
        vec![crate::parse::unrecognized(line)]
    }

    fn finish(&mut self, _exit: ExitInfo, _stderr_tail: &str) -> RunOutcome {
        RunOutcome::default()
    }
}
