//! `/health`: the store (path, size, schema, retention), the gateway processes registered in
//! it, and the providers as `doctor` sees them. Doctor runs `--version` probes, so its report
//! is made in the background and kept for a minute.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::IntoResponse;
use gateway_doctor::{DoctorReport, ProviderCheck};
use gateway_store::{Store, now_ms};
use maud::{Markup, html};
use tokio::sync::Mutex;

use crate::view::{count, page, utc};
use crate::{App, PageResult};

/// How long a doctor report is shown before a new one is made.
const FRESH: Duration = Duration::from_secs(60);
/// Gateways heartbeat every minute: one silent for longer is probably gone.
const SILENT_MS: i64 = 150_000;

/// The last doctor report.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    report: Mutex<Option<(Instant, Arc<DoctorReport>)>>,
}

impl Cache {
    /// The cached report, made now when there is none or it is stale.
    pub(crate) async fn get(&self, app: &App) -> Arc<DoctorReport> {
        let mut slot = self.report.lock().await;
        if let Some((made, report)) = slot.as_ref()
            && made.elapsed() < FRESH
        {
            return Arc::clone(report);
        }
        let report = Arc::new(gateway_doctor::collect(&app.options.doctor).await);
        *slot = Some((Instant::now(), Arc::clone(&report)));
        report
    }
}

struct StoreFacts {
    size_bytes: u64,
    schema: i64,
    instances: Vec<gateway_store::query::InstanceRecord>,
}

pub(crate) async fn show(State(app): State<Arc<App>>) -> PageResult {
    let db = app.options.db.clone();
    let facts = app
        .read(move |store| {
            let size_bytes = match &db {
                gateway_store::Location::File(db) => ["", "-wal"]
                    .iter()
                    .filter_map(|suffix| {
                        let mut path = db.clone().into_os_string();
                        path.push(suffix);
                        std::fs::metadata(path).ok()
                    })
                    .map(|meta| meta.len())
                    .sum(),
                _ => 0,
            };
            Ok(StoreFacts {
                size_bytes,
                schema: store.schema_version()?,
                instances: store.instances()?,
            })
        })
        .await?;
    let report = app.health.get(&app).await;
    let now = now_ms();
    let body = html! {
        h2 { "Store" }
        dl.facts {
            dt { "Where" } dd { code { (app.options.db.shown()) } }
            dt { "Size" } dd { (count(i64::try_from(facts.size_bytes).unwrap_or(i64::MAX))) " bytes (database and write-ahead log)" }
            dt { "Schema version" } dd { (facts.schema) " (this binary writes " (Store::latest_schema_version()) ")" }
            dt { "Retention" } dd { (app.options.retention_days) " days" }
        }
        h2 { "Gateway processes" }
        table {
            thead { tr { th scope="col" { "Instance" } th.num scope="col" { "PID" } th scope="col" { "Host" }
                th scope="col" { "Started" } th scope="col" { "Last heartbeat" } th scope="col" { "State" } } }
            tbody {
                @if facts.instances.is_empty() { tr { td colspan="6" { "No gateway is registered." } } }
                @for instance in &facts.instances {
                    tr {
                        td { code { (instance.id) } }
                        td.num { (instance.pid) }
                        td { (instance.host) }
                        td { (utc(instance.started_at_ms, now)) }
                        td { (utc(instance.heartbeat_at_ms, now)) }
                        td { (if now - instance.heartbeat_at_ms > SILENT_MS { "silent (probably gone)" } else { "alive" }) }
                    }
                }
            }
        }
        h2 { "Providers" }
        p { "As `llm-cli-gateway doctor` sees them, " (utc(report.generated_at_ms, now)) "." }
        (providers(&report.providers))
    };
    Ok(page("Health", "/health", body).into_response())
}

fn providers(checks: &[ProviderCheck]) -> Markup {
    html! {
        table {
            thead { tr { th scope="col" { "Provider" } th scope="col" { "Binary" } th scope="col" { "Status" }
                th scope="col" { "Version" } th scope="col" { "Login" } th scope="col" { "Path" } } }
            tbody {
                @for check in checks {
                    tr {
                        td { (check.provider) @if check.selected == Some(true) { " (selected)" } }
                        td { code { (check.binary) } }
                        td { (if check.usable { "usable" } else if check.path.is_some() { "not working" } else { "not installed" }) }
                        td { (check.version.as_deref().unwrap_or("–")) }
                        td { (check.login.detail) }
                        td { code { (check.path.as_deref().unwrap_or("–")) } }
                    }
                }
            }
        }
    }
}
