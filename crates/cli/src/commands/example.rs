//! `schema example <kind>`: an envelope built from the kind's JSON Schema alone, so it is valid
//! by construction and never drifts from the output (a test validates every kind's example).
//!
//! Each value is the first the schema allows: `const`, then `examples[0]`, then the first
//! `enum` value, the first non-null branch of `anyOf`/`oneOf`, every property of an object,
//! `minItems` (at least one) items of an array, `minimum` (else 0) for numbers.

use serde_json::{Map, Value, json};

/// Deepest nesting followed (schemas of recursive types would otherwise not end).
const MAX_DEPTH: usize = 24;

/// An example envelope of `schema`: `ok` with `data`, or for a kind that never has data (the
/// `error` kind) a failed one with `error`.
pub(crate) fn envelope_example(schema: &Value) -> Value {
    let mut example = instance(schema, schema, 0);
    if let Some(envelope) = example.as_object_mut() {
        let ok = !envelope.get("data").is_none_or(Value::is_null);
        envelope.insert("ok".to_owned(), Value::Bool(ok));
        if ok {
            envelope.insert("error".to_owned(), Value::Null);
        }
    }
    example
}

fn instance(node: &Value, root: &Value, depth: usize) -> Value {
    let Some(schema) = node.as_object().filter(|_| depth < MAX_DEPTH) else {
        return Value::Null;
    };
    let first = |key: &str| {
        schema
            .get(key)
            .and_then(Value::as_array)
            .and_then(|values| values.first())
    };
    if let Some(value) = schema.get("const").or_else(|| first("examples")) {
        return value.clone();
    }
    if let Some(value) = first("enum") {
        return value.clone();
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = root
            .pointer(reference.trim_start_matches('#'))
            .unwrap_or(&Value::Null);
        return instance(target, root, depth + 1);
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(branches) = schema.get(key).and_then(Value::as_array) {
            let branch = branches
                .iter()
                .find(|branch| branch.get("type") != Some(&json!("null")))
                .or(branches.first());
            return branch.map_or(Value::Null, |branch| instance(branch, root, depth + 1));
        }
    }
    match type_of(schema) {
        "object" => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let object: Map<String, Value> = properties
                .into_iter()
                .flatten()
                .map(|(name, property)| (name.clone(), instance(property, root, depth + 1)))
                .collect();
            Value::Object(object)
        }
        "array" => {
            let count = schema
                .get("minItems")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                .max(1);
            let item = schema
                .get("items")
                .map_or(Value::Null, |items| instance(items, root, depth + 1));
            Value::Array(vec![item; usize::try_from(count).unwrap_or(1)])
        }
        "string" => Value::String("example".to_owned()),
        "integer" => json!(schema.get("minimum").and_then(Value::as_i64).unwrap_or(0)),
        "number" => json!(schema.get("minimum").and_then(Value::as_f64).unwrap_or(0.0)),
        "boolean" => Value::Bool(false),
        _ => Value::Null,
    }
}

/// The first non-null `type` (an object when only `properties` says so).
fn type_of(schema: &Map<String, Value>) -> &str {
    match schema.get("type") {
        Some(Value::String(kind)) => kind,
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|kind| *kind != "null")
            .unwrap_or("null"),
        _ if schema.contains_key("properties") => "object",
        _ => "null",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_take_the_first_value_each_schema_allows() {
        let schema = json!({
            "type": "object",
            "properties": {
                "schema": { "const": "llm-cli-gateway.v1.x" },
                "ok": { "type": "boolean" },
                "data": { "anyOf": [{ "$ref": "#/$defs/data" }, { "type": "null" }] },
                "error": { "anyOf": [{ "type": "object", "properties": { "code": { "type": "string" } } }, { "type": "null" }] }
            },
            "$defs": { "data": { "type": "object", "properties": {
                "status": { "enum": ["ok", "error"] },
                "count": { "type": ["integer", "null"], "minimum": 3 },
                "evidence": { "type": "array", "minItems": 2, "items": { "type": "string", "examples": ["env KEY"] } },
                "cost": { "type": "number" }
            } } }
        });
        assert_eq!(
            envelope_example(&schema),
            json!({
                "schema": "llm-cli-gateway.v1.x",
                "ok": true,
                "data": { "status": "ok", "count": 3, "evidence": ["env KEY", "env KEY"], "cost": 0.0 },
                "error": null
            })
        );
    }
}
