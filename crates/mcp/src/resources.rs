//! Resources: `skills://<name>` (the bundled skills, or the `SKILL.md` files of
//! `LLM_GATEWAY_SKILLS_DIR`), `models://<provider>`, `sessions://<provider>|all`, and
//! `jobs://<id>` (a job's full answer, linked from results too big to inline).

use std::path::Path;

use gateway_core::ProviderId;
use gateway_jobs::OutputPaging;
use rmcp::ErrorData;
use rmcp::model::{ReadResourceResult, Resource, ResourceContents, ResourceTemplate};

use crate::server::Server;

/// Largest job output a `jobs://` read returns (the cap of `llm_job_result`).
const MAX_JOB_CHARS: u64 = 2_000_000;

/// One skill to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillDoc {
    pub name: String,
    pub description: String,
    pub text: String,
}

/// The skills served, loaded once at start.
#[derive(Debug, Clone, Default)]
pub struct Skills(Vec<SkillDoc>);

impl Skills {
    /// The built-in skills, or those of `dir` (each `<dir>/<name>/SKILL.md`) when given.
    pub fn load(dir: Option<&Path>) -> Skills {
        let texts: Vec<(String, String)> = match dir {
            Some(dir) => read_dir(dir),
            None => gateway_doctor::skills::BUNDLED
                .iter()
                .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
                .collect(),
        };
        Skills(
            texts
                .into_iter()
                .map(|(name, text)| doc(name, text))
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&SkillDoc> {
        self.0.iter().find(|skill| skill.name == name)
    }

    pub fn all(&self) -> &[SkillDoc] {
        &self.0
    }
}

fn doc(name: String, text: String) -> SkillDoc {
    let description = gateway_doctor::skills::parse(&text)
        .map(|skill| skill.description)
        .unwrap_or_default();
    SkillDoc {
        name,
        description,
        text,
    }
}

fn read_dir(dir: &Path) -> Vec<(String, String)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        tracing::warn!(dir = %dir.display(), "skills directory unreadable; serving no skills");
        return Vec::new();
    };
    let mut skills: Vec<(String, String)> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_str()?.to_owned();
            let text = std::fs::read_to_string(entry.path().join("SKILL.md")).ok()?;
            Some((name, text))
        })
        .collect();
    skills.sort();
    skills
}

/// Every static resource.
pub fn list(server: &Server) -> Vec<Resource> {
    let mut resources: Vec<Resource> = server
        .skills()
        .all()
        .iter()
        .map(|skill| {
            Resource::new(format!("skills://{}", skill.name), skill.name.clone())
                .with_description(skill.description.clone())
                .with_mime_type("text/markdown")
        })
        .collect();
    for provider in ProviderId::ALL {
        resources.push(
            Resource::new(format!("models://{provider}"), format!("{provider} models"))
                .with_mime_type("application/json"),
        );
        resources.push(
            Resource::new(
                format!("sessions://{provider}"),
                format!("{provider} sessions"),
            )
            .with_mime_type("application/json"),
        );
    }
    resources
        .push(Resource::new("sessions://all", "all sessions").with_mime_type("application/json"));
    resources
}

pub fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new("jobs://{jobId}", "job output")
            .with_description("The full answer of a job")
            .with_mime_type("text/plain"),
    ]
}

/// Reads one resource; an unknown URI is a resource-not-found error naming it.
pub async fn read(server: &Server, uri: &str) -> Result<ReadResourceResult, ErrorData> {
    let not_found = || {
        let data = serde_json::json!({ "uri": uri });
        ErrorData::resource_not_found(
            format!("no resource `{uri}`; see resources/list"),
            Some(data),
        )
    };
    let (scheme, rest) = uri.split_once("://").ok_or_else(not_found)?;
    let (text, mime) = match scheme {
        "skills" => {
            let skill = server.skills().get(rest).ok_or_else(not_found)?;
            (skill.text.clone(), "text/markdown")
        }
        "models" => {
            let provider: ProviderId = rest.parse().map_err(|_| not_found())?;
            (
                json(&crate::tools::admin::models_of(server, provider))?,
                "application/json",
            )
        }
        "sessions" => {
            let provider = match rest {
                "all" => None,
                name => Some(name.parse::<ProviderId>().map_err(|_| not_found())?),
            };
            let records = server
                .jobs()
                .records()
                .list_sessions(provider.map(ProviderId::as_str))
                .await
                .map_err(|error| ErrorData::internal_error(error.to_string(), None))?;
            let views: Vec<crate::tools::sessions::SessionView> =
                records.into_iter().map(Into::into).collect();
            (json(&views)?, "application/json")
        }
        "jobs" => (
            job_text(server, rest).await?.ok_or_else(not_found)?,
            "text/plain",
        ),
        _ => return Err(not_found()),
    };
    let mut contents = ResourceContents::text(text, uri);
    if let ResourceContents::TextResourceContents { mime_type, .. } = &mut contents {
        *mime_type = Some(mime.to_owned());
    }
    Ok(ReadResourceResult::new(vec![contents]))
}

/// The parsed answer of a job, or its stdout when it has none.
async fn job_text(server: &Server, job_id: &str) -> Result<Option<String>, ErrorData> {
    let paging = OutputPaging {
        max_chars: MAX_JOB_CHARS,
        stdout_offset_chars: 0,
        stderr_offset_chars: 0,
    };
    let page = server
        .jobs()
        .result(job_id, paging)
        .await
        .map_err(|error| ErrorData::internal_error(error.to_string(), None))?;
    Ok(page.map(|page| match page.snapshot.outcome {
        Some(outcome) if !outcome.text.is_empty() => outcome.text,
        _ => page.stdout.text,
    }))
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, ErrorData> {
    serde_json::to_string_pretty(value)
        .map_err(|error| ErrorData::internal_error(error.to_string(), None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_skills_load_with_descriptions() {
        let skills = Skills::load(None);
        assert!(!skills.all().is_empty());
        for skill in skills.all() {
            assert!(!skill.description.is_empty(), "{}", skill.name);
            assert!(skill.text.starts_with("---"), "{}", skill.name);
        }
    }

    #[test]
    fn skills_from_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("demo")).unwrap();
        std::fs::write(
            dir.path().join("demo/SKILL.md"),
            "---\nname: demo\ndescription: A demo.\n---\nBody",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("empty")).unwrap();
        let skills = Skills::load(Some(dir.path()));
        assert_eq!(
            skills.all(),
            [SkillDoc {
                name: "demo".into(),
                description: "A demo.".into(),
                text: "---\nname: demo\ndescription: A demo.\n---\nBody".into()
            }]
        );
    }
}
