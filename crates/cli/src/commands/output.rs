//! What the observability commands (`jobs`, `usage`, `logs`, `schema`) share besides the
//! envelope (`envelope.rs`): opening the store read-only, aligned tables with colour only on a
//! terminal (and never with `NO_COLOR`), and `--since` durations.

use gateway_store::Location;
use gateway_store::query::ReadStore;
use std::io::IsTerminal;

pub(crate) use super::envelope::{EXIT_NO_STORE, Failure};

/// Options every observability command takes.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct CommonArgs {
    /// Print one JSON envelope {schema, ok, data, error, meta} (NDJSON, one a line, when
    /// following).
    #[arg(long)]
    pub(crate) json: bool,
    /// The database file or `postgres://` URL (default: LLM_GATEWAY_DATABASE_URL, else
    /// LLM_GATEWAY_LOGS_DB, else $LLM_GATEWAY_HOME/logs.db).
    #[arg(long, value_name = "PATH|URL")]
    pub(crate) db: Option<String>,
}

/// Where the database is: `--db`, else the gateway's own settings.
pub(crate) fn store_location(common: &CommonArgs) -> Result<Location, Failure> {
    let location = match &common.db {
        Some(db) => Location::parse(db),
        None => gateway_jobs::JobsConfig::from_env().store,
    };
    if location == Location::Memory {
        return Err(Failure::new(
            "store_not_found",
            format!(
                "{}=none: the gateway keeps no database, so there is nothing to read",
                gateway_core::env::LOGS_DB
            ),
        )
        .with_exit(EXIT_NO_STORE));
    }
    super::envelope::note_store(&location);
    Ok(location)
}

/// Opens the store read-only; exit 3 when there is no database file. A database an older
/// gateway made is first brought up to this binary's schema (the reader never migrates).
pub(crate) fn open_store(common: &CommonArgs) -> Result<ReadStore, Failure> {
    let location = store_location(common)?;
    let mut store = ReadStore::open_at(&location)?;
    if let Some(old) = &store
        && old.schema_version()? < gateway_store::Store::latest_schema_version()
    {
        gateway_store::Store::open(&gateway_store::StoreOptions::at(location.clone()))?;
        store = ReadStore::open_at(&location)?;
    }
    store.ok_or_else(|| {
        Failure::new(
            "store_not_found",
            format!("no database at {}", location.shown()),
        )
        .with_hint(format!(
            "start the gateway once (`llm-cli-gateway serve`), or point --db / {} at it",
            gateway_core::env::LOGS_DB
        ))
        .with_exit(EXIT_NO_STORE)
    })
}

/// Whether to colour: stdout is a terminal and `NO_COLOR` is unset or empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Style {
    pub(crate) color: bool,
}

