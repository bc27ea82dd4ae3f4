//! What to review: the diff target, the `git diff` arguments it becomes, and the facts of a
//! diff (files, added and removed lines). Pure; `gateway-jobs` runs git.

use serde::{Deserialize, Serialize};

use crate::request::RequestError;

/// Default limit on the diff's size; the diff travels to each seat on stdin (or in a prompt
/// file), so this bounds what every seat must read.
pub const DEFAULT_MAX_DIFF_BYTES: usize = 400_000;
/// The most a caller may raise the limit to.
pub const MAX_DIFF_BYTES: usize = 2_000_000;

/// Which changes to review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum DiffTarget {
    /// Uncommitted changes, staged or not, against `HEAD` (`git diff HEAD`).
    WorkingTree,
    /// Staged changes only (`git diff --cached`).
    Staged,
    /// A commit range, `A..B` or `A...B` (`git diff A..B`).
    Range(String),
    /// The commits of `HEAD` since it left a base branch (`git diff BASE...HEAD`).
    Base(String),
}

impl DiffTarget {
    /// Picks the target from the optional parameters; at most one of them may be given.
    pub fn from_params(
        staged: bool,
        range: Option<String>,
        base: Option<String>,
    ) -> Result<DiffTarget, RequestError> {
        match (staged, range, base) {
            (false, None, None) => Ok(DiffTarget::WorkingTree),
            (true, None, None) => Ok(DiffTarget::Staged),
            (false, Some(range), None) => Ok(DiffTarget::Range(range)),
            (false, None, Some(base)) => Ok(DiffTarget::Base(base)),
            _ => Err(RequestError::new(
                "range",
                "give at most one of staged, range and base (none reviews the working tree against HEAD)",
            )),
        }
    }

    /// "the working tree against HEAD", "main...HEAD" …, for reports and prompts.
    pub fn describe(&self) -> String {
        match self {
            DiffTarget::WorkingTree => "uncommitted changes against HEAD".to_owned(),
            DiffTarget::Staged => "staged changes".to_owned(),
            DiffTarget::Range(range) => format!("commit range {range}"),
            DiffTarget::Base(base) => format!("commits on HEAD since {base} ({base}...HEAD)"),
        }
    }

    /// The `git diff` arguments after the fixed hardening flags; `paths` limit the diff.
    pub fn git_args(&self, paths: &[String]) -> Result<Vec<String>, RequestError> {
        let mut args = match self {
            DiffTarget::WorkingTree => vec!["HEAD".to_owned()],
            DiffTarget::Staged => vec!["--cached".to_owned()],
            DiffTarget::Range(range) => vec![checked_revision("range", range)?.to_owned()],
            DiffTarget::Base(base) => vec![format!("{}...HEAD", checked_revision("base", base)?)],
        };
        // Revisions come after `--end-of-options` so that none can be read as a flag.
        if matches!(self, DiffTarget::Range(_) | DiffTarget::Base(_)) {
            args.insert(0, "--end-of-options".to_owned());
        }
        args.push("--".to_owned());
        for path in paths {
            if path.is_empty() || path.contains('\0') {
                return Err(RequestError::new(
                    "paths",
                    "a path is empty or contains NUL",
                ));
            }
            args.push(path.clone());
        }
        Ok(args)
    }
}

/// A revision as given: non-empty, no whitespace or control characters, not flag-like.
fn checked_revision<'a>(param: &'static str, value: &'a str) -> Result<&'a str, RequestError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(RequestError::new(param, "must name a revision"));
    }
    if value.starts_with('-') || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(RequestError::new(
            param,
            format!("`{value}` is not a revision (no leading '-', spaces or control characters)"),
        ));
    }
    Ok(value)
}

/// The shape of a diff, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct DiffStats {
    pub bytes: usize,
    /// Files touched, as named after `b/` (or `a/` for deletions), in diff order.
    pub files: Vec<String>,
    pub added_lines: usize,
    pub removed_lines: usize,
}

/// Counts files and changed lines of a unified diff.
pub fn diff_stats(diff: &str) -> DiffStats {
    let mut stats = DiffStats {
        bytes: diff.len(),
        ..DiffStats::default()
    };
    for line in diff.lines() {
        if let Some(rest) = line.strip_prefix("diff --git ") {
            if let Some(file) = rest.rsplit_once(" b/").map(|(_, file)| file) {
                stats.files.push(file.to_owned());
            }
        } else if line.starts_with("+++") || line.starts_with("---") {
            continue;
        } else if line.starts_with('+') {
            stats.added_lines += 1;
        } else if line.starts_with('-') {
            stats.removed_lines += 1;
        }
    }
    stats
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_become_hardened_git_arguments() {
        let paths = ["src/".to_owned()];
        let cases: Vec<(DiffTarget, Vec<&str>)> = vec![
            (DiffTarget::WorkingTree, vec!["HEAD", "--", "src/"]),
            (DiffTarget::Staged, vec!["--cached", "--", "src/"]),
            (
                DiffTarget::Range("main..HEAD".to_owned()),
                vec!["--end-of-options", "main..HEAD", "--", "src/"],
            ),
            (
                DiffTarget::Base("main".to_owned()),
                vec!["--end-of-options", "main...HEAD", "--", "src/"],
            ),
        ];
        for (target, expected) in cases {
            assert_eq!(
                target.git_args(&paths).ok(),
                Some(expected.iter().map(|a| (*a).to_owned()).collect()),
                "{target:?}"
            );
        }
        for bad in ["--output=/tmp/x", "", "a b", "a\u{7}b", "  "] {
            assert!(
                DiffTarget::Range(bad.to_owned()).git_args(&[]).is_err(),
                "{bad:?}"
            );
        }
        assert!(DiffTarget::from_params(true, Some("a..b".to_owned()), None).is_err());
    }

    #[test]
    fn stats_count_files_and_lines() {
        let diff = "diff --git a/src/pay.rs b/src/pay.rs\n--- a/src/pay.rs\n+++ b/src/pay.rs\n@@ -1,2 +1,3 @@\n fn pay() {\n-    charge();\n+    retry(charge);\n+    log();\ndiff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-old\n+new\n";
        let stats = diff_stats(diff);
        assert_eq!(stats.files, vec!["src/pay.rs", "README.md"]);
        assert_eq!((stats.added_lines, stats.removed_lines), (3, 2));
        assert_eq!(stats.bytes, diff.len());
    }
}
