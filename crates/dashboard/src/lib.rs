//! `llm-cli-gateway dashboard`: a local web UI over the store every gateway process writes.
//!
//! Server-rendered HTML (maud) with one embedded stylesheet and one small script for the live
//! parts (SSE: the job list and a running job's output). Read-only over the database — its own
//! read-only connection, so it never takes the write lock — except cancel, which goes through
//! [`gateway_jobs::cancel::cancel_job`] like `jobs cancel`. Loopback only; see [`auth`] for
//! the login, session, CSRF, `Host` and `Origin` rules. Stable URLs: `/jobs`, `/jobs/<id>`,
//! `/validations`, `/validations/<id>`, `/usage`, `/tool-calls`, `/health`.

mod auth;
mod chart;
mod live;
mod pages;
mod view;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use gateway_doctor::DoctorOptions;
use gateway_store::StoreError;
use gateway_store::query::ReadStore;

/// How to run the dashboard.
#[derive(Debug, Clone)]
pub struct DashboardOptions {
    /// The database every gateway writes.
    pub db: gateway_store::Location,
    /// 0 picks a free port.
    pub port: u16,
    /// Retention in days (shown on `/health`; also the cancel's row retention).
    pub retention_days: u32,
    /// What `/health` probes providers with (doctor's view).
    pub doctor: DoctorOptions,
}

/// Shared by every request.
#[derive(Debug)]
pub(crate) struct App {
    options: DashboardOptions,
    auth: auth::Auth,
    /// Opened on first use (no gateway may have made the file yet); one connection, used on
    /// blocking threads.
    store: Mutex<Option<ReadStore>>,
    health: pages::health::Cache,
    models: pages::usage::ModelCache,
}

/// What a page could not do.
#[derive(Debug)]
pub(crate) enum PageError {
    NoDatabase(gateway_store::Location),
    NotFound(String),
    Store(StoreError),
}

impl From<StoreError> for PageError {
    fn from(error: StoreError) -> Self {
        PageError::Store(error)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, text) = match self {
            PageError::NoDatabase(path) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "No database yet",
                format!(
                    "No gateway has written {} yet: start one (`llm-cli-gateway serve`), then reload.",
                    path.shown()
                ),
            ),
            PageError::NotFound(what) => (StatusCode::NOT_FOUND, "Not found", what),
            PageError::Store(error) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Database error",
                error.to_string(),
            ),
        };
        (status, view::notice(title, &text)).into_response()
    }
}

pub(crate) type PageResult = Result<Response, PageError>;

impl App {
    /// Runs `read` against the store on a blocking thread.
    pub(crate) async fn read<T: Send + 'static>(
        self: &Arc<Self>,
        read: impl FnOnce(&ReadStore) -> Result<T, PageError> + Send + 'static,
    ) -> Result<T, PageError> {
        let app = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let mut slot = app
                .store
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if slot.is_none() {
                *slot = ReadStore::open_at(&app.options.db)?;
            }
            match slot.as_ref() {
                Some(store) => read(store),
                None => Err(PageError::NoDatabase(app.options.db.clone())),
            }
        })
        .await
        .unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()))
    }
}

/// A bound dashboard, not yet serving: its URL (with the login token) can be printed first.
pub struct Dashboard {
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    url: String,
}

impl Dashboard {
    /// Binds 127.0.0.1 on `options.port`.
    pub async fn bind(options: DashboardOptions) -> std::io::Result<Dashboard> {
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, options.port)))
                .await?;
        let port = listener.local_addr()?.port();
        let auth = auth::Auth::new(port);
        let url = format!("http://127.0.0.1:{port}/?token={}", auth.login_token());
        let app = Arc::new(App {
            options,
            auth,
            store: Mutex::new(None),
            health: pages::health::Cache::default(),
            models: pages::usage::ModelCache::default(),
        });
        Ok(Dashboard { listener, app, url })
    }

    /// The login URL: `http://127.0.0.1:PORT/?token=…` (works once).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Serves until `shutdown` completes.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        // Doctor's probes and the per-model sums take a moment: have them ready before `/health`
        // and `/usage` are opened.
        let app = Arc::clone(&self.app);
        tokio::spawn(async move {
            app.health.get(&app).await;
            let _ = pages::usage::models(&app, pages::usage::DEFAULT_DAYS).await;
        });
        axum::serve(self.listener, router(self.app))
            .with_graceful_shutdown(shutdown)
            .await
    }
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/jobs") }))
        .route("/jobs", get(pages::jobs::list))
        .route("/jobs/live", get(live::job_rows))
        .route("/jobs/{id}", get(pages::job::show))
        .route("/jobs/{id}/live", get(live::job_output))
        .route("/jobs/{id}/cancel", post(pages::job::cancel))
        .route("/validations", get(pages::validations::list))
        .route("/validations/{id}", get(pages::validations::show))
        .route("/usage", get(pages::usage::show))
        .route("/tool-calls", get(pages::tool_calls::list))
        .route("/health", get(pages::health::show))
        .route(
            "/assets/app.css",
            get(|| async { asset("text/css; charset=utf-8", view::CSS) }),
        )
        .route(
            "/assets/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", view::JS) }),
        )
        .fallback(|| async { PageError::NotFound("No such page.".to_owned()) })
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&app),
            auth::guard,
        ))
        .layer(axum::middleware::from_fn(auth::headers))
        .with_state(app)
}
