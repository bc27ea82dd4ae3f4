//! The agent skills shipped in `skills/<name>/SKILL.md`, compiled into the binary so every
//! install serves the same text (the MCP server exposes them as `skills://<name>` resources).
//!
//! A skill is Markdown with YAML-style front matter holding at least `name` (equal to its
//! directory) and `description`. The parser here reads the simple `key: value` lines the
//! skills use; it is not a YAML implementation.

/// Every bundled skill as `(directory name, SKILL.md text)`.
pub const BUNDLED: [(&str, &str); 4] = [
    (
        "async-job-orchestration",
        include_str!("../../../skills/async-job-orchestration/SKILL.md"),
    ),
    (
        "cross-model-validation",
        include_str!("../../../skills/cross-model-validation/SKILL.md"),
    ),
    (
        "secure-orchestration",
        include_str!("../../../skills/secure-orchestration/SKILL.md"),
    ),
    (
        "session-continuity",
        include_str!("../../../skills/session-continuity/SKILL.md"),
    ),
];

/// One parsed skill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skill {
    pub name: String,
    pub description: String,
    /// The Markdown after the front matter.
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SkillError {
    #[error("SKILL.md must start with a `---` front-matter block")]
    MissingFrontMatter,
    #[error("the front matter has no closing `---`")]
    UnclosedFrontMatter,
    #[error("the front matter has no `{0}`")]
    MissingField(&'static str),
}

/// Parses the front matter and body of a SKILL.md.
pub fn parse(text: &str) -> Result<Skill, SkillError> {
    let rest = text
        .strip_prefix("---\n")
        .ok_or(SkillError::MissingFrontMatter)?;
    let (front, body) = rest
        .split_once("\n---\n")
        .ok_or(SkillError::UnclosedFrontMatter)?;
    let field = |key: &'static str| {
        front
            .lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
            .map(|value| value.trim().trim_matches('"').to_owned())
            .filter(|value| !value.is_empty())
            .ok_or(SkillError::MissingField(key))
    };
    Ok(Skill {
        name: field("name")?,
        description: field("description")?,
        body: body.trim_start().to_owned(),
    })
}

/// Every bundled skill, parsed. Fails on the first malformed one (a test keeps them valid).
pub fn bundled() -> Result<Vec<Skill>, SkillError> {
    BUNDLED.iter().map(|(_, text)| parse(text)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_reads_front_matter_and_rejects_malformed_files() {
        let good = "---\nname: demo\ndescription: \"Does a thing.\"\n---\n\n# Demo\nbody\n";
        assert_eq!(
            parse(good),
            Ok(Skill {
                name: "demo".into(),
                description: "Does a thing.".into(),
                body: "# Demo\nbody\n".into()
            })
        );
        let cases = [
            ("# no front matter\n", SkillError::MissingFrontMatter),
            ("---\nname: x\n", SkillError::UnclosedFrontMatter),
            (
                "---\ndescription: d\n---\n",
                SkillError::MissingField("name"),
            ),
            (
                "---\nname: x\ndescription:\n---\n",
                SkillError::MissingField("description"),
            ),
        ];
        for (text, error) in cases {
            assert_eq!(parse(text), Err(error), "{text:?}");
        }
    }

    #[test]
    fn every_skill_directory_is_bundled_and_named_after_its_directory() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../skills");
        let mut on_disk: Vec<String> = std::fs::read_dir(&root)
            .unwrap()
            .map(|entry| entry.unwrap())
            .filter(|entry| entry.path().join("SKILL.md").is_file())
            .map(|entry| entry.file_name().into_string().unwrap())
            .collect();
        on_disk.sort();
        let bundled: Vec<&str> = BUNDLED.iter().map(|(dir, _)| *dir).collect();
        assert_eq!(
            on_disk, bundled,
            "skills/ and skills::BUNDLED must list the same skills"
        );
        for (dir, text) in BUNDLED {
            let skill =
                parse(text).unwrap_or_else(|error| panic!("skills/{dir}/SKILL.md: {error}"));
            assert_eq!(
                skill.name, dir,
                "skills/{dir}/SKILL.md: `name` must equal the directory"
            );
            assert!(
                skill.description.len() >= 40,
                "skills/{dir}: describe when to use it"
            );
            assert!(
                skill.description.len() <= 1024,
                "skills/{dir}: description too long"
            );
            let disk = std::fs::read_to_string(root.join(dir).join("SKILL.md")).unwrap();
            assert_eq!(disk, text);
        }
    }
}
