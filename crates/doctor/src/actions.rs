//! The "next steps" list: concrete commands derived from the checks, most important first
//! (no usable CLI, broken installs, logins, config facts, store, HTTP, client registration).

use gateway_core::env;

use crate::checks::clients::GEMINI_UNTRUSTED;
use crate::report::{
    Backend, ClientCheck, Exposure, HttpCheck, LoginStatus, ProviderCheck, Status, StoreCheck,
};
use crate::store_setting::{CONFIG_SOURCE, postgres_fix};

pub(crate) fn next_actions(
    providers: &[ProviderCheck],
    store: &StoreCheck,
    http: &HttpCheck,
    clients: &[ClientCheck],
) -> Vec<String> {
    let mut actions = provider_actions(providers);
    if store.status == Status::Error {
        actions.push(store_action(store));
    }
    if http.exposure == Exposure::Misconfigured {
        actions.push(http_action(http));
    }
    actions.extend(client_actions(clients));
    actions
}

fn store_action(store: &StoreCheck) -> String {
    if store.backend == Backend::Sqlite {
        return format!(
            "Fix the store ({}), or point {} at a writable file: export {}=/path/to/logs.db",
            store.detail,
            env::LOGS_DB,
            env::LOGS_DB
        );
    }
    let setting = match store.source {
        CONFIG_SOURCE => "[store] url in config.toml",
        source => source,
    };
    let Some(url) = &store.url else {
        // The setting itself is wrong; the detail says how.
        return format!("Fix the PostgreSQL store setting: {}", store.detail);
    };
    // The server's reason alone: the URL's host or options must not steer the fix.
    let reason = store.detail.replace(url.as_str(), "");
    format!(
        "Fix the PostgreSQL store: {} ({})",
        postgres_fix(setting, &reason),
        store.detail
    )
}

fn provider_actions(providers: &[ProviderCheck]) -> Vec<String> {
    let mut actions = Vec::new();
    if !providers.iter().any(|provider| provider.usable) {
        let commands: Vec<String> = providers
            .iter()
            .filter(|provider| provider.verified)
            .filter_map(|provider| provider.install.commands.first().map(|c| format!("`{c}`")))
            .collect();
        actions.push(format!(
            "Install at least one provider CLI: {}",
            commands.join(" or ")
        ));
    } else if !providers.iter().any(ProviderCheck::can_answer) {
        actions.push(
            "Log in to at least one provider CLI: every installed one reports no login (commands below)"
                .to_owned(),
        );
    }
    for provider in providers.iter().filter(|provider| !provider.usable) {
        let Some(path) = &provider.path else { continue };
        let error = provider
            .probe
            .as_ref()
            .and_then(|probe| probe.error.clone())
            .unwrap_or_default();
        let reinstall = provider
            .install
            .commands
            .first()
            .cloned()
            .unwrap_or_default();
        actions.push(format!(
            "{} at {path} is broken: {error}; reinstall: `{reinstall}`",
            provider.binary
        ));
    }
    for provider in providers.iter().filter(|provider| provider.usable) {
        if provider.login.status == LoginStatus::NotAuthenticated
            && let Some(command) = provider.login_guidance.commands.first()
        {
            actions.push(format!(
                "Log in to {}: `{command}` ({})",
                provider.binary,
                lowercase_first(&provider.login_guidance.summary)
            ));
        }
        for fact in provider
            .facts
            .iter()
            .filter(|fact| fact.status >= Status::Warn)
        {
            actions.push(fact_action(provider, &fact.name));
        }
    }
    actions
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

fn fact_action(provider: &ProviderCheck, fact: &str) -> String {
    match (provider.binary, fact) {
        ("vibe", "session logging") => {
            "Turn vibe session logging back on (needed to resume sessions): set `[session_logging]` `enabled = true` in ~/.vibe/config.toml".to_owned()
        }
        ("grok", "identity") => {
            "Replace the community grok CLI with xAI's: `npm install -g @xai-official/grok`".to_owned()
        }
        (binary, fact) => format!("Check the {fact} of {binary} (see the doctor report)"),
    }
}

fn http_action(http: &HttpCheck) -> String {
    if http.auth_disabled {
        return format!(
            "Unset {} and set a token instead: export {}=\"$(openssl rand -hex 32)\" (or bind to loopback: export {}=127.0.0.1)",
            env::AUTH_DISABLED,
            env::AUTH_TOKEN,
            env::HTTP_HOST
        );
    }
    if http.port.is_some()
        && http.host.parse::<std::net::IpAddr>().is_ok()
        && !http.token_configured
    {
        return format!(
            "Set a token before serving on {}: export {}=\"$(openssl rand -hex 32)\" (or bind to loopback: export {}=127.0.0.1)",
            http.host,
            env::AUTH_TOKEN,
            env::HTTP_HOST
        );
    }
    format!("Fix the HTTP settings: {}", http.detail)
}

fn client_actions(clients: &[ClientCheck]) -> Vec<String> {
    let mut actions: Vec<String> = clients
        .iter()
        .filter(|client| client.status == Status::Warn && client.registered)
        .map(|client| {
            if client.detail.starts_with(GEMINI_UNTRUSTED) {
                return format!("{}.", client.detail);
            }
            format!(
                "Update the {} registration ({}): `llm-cli-gateway register {}`",
                client.client, client.detail, client.client
            )
        })
        .collect();
    if !clients.iter().any(|client| client.registered) {
        let target = clients
            .iter()
            .find(|client| client.configs.iter().any(|config| config.present))
            .map_or("claude-code", |client| client.client);
        actions.push(format!(
            "Register the gateway with your MCP client: `llm-cli-gateway register {target}`"
        ));
    }
    actions
}
