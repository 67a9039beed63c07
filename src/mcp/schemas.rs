//! The tools' JSON Schemas, taken from the OpenAPI document.
//!
//! A tool's arguments are a REST body or query under the same names, so
//! its `inputSchema` is the OpenAPI schema of that body (`CreateTask`,
//! `UpdateTask`, `SetCompletion`) or the list route's query parameters,
//! with references resolved; its `outputSchema` is built from the `Task`
//! and `Tag` schemas. The limits and enums are therefore declared once
//! (`controllers::task_docs` and the views), and the document and the tools
//! cannot disagree.

use serde_json::{json, Map, Value};
use utoipa::OpenApi;

use crate::controllers::docs::ApiDoc;

/// The list route's query parameters a tool takes (the cursor is not one:
/// `limit` goes up to 1,000).
pub const LIST_ARGUMENTS: [&str; 10] = [
    "status",
    "q",
    "tag",
    "due_after",
    "due_before",
    "list_id",
    "parent_id",
    "sort",
    "order",
    "limit",
];

/// The OpenAPI document as JSON, and lookups into it.
pub struct Document {
    root: Value,
}

impl Document {
    #[must_use]
    pub fn load() -> Self {
        Self {
            root: serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null),
        }
    }

    /// A component schema with every reference resolved.
    #[must_use]
    pub fn schema(&self, name: &str) -> Value {
        self.inline(&self.root["components"]["schemas"][name], 0)
    }

    /// The list route's query parameters named in [`LIST_ARGUMENTS`], as
    /// the properties of one object schema.
    #[must_use]
    pub fn list_arguments(&self) -> Value {
        let mut properties = Map::new();
        let parameters = self.root["paths"]["/api/{user_id}/tasks"]["get"]["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for parameter in parameters {
            let Some(name) = parameter["name"].as_str() else {
                continue;
            };
            if parameter["in"] != "query" || !LIST_ARGUMENTS.contains(&name) {
                continue;
            }
            let mut schema = self.inline(&parameter["schema"], 0);
            if let (Some(map), Some(description)) =
                (schema.as_object_mut(), parameter["description"].as_str())
            {
                // The tool's `time_zone` argument is what the header is to
                // the route.
                let description = description.replace("`X-Timezone`", "`time_zone`");
                map.insert("description".into(), json!(description));
            }
            properties.insert(name.to_string(), schema);
        }
        // What `X-Timezone` is to the route.
        properties.insert(
            "time_zone".to_string(),
            json!({
                "type": "string",
                "description": "The IANA zone (`Europe/Berlin`) a date alone in `due_after` or `due_before` is read in; default UTC",
                "examples": ["Europe/Berlin"],
            }),
        );
        json!({"type": "object", "properties": properties})
    }

    /// `value` with `$ref`s to component schemas replaced by the schemas
    /// (siblings of a `$ref` win), OpenAPI's `example` as JSON Schema's
    /// `examples`.
    fn inline(&self, value: &Value, depth: usize) -> Value {
        // The document's schemas are not recursive; this only bounds a
        // mistake.
        if depth > 16 {
            return json!({});
        }
        match value {
            Value::Object(map) => {
                let mut out = Map::new();
                if let Some(name) = map
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    if let Value::Object(target) =
                        self.inline(&self.root["components"]["schemas"][name], depth + 1)
                    {
                        out = target;
                    }
                }
                for (key, item) in map {
                    match key.as_str() {
                        "$ref" => {}
                        "example" => {
                            out.insert("examples".into(), json!([item]));
                        }
                        _ => {
                            out.insert(key.clone(), self.inline(item, depth + 1));
                        }
                    }
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| self.inline(item, depth + 1))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// The `task_id` argument: a task's id.
#[must_use]
pub fn task_id() -> Value {
    json!({
        "type": "integer",
        "minimum": 1,
        "description": "The task's id (`id` in a task); another user's id is not found",
    })
}

/// `schema` (an object schema) with `task_id` added as a required
/// property.
#[must_use]
pub fn with_task_id(mut schema: Value) -> Value {
    schema["type"] = json!("object");
    if !schema["properties"].is_object() {
        schema["properties"] = json!({});
    }
    schema["properties"]["task_id"] = task_id();
    let mut required = vec![json!("task_id")];
    if let Some(existing) = schema["required"].as_array() {
        required.extend(existing.iter().filter(|name| *name != "task_id").cloned());
    }
    schema["required"] = Value::Array(required);
    schema
}
