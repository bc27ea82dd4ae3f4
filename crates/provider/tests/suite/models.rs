//! The model registry: defaults, lists and aliases from a fake environment, resolution rules,
//! and the `list_models` listing.

use std::collections::BTreeMap;

use gateway_core::ProviderId;
use gateway_provider::models::{ModelRegistry, Resolution};

fn registry(vars: &[(&str, &str)]) -> ModelRegistry {
    let env: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    ModelRegistry::from_env(&|name| env.get(name).cloned())
}

#[test]
fn nothing_configured_lets_the_cli_choose() {
    let registry = registry(&[]);
    for provider in ProviderId::ALL {
        assert_eq!(registry.resolve(provider, None), Ok(None));
        assert_eq!(registry.resolve(provider, Some("default")), Ok(None));
        assert_eq!(registry.resolve(provider, Some(" LATEST ")), Ok(None));
        assert_eq!(
            registry.resolve(provider, Some("some-new-model")),
            Ok(Some("some-new-model".to_owned()))
        );
    }
    assert!(registry.warnings().is_empty());
}

/// provider, requested model, expected model or error text.
type Case = (
    ProviderId,
    Option<&'static str>,
    Result<Option<&'static str>, &'static str>,
);

#[test]
fn resolution_table() {
    let registry = registry(&[
        ("CLAUDE_DEFAULT_MODEL", "claude-sonnet-4-5"),
        (
            "CLAUDE_MODEL_ALIASES",
            "fast=claude-haiku-4-5, Big = claude-opus-4-1",
        ),
        ("GEMINI_MODEL_ALIASES", r#"{"pro": "gemini-2.5-pro"}"#),
        (
            "LLM_GATEWAY_MODEL_ALIASES",
            "gemini:flash=gemini-2.5-flash,codex:smart=gpt-5-codex,claude.fast=claude-haiku-9,grok:g=grok-4",
        ),
        ("GROK_MODELS", "grok-4=flagship,grok-code-fast"),
        (
            "MISTRAL_MODELS",
            r#"["devstral-2", {"name": "mistral-medium-3.5", "description": "balanced"}]"#,
        ),
    ]);
    let cases: &[Case] = &[
        (ProviderId::Claude, None, Ok(Some("claude-sonnet-4-5"))),
        (
            ProviderId::Claude,
            Some("default"),
            Ok(Some("claude-sonnet-4-5")),
        ),
        (ProviderId::Claude, Some("big"), Ok(Some("claude-opus-4-1"))),
        // LLM_GATEWAY_MODEL_ALIASES wins over CLAUDE_MODEL_ALIASES.
        (ProviderId::Claude, Some("FAST"), Ok(Some("claude-haiku-9"))),
        (ProviderId::Claude, Some("  sonnet "), Ok(Some("sonnet"))),
        (ProviderId::Gemini, Some("pro"), Ok(Some("gemini-2.5-pro"))),
        (
            ProviderId::Gemini,
            Some("flash"),
            Ok(Some("gemini-2.5-flash")),
        ),
        // Aliases are per provider.
        (ProviderId::Codex, Some("flash"), Ok(Some("flash"))),
        (ProviderId::Codex, Some("smart"), Ok(Some("gpt-5-codex"))),
        (
            ProviderId::Codex,
            Some(""),
            Err("invalid `model`: must not be empty; leave it out or use `default`"),
        ),
        (
            ProviderId::Codex,
            Some("--yolo"),
            Err(
                "invalid `model`: value \"--yolo\" starts with '-' and would be read as a command-line flag",
            ),
        ),
        (ProviderId::Grok, Some("g"), Ok(Some("grok-4"))),
        (
            ProviderId::Mistral,
            Some("a\nb"),
            Err("invalid `model`: must not contain line breaks"),
        ),
    ];
    for (provider, requested, expected) in cases {
        let got = registry
            .resolve(*provider, *requested)
            .map_err(|err| err.to_string());
        let expected = expected
            .map(|model| model.map(str::to_owned))
            .map_err(str::to_owned);
        assert_eq!(got, expected, "{provider} {requested:?}");
    }
    assert!(registry.warnings().is_empty(), "{:?}", registry.warnings());
}

#[test]
fn detailed_resolution_says_whether_the_model_is_listed() {
    let registry = registry(&[
        ("GROK_MODELS", "grok-4,grok-code-fast"),
        ("GROK_MODEL_ALIASES", "g=grok-4"),
    ]);
    assert_eq!(
        registry
            .resolve_detailed(ProviderId::Grok, Some("G"))
            .unwrap(),
        Resolution {
            model: Some("grok-4".into()),
            alias: Some("G".into()),
            listed: Some(true)
        }
    );
    assert_eq!(
        registry
            .resolve_detailed(ProviderId::Grok, Some("grok-9"))
            .unwrap()
            .listed,
        Some(false)
    );
    // No list configured: nothing to compare against.
    assert_eq!(
        registry
            .resolve_detailed(ProviderId::Codex, Some("x"))
            .unwrap()
            .listed,
        None
    );
    assert_eq!(
        registry
            .resolve_detailed(ProviderId::Grok, None)
            .unwrap()
            .listed,
        None
    );
}

#[test]
fn vibe_models_and_active_model() {
    let vibe = registry(&[
        ("VIBE_ACTIVE_MODEL", "devstral-2"),
        (
            "VIBE_MODELS",
            r#"[{"alias": "devstral-2", "name": "devstral-2512"}, {"alias": "medium", "name": "mistral-medium-2508"}]"#,
        ),
    ]);
    assert_eq!(
        vibe.resolve(ProviderId::Mistral, None),
        Ok(Some("devstral-2".to_owned()))
    );
    // vibe selects by alias, so the full name resolves to the alias.
    assert_eq!(
        vibe.resolve(ProviderId::Mistral, Some("mistral-medium-2508")),
        Ok(Some("medium".to_owned()))
    );
    let listed = vibe
        .resolve_detailed(ProviderId::Mistral, Some("medium"))
        .unwrap();
    assert_eq!(listed.listed, Some(true));
    // MISTRAL_DEFAULT_MODEL beats VIBE_ACTIVE_MODEL.
    let both = registry(&[
        ("VIBE_ACTIVE_MODEL", "devstral-2"),
        ("MISTRAL_DEFAULT_MODEL", "medium"),
    ]);
    assert_eq!(
        both.resolve(ProviderId::Mistral, Some("latest")),
        Ok(Some("medium".to_owned()))
    );
}

#[test]
fn malformed_configuration_is_skipped_with_warnings() {
    let registry = registry(&[
        ("CODEX_DEFAULT_MODEL", "-bad"),
        ("CODEX_MODELS", "[not json"),
        ("CLAUDE_MODEL_ALIASES", "noequals,ok=claude-x,evil=--flag"),
        (
            "LLM_GATEWAY_MODEL_ALIASES",
            "nobody:a=b,gemini-no-separator",
        ),
        ("VIBE_MODELS", "{}"),
        ("GEMINI_DEFAULT_MODEL", "latest"),
    ]);
    insta::assert_debug_snapshot!(registry.warnings());
    assert_eq!(registry.resolve(ProviderId::Codex, None), Ok(None));
    assert_eq!(
        registry.resolve(ProviderId::Claude, Some("ok")),
        Ok(Some("claude-x".to_owned()))
    );
    assert_eq!(
        registry.resolve(ProviderId::Claude, Some("evil")),
        Ok(Some("evil".to_owned()))
    );
    assert_eq!(registry.resolve(ProviderId::Gemini, None), Ok(None));
}

#[test]
fn listing_for_list_models() {
    let registry = registry(&[
        ("CLAUDE_DEFAULT_MODEL", "sonnet"),
        (
            "CODEX_MODELS",
            r#"{"gpt-5-codex": "coding", "gpt-5": null}"#,
        ),
        ("GEMINI_MODEL_ALIASES", "pro=gemini-2.5-pro"),
        ("MISTRAL_MODELS", "devstral-2\nmistral-medium-3.5=balanced"),
    ]);
    insta::assert_json_snapshot!(registry.listing());
}

#[test]
fn from_process_env_reads_the_real_environment_without_panicking() {
    let registry = ModelRegistry::from_process_env();
    assert_eq!(registry.listing().len(), ProviderId::ALL.len());
}
