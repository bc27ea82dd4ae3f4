//! Output of the commands that run several models and print one report (`validate`,
//! `review`): a pretty-printed envelope under `--json`, else the report's text; the exit code
//! says whether the report came out clean.

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use super::output::{Envelope, ErrorBody};

/// Exit code of a report that needs weighing (a conflict, a failed or unreadable seat).
pub(crate) const EXIT_FAILURE: u8 = 1;
/// Exit code of a request refused before anything ran.
pub(crate) const EXIT_USAGE: u8 = 2;

/// Prints `report` (`text` renders it for people); exit 0 when `clean`.
pub(crate) fn print_report<T: Serialize>(
    schema: &str,
    report: &T,
    text: impl FnOnce(&T) -> String,
    json: bool,
    clean: bool,
) -> anyhow::Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    if json {
        let envelope = Envelope {
            schema: schema.to_owned(),
            ok: true,
            data: Some(report),
            error: None,
        };
        serde_json::to_writer_pretty(&mut stdout, &envelope)?;
        writeln!(stdout)?;
    } else {
        write!(stdout, "{}", text(report))?;
    }
    stdout.flush()?;
    Ok(if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILURE)
    })
}

/// Prints why the run could not be made, as an envelope (`--json`) or on stderr.
pub(crate) fn print_error(
    schema: &str,
    code: &str,
    message: &str,
    json: bool,
    exit: u8,
) -> anyhow::Result<ExitCode> {
    if json {
        let mut stdout = std::io::stdout().lock();
        let envelope: Envelope<()> = Envelope {
            schema: schema.to_owned(),
            ok: false,
            data: None,
            error: Some(ErrorBody {
                code: code.to_owned(),
                message: message.to_owned(),
            }),
        };
        serde_json::to_writer_pretty(&mut stdout, &envelope)?;
        writeln!(stdout)?;
    } else {
        let _ = writeln!(std::io::stderr().lock(), "error: {message}");
    }
    Ok(ExitCode::from(exit))
}
