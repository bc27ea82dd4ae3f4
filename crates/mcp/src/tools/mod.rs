//! Tool routers, one module per family, composed with `+` into the server's router.
//!
//! Every tool goes through [`route`]: arguments are checked against the tool's own schema
//! (unknown names refused, type errors naming the parameter), then the handler runs, then its
//! outcome is mapped by `error::into_response`. Handlers stay short and never see raw JSON.

pub mod admin;
pub mod jobs;
pub mod providers;
pub mod review;
pub mod sessions;
pub mod validate;

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;

use rmcp::RoleServer;
use rmcp::handler::server::router::tool::{ToolRoute, ToolRouter};
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{
    CallToolResponse, CallToolResult, ContentBlock, JsonObject, Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ToolError, ToolResult, into_response};
use crate::schema;
use crate::server::Server;

/// Builds one family's routes.
type Family = fn() -> ToolRouter<Server>;

/// The tool families `LLM_GATEWAY_TOOLSETS` chooses from, each with its routers.
pub const TOOLSETS: [(&str, &[Family]); 5] = [
    ("providers", &[providers::router]),
    ("jobs", &[jobs::router]),
    ("sessions", &[sessions::router]),
    ("validation", &[validate::router, review::router]),
    ("admin", &[admin::router]),
];

/// The surface of the chosen families (`None`: all of them, the default).
pub fn router(toolsets: Option<&[String]>) -> ToolRouter<Server> {
    let mut router = ToolRouter::new();
    for (name, routers) in TOOLSETS {
        if toolsets.is_none_or(|chosen| chosen.iter().any(|c| c == name)) {
            for family in routers {
                router += family();
            }
        }
    }
    router
}

/// Parses a tool's raw arguments.
pub type Parser<P> = Arc<dyn Fn(&str, JsonObject) -> Result<P, ToolError> + Send + Sync>;

/// A tool's declaration: name, description, whether it only reads, its output type's schema.
pub struct ToolSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub read_only: bool,
    pub output_schema: Option<Arc<JsonObject>>,
}

impl ToolSpec {
    pub fn new(name: &'static str, description: &'static str) -> ToolSpec {
        ToolSpec {
            name,
            description,
            read_only: false,
            output_schema: None,
        }
    }

    pub fn read_only(mut self) -> ToolSpec {
        self.read_only = true;
        self
    }

    pub fn output<T: JsonSchema>(mut self) -> ToolSpec {
        self.output_schema = Some(schema::output_schema::<T>());
        self
    }

    fn into_tool(self, input_schema: JsonObject) -> Tool {
        let mut tool = Tool::new(self.name, self.description, Arc::new(input_schema));
        if let Some(output) = self.output_schema {
            tool = tool.with_raw_output_schema(output);
        }
        // Only read-only tools are annotated: the defaults (may write, not read-only) describe
        // the others, and each annotation costs bytes in every `tools/list`.
        if self.read_only {
            tool = tool.with_annotations(ToolAnnotations::new().read_only(true));
        }
        tool
    }
}

/// A route whose parameters are one struct `P` (schema from `P`, unknown names refused).
pub fn route<P, F, Fut>(spec: ToolSpec, handler: F) -> ToolRoute<Server>
where
    P: DeserializeOwned + JsonSchema + Send + 'static,
    F: Fn(Server, P, RequestContext<RoleServer>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ToolResult> + Send + 'static,
{
    let input = schema::input_schema::<P>();
    let known: BTreeSet<String> = schema::property_names(&input);
    let parser: Parser<P> =
        Arc::new(move |tool: &str, args| schema::parse_args(tool, args, &known));
    route_with(spec, input, parser, handler)
}

/// A route with its own schema and parser (the provider tools merge two structs).
pub fn route_with<P, F, Fut>(
    spec: ToolSpec,
    input: JsonObject,
    parser: Parser<P>,
    handler: F,
) -> ToolRoute<Server>
where
    P: Send + 'static,
    F: Fn(Server, P, RequestContext<RoleServer>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ToolResult> + Send + 'static,
{
    let handler = Arc::new(handler);
    let tool = spec.into_tool(input);
    ToolRoute::new_dyn(tool, move |context: ToolCallContext<'_, Server>| {
        let handler = handler.clone();
        let parser = parser.clone();
        let server = context.service.clone();
        let name = context.name.clone();
        let args = context.arguments.unwrap_or_default();
        let request_context = context.request_context;
        Box::pin(async move {
            let outcome = match parser(&name, args) {
                Ok(params) => handler(server, params, request_context).await,
                Err(error) => Err(error),
            };
            into_response(outcome).map(CallToolResponse::from)
        })
    })
}

/// A result with a human text block and the same data as `structuredContent`. Top-level null
/// fields are left out (absent means unknown; the output schemas say so).
pub fn structured<T: Serialize>(text: impl Into<String>, value: &T) -> ToolResult {
    let mut json = serde_json::to_value(value).map_err(ToolError::internal)?;
    if let serde_json::Value::Object(map) = &mut json {
        map.retain(|_, value| !value.is_null());
    }
    let mut result = CallToolResult::success(vec![ContentBlock::text(text.into())]);
    result.structured_content = Some(json);
    Ok(result)
}

/// A structured result whose text block is the JSON itself (for data-only tools).
pub fn json_result<T: Serialize>(value: &T) -> ToolResult {
    let text = serde_json::to_string(value).map_err(ToolError::internal)?;
    structured(text, value)
}

/// Ensures an optional number lies in `[min, max]`, naming the parameter when it does not.
pub fn check_range(param: &str, value: Option<u64>, min: u64, max: u64) -> Result<(), ToolError> {
    match value {
        Some(value) if value < min || value > max => Err(ToolError::param(
            param,
            format!("{value} is outside {min}–{max}"),
        )),
        _ => Ok(()),
    }
}