impl Style {
    pub(crate) fn detect() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        Style {
            color: std::io::stdout().is_terminal() && !no_color,
        }
    }

    pub(crate) fn paint(self, text: &str, code: &str) -> String {
        if self.color && !code.is_empty() {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// The colour of a job or request status.
    pub(crate) fn status(self, status: &str) -> String {
        let code = match status {
            "completed" | "ok" => "32",
            "failed" | "orphaned" | "error" => "31",
            "running" | "queued" | "started" => "33",
            _ => "2",
        };
        self.paint(status, code)
    }
}

/// Column alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

/// A table: header, rows of plain cells, optional colour per cell applied after padding (so
/// escape codes never disturb the alignment).
pub(crate) struct Table {
    columns: Vec<(&'static str, Align)>,
    rows: Vec<Vec<(String, &'static str)>>,
}

impl Table {
    pub(crate) fn new(columns: &[(&'static str, Align)]) -> Table {
        Table {
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row of plain cells.
    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows
            .push(cells.into_iter().map(|cell| (cell, "")).collect());
    }

    /// Adds a row whose cells carry an ANSI colour code ("" = none).
    pub(crate) fn row_colored(&mut self, cells: Vec<(String, &'static str)>) {
        self.rows.push(cells);
    }

    pub(crate) fn render(&self, style: &Style) -> String {
        let widths: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(index, (title, _))| {
                self.rows
                    .iter()
                    .filter_map(|row| row.get(index))
                    .map(|(cell, _)| cell.chars().count())
                    .chain([title.len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        let header: Vec<(String, &str)> = self
            .columns
            .iter()
            .map(|(title, _)| ((*title).to_owned(), "1"))
            .collect();
        for row in std::iter::once(&header).chain(self.rows.iter()) {
            let mut line = String::new();
            for (index, (cell, color)) in row.iter().enumerate() {
                let width = widths.get(index).copied().unwrap_or(0);
                let align = self
                    .columns
                    .get(index)
                    .map_or(Align::Left, |column| column.1);
                let pad = " ".repeat(width.saturating_sub(cell.chars().count()));
                let last = index + 1 == row.len();
                let padded = match (align, last) {
                    (Align::Right, _) => format!("{pad}{}", style.paint(cell, color)),
                    (Align::Left, true) => style.paint(cell, color),
                    (Align::Left, false) => format!("{}{pad}", style.paint(cell, color)),
                };
                if index > 0 {
                    line.push_str("  ");
                }
                line.push_str(&padded);
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Parses `--since`: a number with a unit `ms`, `s`, `m`, `h`, `d` or `w` (e.g. `90m`, `7d`).
pub(crate) fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text
        .find(|character: char| !character.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration; use e.g. 30m, 12h, 7d"))?;
    let millis = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => {
            return Err(format!(
                "`{text}` has no known unit; use ms, s, m, h, d or w (e.g. 30m, 7d)"
            ));
        }
    };
    value
        .checked_mul(millis)
        .map(std::time::Duration::from_millis)
        .ok_or_else(|| format!("`{text}` is too long"))
}

/// `now - since` in ms since the epoch.
pub(crate) fn since_ms(since: Option<std::time::Duration>) -> Option<i64> {
    since.map(|since| {
        gateway_store::now_ms() - i64::try_from(since.as_millis()).unwrap_or(i64::MAX / 2)
    })
}

pub(crate) use gateway_store::browse::{human_duration, timestamp};

/// An optional figure, `-` when absent.
pub(crate) fn or_dash<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |value| value.to_string())
}

/// Money for people; an estimate reads `~$`.
pub(crate) fn usd(value: Option<f64>, estimated: bool) -> String {
    let mark = if estimated { "~" } else { "" };
    value.map_or_else(|| "-".to_owned(), |value| format!("{mark}${value:.4}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn durations_parse_with_units_and_errors_name_the_fix() {
        let cases: [(&str, Result<u64, &str>); 8] = [
            ("30s", Ok(30_000)),
            ("90m", Ok(5_400_000)),
            ("12h", Ok(43_200_000)),
            ("7d", Ok(604_800_000)),
            ("2w", Ok(1_209_600_000)),
            ("250ms", Ok(250)),
            ("7", Err("no known unit")),
            ("d7", Err("not a duration")),
        ];
        for (text, expected) in cases {
            match (parse_duration(text), expected) {
                (Ok(duration), Ok(ms)) => assert_eq!(duration.as_millis(), u128::from(ms)),
                (Err(error), Err(part)) => assert!(error.contains(part), "{text}: {error}"),
                (got, want) => panic!("{text}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn human_durations_and_timestamps() {
        let cases = [
            (5, "5ms"),
            (1_250, "1.2s"),
            (65_000, "1m05s"),
            (7_800_000, "2h10m"),
        ];
        for (ms, text) in cases {
            assert_eq!(human_duration(ms), text);
        }
        assert_eq!(timestamp(1_700_000_000_123), "2023-11-14 22:13:20");
    }

    #[test]
    fn tables_align_and_colour_after_padding() {
        let mut table = Table::new(&[("NAME", Align::Left), ("COUNT", Align::Right)]);
        table.row(vec!["a".to_owned(), "1".to_owned()]);
        table.row_colored(vec![
            ("longer".to_owned(), "31"),
            ("1234567".to_owned(), ""),
        ]);
        insta::assert_snapshot!(table.render(&Style { color: false }), @r"
        NAME      COUNT
        a             1
        longer  1234567
        ");
        let colored = table.render(&Style { color: true });
        assert!(
            colored.contains("\x1b[31mlonger\x1b[0m  1234567"),
            "{colored:?}"
        );
    }
}
