//! Reading a repository's diff with `git`, for `review_changes`. It lives here because only this
//! crate spawns processes; what to diff (the revision arguments) is decided by the caller.
//!
//! Hardened because the repository is the caller's and its config is not trusted: no shell,
//! stdin null, no pager, no external diff drivers or text conversions, `core.fsmonitor` off (a
//! repository's config could otherwise name a command that `git diff` would run), no prompts,
//! a time-out, and stdout read only up to the caller's limit (a larger diff is reported as too
//! big, never held in memory).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;

/// How long one `git diff` may take.
pub const GIT_TIMEOUT: Duration = Duration::from_secs(60);

/// Longest stderr excerpt carried in an error.
const STDERR_MAX_CHARS: usize = 400;

/// Why a diff could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("`git` is not installed (not found on PATH)")]
    NotInstalled,
    #[error("`{dir}` is not a directory")]
    NotADirectory { dir: String },
    /// git ran and refused: not a repository, unknown revision …; `stderr` says which.
    #[error("git diff failed (exit {code:?}): {stderr}")]
    Failed { code: Option<i32>, stderr: String },
    #[error("git diff did not finish within {0:?}")]
    TimedOut(Duration),
    /// The diff is larger than the limit; `bytes` is at least the limit plus one.
    #[error("the diff is larger than {limit} bytes")]
    TooBig { limit: usize },
    #[error("git diff printed text that is not UTF-8")]
    NotUtf8,
    #[error("could not run git: {0}")]
    Io(#[from] std::io::Error),
}

/// Runs `git diff <args>` in `dir` and returns the diff, at most `max_bytes` long.
pub async fn git_diff(dir: &Path, args: &[String], max_bytes: usize) -> Result<String, GitError> {
    if !dir.is_dir() {
        return Err(GitError::NotADirectory {
            dir: dir.display().to_string(),
        });
    }
    let mut command = tokio::process::Command::new("git");
    command
        .current_dir(dir)
        .args(["-c", "core.fsmonitor=false", "-c", "core.quotepath=false"])
        .args([
            "--no-pager",
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
        ])
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_PAGER", "cat")
        .env_remove("GIT_EXTERNAL_DIFF")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = match command.spawn() {
        Ok(child) => child,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(GitError::NotInstalled);
        }
        Err(error) => return Err(error.into()),
    };
    tokio::time::timeout(GIT_TIMEOUT, collect(child, max_bytes))
        .await
        .map_err(|_| GitError::TimedOut(GIT_TIMEOUT))?
}

async fn collect(mut child: tokio::process::Child, max_bytes: usize) -> Result<String, GitError> {
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(GitError::Io(std::io::Error::other(
            "git's pipes are missing",
        )));
    };
    let limit = u64::try_from(max_bytes)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut stdout = stdout.take(limit);
    let mut stderr = stderr.take(64 * 1024);
    let (read_out, read_err) =
        tokio::join!(stdout.read_to_end(&mut out), stderr.read_to_end(&mut err));
    read_out?;
    read_err?;
    if out.len() > max_bytes {
        // The rest is never read; killing git spares it writing into a closed pipe.
        let _ = child.kill().await;
        return Err(GitError::TooBig { limit: max_bytes });
    }
    let status = child.wait().await?;
    if !status.success() {
        let stderr = String::from_utf8_lossy(&err);
        return Err(GitError::Failed {
            code: status.code(),
            stderr: gateway_core::event::one_line(stderr.trim(), STDERR_MAX_CHARS),
        });
    }
    String::from_utf8(out).map_err(|_| GitError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) {
        let status = std::process::Command::new("git")
            .current_dir(dir)
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .stdout(Stdio::null())
            .status();
        assert!(status.is_ok_and(|status| status.success()), "git {args:?}");
    }

    fn repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        git(dir.path(), &["init", "-q", "-b", "main"]);
        git(dir.path(), &["config", "user.email", "t@example.com"]);
        git(dir.path(), &["config", "user.name", "t"]);
        std::fs::write(dir.path().join("a.txt"), "one\n").unwrap_or_else(|error| panic!("{error}"));
        git(dir.path(), &["add", "a.txt"]);
        git(dir.path(), &["commit", "-q", "-m", "one"]);
        dir
    }

    #[tokio::test]
    async fn reads_the_working_tree_diff_and_refuses_what_is_too_big() {
        let dir = repo();
        std::fs::write(dir.path().join("a.txt"), "two\n").unwrap_or_else(|error| panic!("{error}"));
        let head = ["HEAD".to_owned()];
        let diff = git_diff(dir.path(), &head, 10_000).await;
        assert!(
            diff.as_deref()
                .is_ok_and(|diff| diff.contains("+two") && diff.contains("-one")),
            "{diff:?}"
        );
        let small = git_diff(dir.path(), &head, 20).await;
        assert!(
            matches!(small, Err(GitError::TooBig { limit: 20 })),
            "{small:?}"
        );
    }

    #[tokio::test]
    async fn bad_input_is_a_clear_error() {
        let dir = repo();
        let bad = git_diff(dir.path(), &["no-such-rev..HEAD".to_owned()], 10_000).await;
        assert!(
            matches!(&bad, Err(GitError::Failed { stderr, .. }) if stderr.contains("no-such-rev")),
            "{bad:?}"
        );
        let plain = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let outside = git_diff(plain.path(), &[], 10_000).await;
        assert!(
            matches!(outside, Err(GitError::Failed { .. })),
            "{outside:?}"
        );
        let missing = git_diff(Path::new("/no/such/dir"), &[], 10_000).await;
        assert!(
            matches!(missing, Err(GitError::NotADirectory { .. })),
            "{missing:?}"
        );
    }
}
