//! The report for people: one line per check with ✓/!/✗, details where they help, and the
//! next steps as commands. Colour is optional (off for pipes and `NO_COLOR`); the words carry
//! the meaning without it.

use std::fmt::Write as _;

use crate::report::{ClientCheck, DoctorReport, LoginStatus, ProviderCheck, Status};

/// Renders `report` as text for a terminal.
pub fn render_human(report: &DoctorReport, color: bool) -> String {
    let paint = Painter { color };
    let mut out = String::new();
    let verdict = if report.attention_needed {
        paint.status(Status::Error, "attention needed")
    } else {
        paint.status(Status::Ok, "ready")
    };
    let _ = writeln!(
        out,
        "{} {} doctor: {verdict}",
        report.gateway.name, report.gateway.version
    );
    section(&mut out, &paint, "Providers");
    let rows: Vec<[String; 4]> = report.providers.iter().map(provider_row).collect();
    let statuses: Vec<Status> = report.providers.iter().map(|p| p.status).collect();
    table(&mut out, &paint, &statuses, &rows);
    if report.providers.iter().any(|p| p.selected == Some(true)) {
        let _ = writeln!(out, "      * the gemini backend the gateway will run");
    }
    for provider in &report.providers {
        provider_notes(&mut out, &paint, provider);
    }
    section(&mut out, &paint, "Store");
    line(&mut out, &paint, report.store.status, &report.store.detail);
    for budget in &report.store.budgets {
        let status = if budget.spent_usd >= budget.daily_usd {
            Status::Warn
        } else {
            Status::Ok
        };
        let text = format!(
            "budget {}: ${:.4} of ${:.2} spent today (UTC)",
            budget.scope, budget.spent_usd, budget.daily_usd
        );
        line(&mut out, &paint, status, &text);
    }
    section(&mut out, &paint, "HTTP");
    let http = format!("{} [{}]", report.http.detail, report.http.exposure.as_str());
    line(&mut out, &paint, report.http.status, &http);
    section(&mut out, &paint, "MCP clients");
    let rows: Vec<[String; 4]> = report.clients.iter().map(client_row).collect();
    let statuses: Vec<Status> = report.clients.iter().map(|c| c.status).collect();
    table(&mut out, &paint, &statuses, &rows);
    if !report.next_actions.is_empty() {
        section(&mut out, &paint, "Next steps");
        for (number, action) in report.next_actions.iter().enumerate() {
            let _ = writeln!(out, "  {}. {action}", number + 1);
        }
    }
    out
}

fn provider_row(provider: &ProviderCheck) -> [String; 4] {
    let mut name = if provider.binary == provider.provider {
        provider.provider.to_owned()
    } else {
        format!("{} ({})", provider.provider, provider.binary)
    };
    if provider.selected == Some(true) {
        name.push_str(" *");
    }
    let version = match (&provider.path, &provider.version, &provider.probe) {
        (None, _, _) => "not installed".to_owned(),
        (Some(_), Some(version), _) => version.clone(),
        (Some(_), None, Some(probe)) => probe.error.clone().unwrap_or_else(|| "no version".into()),
        (Some(_), None, None) => "not probed".to_owned(),
    };
    let login = match (provider.usable, provider.login.status) {
        (false, _) => String::new(),
        (true, LoginStatus::Authenticated) => "logged in".to_owned(),
        (true, LoginStatus::NotAuthenticated) => "not logged in".to_owned(),
        (true, LoginStatus::Unknown | LoginStatus::NotChecked) => "login unknown".to_owned(),
    };
    let mut location = provider.path.clone().unwrap_or_default();
    if !provider.verified {
        location = if location.is_empty() {
            "unverified".into()
        } else {
            format!("{location} (unverified)")
        };
    }
    [name, version, login, location]
}

/// Facts and login details worth a second line, indented under the table.
fn provider_notes(out: &mut String, paint: &Painter, provider: &ProviderCheck) {
    let name = provider.binary;
    for fact in provider
        .facts
        .iter()
        .filter(|fact| fact.status >= Status::Warn)
    {
        let _ = writeln!(
            out,
            "      {name}: {} {}",
            fact.name,
            paint.status(fact.status, &fact.value)
        );
    }
    if provider.usable && provider.login.status != LoginStatus::Authenticated {
        let _ = writeln!(out, "      {name}: {}", provider.login.detail);
    }
}

fn client_row(client: &ClientCheck) -> [String; 4] {
    let paths: Vec<&str> = client
        .configs
        .iter()
        .filter(|config| config.present)
        .map(|config| config.path.as_str())
        .collect();
    [
        client.client.to_owned(),
        client.detail.clone(),
        paths.join(", "),
        String::new(),
    ]
}

fn section(out: &mut String, paint: &Painter, title: &str) {
    let _ = writeln!(out, "\n{}", paint.bold(title));
}

fn line(out: &mut String, paint: &Painter, status: Status, text: &str) {
    let _ = writeln!(out, "  {} {text}", paint.symbol(status));
}

/// Left-aligned columns; empty trailing columns are dropped.
fn table(out: &mut String, paint: &Painter, statuses: &[Status], rows: &[[String; 4]]) {
    let mut widths = [0usize; 4];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for (status, row) in statuses.iter().zip(rows) {
        let mut text = String::new();
        for (index, (cell, width)) in row.iter().zip(widths).enumerate() {
            if index > 0 {
                text.push_str("  ");
            }
            let _ = write!(text, "{cell:<width$}");
        }
        line(out, paint, *status, text.trim_end());
    }
}

struct Painter {
    color: bool,
}

impl Painter {
    fn symbol(&self, status: Status) -> String {
        let symbol = match status {
            Status::Ok => "✓",
            Status::Info => "·",
            Status::Warn => "!",
            Status::Error => "✗",
        };
        self.status(status, symbol)
    }

    fn status(&self, status: Status, text: &str) -> String {
        let code = match status {
            Status::Ok => "32",
            Status::Info => "2",
            Status::Warn => "33",
            Status::Error => "31",
        };
        self.paint(code, text)
    }

    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\u{1b}[{code}m{text}\u{1b}[0m")
        } else {
            text.to_owned()
        }
    }
}
