//! Which setting chooses the store, mirroring `gateway_jobs::JobsConfig::from_env`:
//! `LLM_GATEWAY_DATABASE_URL`, then `LLM_GATEWAY_LOGS_DB` / `LLM_GATEWAY_JOBS_DB` (`none` =
//! memory only), then `[store] url` of `config.toml`, then `$LLM_GATEWAY_HOME/logs.db`, default
//! `~/.llm-cli-gateway/logs.db`.
//!
//! Shared by doctor's store check and by `serve`, which refuses to start on a store URL that is
//! not a `postgres://` URL (the job service would take it for a SQLite file path) and names the
//! setting to fix when the PostgreSQL server cannot be used. Nothing here ever holds a password
//! in a message: URLs are shown through [`gateway_store::redact_url`], and a value that is not a
//! URL is not shown at all.

use std::path::{Path, PathBuf};

use gateway_core::env;
use gateway_store::Location;

use crate::options::DoctorOptions;

/// `source` of a PostgreSQL store named in `config.toml`.
pub const CONFIG_SOURCE: &str = "store.url";

/// Where the gateway keeps its store, and which setting said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreSetting {
    pub location: Location,
    /// `LLM_GATEWAY_DATABASE_URL`, `LLM_GATEWAY_LOGS_DB`, `LLM_GATEWAY_JOBS_DB`,
    /// [`CONFIG_SOURCE`], `LLM_GATEWAY_HOME` or `default`.
    pub source: &'static str,
    /// The `config.toml` the gateway reads (it need not exist).
    pub config_file: PathBuf,
    /// Why the setting cannot be used as it stands (a store URL that is not `postgres://`);
    /// `serve` refuses to start, doctor reports an error.
    pub problem: Option<String>,
}

impl StoreSetting {
    /// Resolves the store from `options`' environment and `config.toml`.
    pub fn resolve(options: &DoctorOptions) -> StoreSetting {
        let data_dir = options.var(env::HOME).map_or_else(
            || options.home.join(".llm-cli-gateway"),
            |home| PathBuf::from(home.trim()),
        );
        let config_file = options
            .var(env::CONFIG)
            .map_or_else(|| data_dir.join("config.toml"), PathBuf::from);
        let setting = |location, source| StoreSetting {
            location,
            source,
            config_file: config_file.clone(),
            problem: None,
        };
        if let Some(url) = options.var(env::DATABASE_URL) {
            let url = url.trim();
            let mut found = setting(Location::Postgres(url.to_owned()), env::DATABASE_URL);
            if !gateway_store::is_postgres_url(url) {
                found.problem = Some(not_a_url(env::DATABASE_URL, url));
            }
            return found;
        }
        for name in [env::LOGS_DB, env::JOBS_DB] {
            if let Some(value) = options.var(name) {
                let value = value.trim();
                if value.eq_ignore_ascii_case("none") {
                    return setting(Location::Memory, name);
                }
                return setting(Location::File(PathBuf::from(value)), name);
            }
        }
        match config_store_url(&config_file) {
            ConfigUrl::Postgres(url) => return setting(Location::Postgres(url), CONFIG_SOURCE),
            ConfigUrl::Invalid(problem) => {
                let mut found = setting(Location::Postgres(String::new()), CONFIG_SOURCE);
                found.problem = Some(problem);
                return found;
            }
            ConfigUrl::Absent => {}
        }
        match options.var(env::HOME) {
            Some(home) => setting(
                Location::File(Path::new(home.trim()).join("logs.db")),
                env::HOME,
            ),
            None => setting(
                Location::File(options.home.join(".llm-cli-gateway").join("logs.db")),
                "default",
            ),
        }
    }

