//! Tool schemas and argument parsing.
//!
//! Schemas are generated from the wire types (draft 2020-12, as MCP requires), stripped of noise
//! (`$schema`, `title`) to keep `tools/list` small. Arguments are checked against the same
//! property list before deserializing, so an unknown or misspelled parameter gets an error that
//! names it and the closest known one: the schemas leave `additionalProperties` out (a client's
//! validator would only say "additional property", and the key costs bytes in every tool).

use std::collections::BTreeSet;
use std::sync::Arc;

use rmcp::model::JsonObject;
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::ToolError;

/// The input schema of `T`, compact.
pub fn input_schema<T: JsonSchema>() -> JsonObject {
    generate::<T>(false)
}

/// The output schema of `T` (what `Serialize` writes). Nested objects are only typed as
/// objects and nothing is `required`: the top-level fields and their types are what clients
/// read, and every byte here is paid by every client in every `tools/list`.
pub fn output_schema<T: JsonSchema>() -> Arc<JsonObject> {
    let mut object = generate::<T>(true);
    object.remove("required");
    if let Some(Value::Object(properties)) = object.get_mut("properties") {
        for property in properties.values_mut() {
            shallow(property);
        }
    }
    Arc::new(object)
}

/// Keeps a nested schema's type but drops its inner structure (items of arrays stay typed
/// when they are scalars).
fn shallow(schema: &mut Value) {
    let Value::Object(map) = schema else {
        return;
    };
    if map.get("type").and_then(Value::as_str) == Some("object") {
        map.remove("properties");
        map.remove("required");
        map.remove("additionalProperties");
    }
    if let Some(Value::Object(items)) = map.get_mut("items")
        && items.get("type").and_then(Value::as_str) == Some("object")
    {
        items.remove("properties");
        items.remove("required");
        items.remove("additionalProperties");
    }
}

/// Two input schemas merged into one flat object (common parameters, then the provider's own).
/// Properties of `first` win on a name clash; `$defs` and `required` are unioned.
pub fn merged_input_schema<A: JsonSchema, B: JsonSchema>() -> JsonObject {
    let mut merged = input_schema::<A>();
    let second = generate::<B>(false);
    for key in ["properties", "$defs"] {
        if let Some(Value::Object(extra)) = second.get(key) {
            let target = merged
                .entry(key)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(target) = target {
                for (name, schema) in extra {
                    target.entry(name.clone()).or_insert_with(|| schema.clone());
                }
            }
        }
    }
    if let Some(Value::Array(extra)) = second.get("required") {
        let required = merged
            .entry("required")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(required) = required {
            required.extend(extra.iter().cloned());
        }
    }
    merged
}

/// An `_async` twin's input schema: only `prompt`, and open, since the twin's description
/// refers to its sync tool for every other parameter (the same parser still refuses unknown
/// names): no parameter is described twice in `tools/list`.
pub fn twin_input_schema() -> JsonObject {
    let schema = serde_json::json!({
        "type": "object",
        "properties": {"prompt": {"type": "string", "minLength": 1}},
        "required": ["prompt"],
    });
    match schema {
        Value::Object(object) => object,
        _ => JsonObject::new(),
    }
}

fn generate<T: JsonSchema>(for_output: bool) -> JsonObject {
    let mut settings = SchemaSettings::draft2020_12();
    if for_output {
        settings = settings.for_serialize();
    }
    let schema = settings.into_generator().into_root_schema_for::<T>();
    let mut value = serde_json::to_value(schema).unwrap_or_default();
    inline_definitions(&mut value);
    compact(&mut value, for_output);
    let mut object = match value {
        Value::Object(object) => object,
        _ => JsonObject::new(),
    };
    object.remove("$schema");
    object.remove("title");
    object.remove("description");
    object
}

/// Replaces every `{"$ref": "#/$defs/X"}` by the definition itself and drops `$defs`: each
/// enum is used once or twice per tool, so the reference costs more bytes than the copy.
/// (Our wire types are not recursive; a self-reference is left as it is.)
fn inline_definitions(root: &mut Value) {
    let Some(Value::Object(definitions)) = root.as_object_mut().and_then(|map| map.remove("$defs"))
    else {
        return;
    };
    let definitions: Map<String, Value> = definitions
        .into_iter()
        .map(|(name, mut definition)| {
            if let Value::Object(map) = &mut definition {
                map.remove("description");
            }
            (name, definition)
        })
        .collect();
    replace_refs(root, &definitions, 0);
}

