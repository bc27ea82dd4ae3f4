//! Pointing each real CLI at the loopback [`MockVendorApi`]: the environment, config files and
//! (codex only) extra `-c` flags each one needs (provider-clis.md §6, "Stronger, still cheap").

use std::collections::BTreeMap;

use gateway_core::ProviderId;
use gateway_test_support::{MockVendorApi, TestHome};

use crate::runner::Runner;

/// The key every mock run uses (any key without `invalid` is accepted).
pub const MOCK_KEY: &str = "sk-contract-test";

/// Configures `runner` (env, config files under the temp home, extra argv) for `provider`.
///
/// # Panics
/// When a config file cannot be written.
pub fn point_at_mock(runner: &mut Runner<'_>, provider: ProviderId, mock: &MockVendorApi) {
    let base = mock.base_url();
    let home = runner.home;
    let env: BTreeMap<&str, String> = match provider {
        ProviderId::Claude => BTreeMap::from([
            ("ANTHROPIC_BASE_URL", base),
            ("ANTHROPIC_API_KEY", MOCK_KEY.to_owned()),
            ("CLAUDE_CODE_MAX_RETRIES", "0".to_owned()),
            ("IS_SANDBOX", "1".to_owned()),
        ]),
        ProviderId::Codex => {
            let provider = format!(
                "model_providers.mock={{name=\"mock\",base_url=\"{base}/v1\",env_key=\"OPENAI_API_KEY\",wire_api=\"responses\",request_max_retries=0,stream_max_retries=0}}"
            );
            let flags = ["-c", "model_provider=\"mock\"", "-c", &provider]
                .map(str::to_owned)
                .to_vec();
            runner.insert = Some(("exec".to_owned(), flags));
            BTreeMap::from([("OPENAI_API_KEY", MOCK_KEY.to_owned())])
        }
        ProviderId::Gemini => {
            write(
                home,
                ".gemini/settings.json",
                r#"{"security":{"auth":{"selectedType":"gemini-api-key"}}}"#,
            );
            BTreeMap::from([
                ("GOOGLE_GEMINI_BASE_URL", base),
                ("GEMINI_API_KEY", MOCK_KEY.to_owned()),
            ])
        }
        ProviderId::Grok => BTreeMap::from([
            ("XAI_API_KEY", MOCK_KEY.to_owned()),
            ("GROK_MODELS_BASE_URL", format!("{base}/v1")),
            ("GROK_MODELS_LIST_URL", format!("{base}/v1/models")),
        ]),
        ProviderId::Mistral => {
            let config = format!(
                "enable_telemetry = false\n\n[[providers]]\nname = \"mistral\"\napi_base = \"{base}/v1\"\napi_key_env_var = \"MISTRAL_API_KEY\"\nbackend = \"mistral\"\n"
            );
            write(home, ".vibe/config.toml", &config);
            BTreeMap::from([("MISTRAL_API_KEY", MOCK_KEY.to_owned())])
        }
    };
    runner.env.extend(
        env.into_iter()
            .map(|(name, value)| (name.to_owned(), value)),
    );
}

fn write(home: &TestHome, relative: &str, contents: &str) {
    let path = home.path().join(relative);
    if let Some(parent) = path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    std::fs::write(&path, contents)
        .unwrap_or_else(|error| panic!("write {}: {error}", path.display()));
}