    /// The setting to edit, for messages: `LLM_GATEWAY_DATABASE_URL`, `[store] url in
    /// <config.toml>`, or the variable or default that chose the file.
    pub fn setting_name(&self) -> String {
        match self.source {
            CONFIG_SOURCE => format!("[store] url in {}", self.config_file.display()),
            "default" => "the default store (~/.llm-cli-gateway/logs.db)".to_owned(),
            source => source.to_owned(),
        }
    }

    /// The PostgreSQL URL, when the store is PostgreSQL (never shown without redaction).
    pub fn postgres_url(&self) -> Option<&str> {
        match &self.location {
            Location::Postgres(url) if self.problem.is_none() => Some(url),
            _ => None,
        }
    }
}

/// The message for a store URL that is not a PostgreSQL URL. Only its scheme is shown: the
/// rest may hold a password in a shape [`gateway_store::redact_url`] does not recognize.
fn not_a_url(setting: &str, value: &str) -> String {
    let scheme = value
        .split_once("://")
        .map(|(scheme, _)| scheme)
        .filter(|scheme| {
            scheme.len() <= 20
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
    let found = match scheme {
        Some(scheme) => format!("it starts with `{scheme}://`"),
        None => "it has no `scheme://`".to_owned(),
    };
    format!(
        "{setting} is not a PostgreSQL URL ({found}); expected {URL_SHAPE} (for a SQLite file, unset it and set {} instead)",
        env::LOGS_DB
    )
}

/// The shape of a good URL, for messages.
pub const URL_SHAPE: &str =
    "postgres://USER:PASSWORD@HOST:PORT/DATABASE[?sslmode=disable|prefer|require]";

enum ConfigUrl {
    Absent,
    Postgres(String),
    Invalid(String),
}

/// `[store] url` of `config_file`. A file that is missing or not TOML names no store (the
/// gateway warns about it and goes on, as doctor's other checks do).
fn config_store_url(config_file: &Path) -> ConfigUrl {
    let Ok(text) = std::fs::read_to_string(config_file) else {
        return ConfigUrl::Absent;
    };
    let Ok(table) = text.parse::<toml::Table>() else {
        return ConfigUrl::Absent;
    };
    let Some(url) = table.get("store").and_then(|store| store.get("url")) else {
        return ConfigUrl::Absent;
    };
    let setting = format!("[store] url in {}", config_file.display());
    match url.as_str() {
        Some(url) if gateway_store::is_postgres_url(url) => ConfigUrl::Postgres(url.to_owned()),
        Some(url) => ConfigUrl::Invalid(not_a_url(&setting, url)),
        None => ConfigUrl::Invalid(format!(
            "{setting} is not a string; expected \"{URL_SHAPE}\""
        )),
    }
}

/// What to do when the PostgreSQL store named by `setting` failed with `error` (a
/// [`gateway_store::StoreError`]'s text, which never holds the password): one sentence naming
/// the setting and the likely fix.
pub fn postgres_fix(setting: &str, error: &str) -> String {
    let lower = error.to_ascii_lowercase();
    if lower.contains("not a postgresql url") || lower.contains("invalid connection string") {
        format!("fix {setting}: it does not parse as {URL_SHAPE}")
    } else if lower.contains("password authentication failed")
        || lower.contains("authentication")
        || (lower.contains("role") && lower.contains("does not exist"))
    {
        format!(
            "fix the user or password in {setting} (the server refused the login; or allow it in the server's pg_hba.conf)"
        )
    } else if lower.contains("database") && lower.contains("does not exist") {
        format!(
            "create the database (`createdb -h HOST -p PORT -U USER DATABASE`), or fix the database name in {setting}"
        )
    } else if lower.contains("connection refused")
        || lower.contains("timed out")
        || lower.contains("timeout")
        || lower.contains("no route")
        || lower.contains("lookup")
        || lower.contains("name or service not known")
        || lower.contains("unreachable")
    {
        format!(
            "start the PostgreSQL server, or fix the host and port in {setting}: nothing answered there"
        )
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("ssl") {
        format!("fix sslmode / sslrootcert in {setting}")
    } else if lower.contains("permission denied") {
        format!(
            "grant the user in {setting} the right to create tables in the database (the gateway creates its schema on first start)"
        )
    } else {
        format!("check {setting} and the PostgreSQL server")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(vars: &[(&str, &str)], config: Option<&str>) -> StoreSetting {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        if let Some(config) = config {
            std::fs::write(data.join("config.toml"), config).unwrap();
        }
        let mut options = DoctorOptions::isolated("", dir.path());
        options.env = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        options
            .env
            .insert(env::HOME.to_owned(), data.display().to_string());
        let mut setting = StoreSetting::resolve(&options);
        // Paths under the temp dir are not comparable across calls.
        if let Location::File(path) = &setting.location {
            setting.location = Location::File(PathBuf::from(path.file_name().unwrap()));
        }
        setting
    }

    #[test]
    fn the_database_url_wins_then_the_files_then_the_config() {
        const PG: &str = "postgres://u:secret@db:5432/gw";
        const CONFIG: &str = "[store]\nurl = \"postgresql://c:pw@cfg/gw\"\n";
        let setting = resolve(&[(env::DATABASE_URL, PG), (env::LOGS_DB, "/x.db")], None);
        assert_eq!(
            (setting.location, setting.source, setting.problem),
            (Location::Postgres(PG.to_owned()), env::DATABASE_URL, None)
        );
        let setting = resolve(&[(env::LOGS_DB, "/y/logs.db")], Some(CONFIG));
        assert_eq!(setting.location, Location::File(PathBuf::from("logs.db")));
        assert_eq!(setting.source, env::LOGS_DB);
        let setting = resolve(&[], Some(CONFIG));
        assert_eq!(setting.source, CONFIG_SOURCE);
        assert_eq!(setting.postgres_url(), Some("postgresql://c:pw@cfg/gw"));
        assert!(setting.setting_name().starts_with("[store] url in "));
        let setting = resolve(&[], Some("[limits]\nmax_running = 2\n"));
        assert_eq!(setting.source, env::HOME);
    }

    #[test]
    fn a_store_url_that_is_not_postgres_is_a_problem_that_never_shows_the_password() {
        for value in [
            "postgress://u:secret@db/gw",
            "u:secret@db:5432/gw",
            "mysql://u:secret@db/gw",
        ] {
            let setting = resolve(&[(env::DATABASE_URL, value)], None);
            let problem = setting.problem.clone().expect(value);
            assert!(problem.contains(env::DATABASE_URL), "{problem}");
            assert!(!problem.contains("secret"), "{problem}");
            assert_eq!(setting.postgres_url(), None);
        }
        let setting = resolve(&[], Some("[store]\nurl = \"pg://u:secret@db/gw\"\n"));
        let problem = setting.problem.unwrap();
        assert!(problem.contains("[store] url in "), "{problem}");
        assert!(problem.contains("`pg://`"), "{problem}");
        assert!(!problem.contains("secret"), "{problem}");
        let setting = resolve(&[], Some("[store]\nurl = 5\n"));
        assert!(setting.problem.unwrap().contains("not a string"));
    }

    #[test]
    fn fixes_name_the_setting_and_what_failed() {
        let cases = [
            (
                "error connecting to server: Connection refused (os error 111)",
                "start the PostgreSQL server",
            ),
            (
                "db error: FATAL: password authentication failed for user \"gateway\"",
                "user or password",
            ),
            (
                "db error: FATAL: database \"nope\" does not exist",
                "createdb",
            ),
            (
                "not a PostgreSQL URL: invalid connection string",
                "does not parse",
            ),
        ];
        for (error, fix) in cases {
            let text = postgres_fix(env::DATABASE_URL, error);
            assert!(text.contains(fix), "{error}: {text}");
            assert!(text.contains(env::DATABASE_URL), "{text}");
        }
    }
}