fn replace_refs(value: &mut Value, definitions: &Map<String, Value>, depth: usize) {
    match value {
        Value::Object(map) => {
            let target = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/$defs/"));
            if let Some(Value::Object(definition)) =
                target.and_then(|name| definitions.get(name)).cloned()
                && depth < 8
            {
                map.remove("$ref");
                for (key, value) in definition {
                    map.entry(key).or_insert(value);
                }
            }
            for child in map.values_mut() {
                replace_refs(child, definitions, depth + 1);
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| replace_refs(item, definitions, depth + 1)),
        _ => {}
    }
}

/// Rust-isms that cost bytes in every `tools/list` and tell a model nothing: `"default":
/// null`/`false`/`[]` (absent means the same), `[T, "null"]` types and `anyOf [X, null]`
/// wrappers (null and absent are treated alike), integer `format`s (`uint64` is not a JSON
/// Schema format), `minimum: 0` of unsigned integers (a negative number is refused by name), and
/// `oneOf` lists of documented constants (one `enum` says it). Output schemas also lose
/// descriptions: they are for validating, not reading.
fn compact(value: &mut Value, for_output: bool) {
    match value {
        Value::Object(map) => {
            if map.get("default").is_some_and(is_trivial_default) {
                map.remove("default");
            }
            if map
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(is_numeric_format)
            {
                map.remove("format");
            }
            if for_output {
                map.remove("description");
            }
            if map.get("minimum").and_then(Value::as_u64) == Some(0) {
                map.remove("minimum");
            }
            unwrap_nullable(map);
            collapse_const_variants(map);
            if map.contains_key("enum") && map.get("type").and_then(Value::as_str) == Some("string")
            {
                map.remove("type");
            }
            if map.get("additionalProperties") == Some(&Value::Bool(true)) {
                map.remove("additionalProperties");
            }
            for child in map.values_mut() {
                compact(child, for_output);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| compact(item, for_output)),
        _ => {}
    }
}

/// `oneOf` of string constants (an enum whose variants carry docs) → one `enum`.
fn collapse_const_variants(map: &mut Map<String, Value>) {
    let Some(Value::Array(variants)) = map.get("oneOf") else {
        return;
    };
    let mut values = Vec::new();
    for variant in variants {
        match (variant.get("const"), variant.get("enum")) {
            (Some(constant), None) => values.push(constant.clone()),
            (None, Some(Value::Array(many))) => values.extend(many.iter().cloned()),
            _ => return,
        }
        if variant.get("type").and_then(Value::as_str) != Some("string") {
            return;
        }
    }
    map.remove("oneOf");
    map.insert("type".into(), Value::String("string".into()));
    map.insert("enum".into(), Value::Array(values));
}

fn is_trivial_default(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

fn is_numeric_format(format: &str) -> bool {
    matches!(
        format,
        "uint"
            | "uint8"
            | "uint16"
            | "uint32"
            | "uint64"
            | "int"
            | "int8"
            | "int16"
            | "int32"
            | "int64"
            | "double"
            | "float"
    )
}

/// `"type": ["string", "null"]` → `"string"`; `anyOf: [X, {"type": "null"}]` → X's keys.
fn unwrap_nullable(map: &mut Map<String, Value>) {
    if let Some(Value::Array(types)) = map.get("type") {
        let kept: Vec<Value> = types
            .iter()
            .filter(|t| t.as_str() != Some("null"))
            .cloned()
            .collect();
        if kept.len() == 1 {
            map.insert("type".into(), kept[0].clone());
        }
    }
    let Some(Value::Array(variants)) = map.get("anyOf") else {
        return;
    };
    let non_null: Vec<&Value> = variants
        .iter()
        .filter(|v| v.get("type").and_then(Value::as_str) != Some("null"))
        .collect();
    if non_null.len() == variants.len() || non_null.len() != 1 {
        return;
    }
    let Some(Value::Object(inner)) = non_null.first().map(|v| (*v).clone()) else {
        return;
    };
    map.remove("anyOf");
    for (key, value) in inner {
        map.entry(key).or_insert(value);
    }
}

/// The parameter names a schema declares.
pub fn property_names(schema: &JsonObject) -> BTreeSet<String> {
    match schema.get("properties") {
        Some(Value::Object(properties)) => properties.keys().cloned().collect(),
        _ => BTreeSet::new(),
    }
}

/// Rejects parameters the tool does not have, naming them and the closest known one.
pub fn reject_unknown(
    tool: &str,
    args: &JsonObject,
    known: &BTreeSet<String>,
) -> Result<(), ToolError> {
    let unknown: Vec<&String> = args.keys().filter(|key| !known.contains(*key)).collect();
    let Some(first) = unknown.first() else {
        return Ok(());
    };
    let names = unknown
        .iter()
        .map(|key| format!("`{key}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let hint = closest(first, known)
        .map(|name| format!(" Did you mean `{name}`?"))
        .unwrap_or_default();
    Err(ToolError::Fixable(format!(
        "unknown parameter {names} for {tool}.{hint} Known parameters: {}.",
        known
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// Deserializes `args` into `T`, after [`reject_unknown`]. A type error names the parameter.
pub fn parse_args<T: DeserializeOwned>(
    tool: &str,
    args: JsonObject,
    known: &BTreeSet<String>,
) -> Result<T, ToolError> {
    reject_unknown(tool, &args, known)?;
    deserialize(args)
}

/// Deserializes an object, turning serde's message into one that names the offending key.
pub fn deserialize<T: DeserializeOwned>(args: JsonObject) -> Result<T, ToolError> {
    match serde_json::from_value::<T>(Value::Object(args.clone())) {
        Ok(value) => Ok(value),
        Err(error) => Err(locate_error::<T>(&args, &error.to_string())),
    }
}

/// serde reports "invalid type: string, expected u64" without saying which field. Probe each
/// key alone (a "missing field" complaint then means that key itself was fine) to find it.
fn locate_error<T: DeserializeOwned>(args: &JsonObject, message: &str) -> ToolError {
    if message.starts_with("missing field") {
        return ToolError::Fixable(format!("{message} (a required parameter)"));
    }
    for (key, value) in args {
        let mut alone = Map::new();
        alone.insert(key.clone(), value.clone());
        if let Err(error) = serde_json::from_value::<T>(Value::Object(alone)) {
            let text = error.to_string();
            if !text.starts_with("missing field") {
                return ToolError::param(key, text);
            }
        }
    }
    ToolError::Fixable(format!("invalid parameters: {message}"))
}

/// The known name closest to `name` by edit distance, if it is close enough to be a typo.
fn closest<'a>(name: &str, known: &'a BTreeSet<String>) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    known
        .iter()
        .map(|candidate| {
            (
                edit_distance(&lower, &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, candidate)| *distance <= 2.max(candidate.len() / 4))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate.as_str())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize, JsonSchema, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Sample {
        /// Required text.
        prompt: String,
        /// Optional number.
        idle_timeout_ms: Option<u64>,
        #[serde(default)]
        dry_run: bool,
    }

    #[derive(Debug, Deserialize, JsonSchema, Default)]
    #[serde(rename_all = "camelCase", default)]
    struct Extra {
        /// A provider option.
        max_turns: Option<u32>,
    }

    fn object(value: Value) -> JsonObject {
        match value {
            Value::Object(object) => object,
            _ => panic!("not an object"),
        }
    }

    fn message(error: ToolError) -> String {
        match error {
            ToolError::Fixable(text) | ToolError::Internal(text) => text,
        }
    }

    #[test]
    fn schema_is_compact() {
        let schema = input_schema::<Sample>();
        assert!(!schema.contains_key("$schema"));
        assert!(!schema.contains_key("title"));
        assert!(!schema.contains_key("additionalProperties"));
        assert!(
            schema["properties"]["idleTimeoutMs"]
                .get("minimum")
                .is_none()
        );
        assert_eq!(schema["required"], json!(["prompt"]));
    }

    #[derive(Debug, serde::Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    struct Out {
        job_id: String,
        exit_code: Option<i32>,
        stream: Nested,
    }

    #[derive(Debug, serde::Serialize, JsonSchema)]
    struct Nested {
        text: String,
    }

    #[test]
    fn output_schema_requires_nothing_and_keeps_nested_objects_shallow() {
        let schema = Value::Object(output_schema::<Out>().as_ref().clone());
        assert_eq!(
            schema,
            json!({
                "type": "object",
                "properties": {
                    "jobId": {"type": "string"},
                    "exitCode": {"type": "integer"},
                    "stream": {"type": "object"}
                }
            })
        );
    }

    #[test]
    fn merged_schema_has_both_property_sets() {
        let schema = merged_input_schema::<Sample, Extra>();
        let names: Vec<String> = property_names(&schema).into_iter().collect();
        assert_eq!(names, vec!["dryRun", "idleTimeoutMs", "maxTurns", "prompt"]);
        assert_eq!(schema["required"], json!(["prompt"]));
    }

    #[test]
    fn parse_errors_name_the_parameter() {
        let known = property_names(&input_schema::<Sample>());
        let cases = [
            (
                json!({"prompt": "x", "dryRn": true}),
                "unknown parameter `dryRn` for t. Did you mean `dryRun`?",
            ),
            (
                json!({"prompt": "x", "idleTimeoutMs": "soon"}),
                "invalid `idleTimeoutMs`: invalid type: string",
            ),
            (
                json!({"idleTimeoutMs": 5}),
                "missing field `prompt` (a required parameter)",
            ),
            (
                json!({"prompt": 3}),
                "invalid `prompt`: invalid type: integer `3`, expected a string",
            ),
        ];
        for (args, expected) in cases {
            let error =
                message(parse_args::<Sample>("t", object(args.clone()), &known).unwrap_err());
            assert!(error.starts_with(expected), "{args} → {error}");
        }
        let ok: Sample =
            parse_args("t", object(json!({"prompt": "x", "dryRun": true})), &known).unwrap();
        assert_eq!(
            ok,
            Sample {
                prompt: "x".into(),
                idle_timeout_ms: None,
                dry_run: true
            }
        );
    }

    #[test]
    fn closest_name_suggestions() {
        let known: BTreeSet<String> = ["sessionId", "workingDir", "model"]
            .iter()
            .map(|s| (*s).into())
            .collect();
        assert_eq!(closest("sesionId", &known), Some("sessionId"));
        assert_eq!(closest("workngDir", &known), Some("workingDir"));
        assert_eq!(closest("temperature", &known), None);
    }
}
