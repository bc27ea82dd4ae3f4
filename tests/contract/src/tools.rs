//! Where `scripts/install-test-tools.sh` put the real CLIs.

use std::path::{Path, PathBuf};

/// The CLIs the suite needs.
const REQUIRED: [&str; 6] = ["node", "claude", "codex", "gemini", "grok", "vibe"];

/// The `.tools` install root and its `bin/` of links.
#[derive(Debug, Clone)]
pub struct Tools {
    pub root: PathBuf,
    pub bin: PathBuf,
}

impl Tools {
    /// `GATEWAY_TOOLS`, else `<repo>/.tools`.
    ///
    /// # Panics
    /// When a required tool is missing, with the command that installs it.
    pub fn locate() -> Tools {
        let root = std::env::var_os("GATEWAY_TOOLS")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools"));
        let bin = root.join("bin");
        let missing: Vec<&str> = REQUIRED
            .iter()
            .copied()
            .filter(|tool| !bin.join(tool).exists())
            .collect();
        assert!(
            missing.is_empty(),
            "the real CLIs are not installed under {} (missing: {}): run scripts/install-test-tools.sh",
            root.display(),
            missing.join(", ")
        );
        Tools { root, bin }
    }

    /// The real executable for `program` (`claude`, `codex`, `gemini`, `grok`, `vibe`).
    pub fn cli(&self, program: &str) -> PathBuf {
        self.bin.join(program)
    }
}
