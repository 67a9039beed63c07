//! The OpenAPI document: public, complete (every route the router serves is
//! in it, and nothing else), and true (every response body recorded in the
//! request tests' snapshots validates against its schemas).

use std::collections::BTreeSet;

use insta::assert_json_snapshot;
use loco_rs::app::Hooks;
use serde_json::Value;
use todo_api::app::App;

use crate::support::with_app;

#[tokio::test]
async fn the_document_is_public_and_lists_every_route() {
    with_app(|server, ctx| async move {
        let response = server.get("/api/openapi.json").await;
        assert_eq!(response.status_code(), 200);
        let doc: Value = response.json();
        assert_eq!(doc["openapi"], "3.1.0");

        let mut served = BTreeSet::new();
        for route in App::routes(&ctx).collect() {
            if !route.uri.starts_with("/api/") || route.uri == "/api/openapi.json" {
                continue; // Loco's /_ping, /_health, /_readiness and the document itself
            }
            for method in route.actions {
                if method != axum::http::Method::HEAD {
                    served.insert(format!("{} {}", method.as_str().to_lowercase(), route.uri));
                }
            }
        }
        let mut documented = BTreeSet::new();
        for (path, operations) in doc["paths"].as_object().expect("paths") {
            for method in operations.as_object().expect("operations").keys() {
                documented.insert(format!("{method} {path}"));
            }
        }
        assert!(!served.is_empty());
        assert_eq!(served, documented);

        // The docs page is served from the binary, without a token.
        let docs = server.get("/api/docs/").await;
        assert_eq!(docs.status_code(), 200);
        assert!(docs.text().contains("swagger-ui-bundle.js"));
        let bundle = server.get("/api/docs/swagger-ui-bundle.js").await;
        assert_eq!(bundle.status_code(), 200);

        assert_json_snapshot!("openapi_document", doc);
    })
    .await;
}

/// Client generators key their methods by `operationId`: each must be
/// unique (PUT and PATCH once shared one). And the limits the document
/// states are the model's own.
#[tokio::test]
async fn operation_ids_are_unique_and_limits_are_the_models() {
    use todo_api::models::{recurrence, tags, task_input, task_list};
    with_app(|server, _ctx| async move {
        let doc: Value = server.get("/api/openapi.json").await.json();
        let mut ids = Vec::new();
        for operations in doc["paths"].as_object().expect("paths").values() {
            for operation in operations.as_object().expect("operations").values() {
                ids.push(
                    operation["operationId"]
                        .as_str()
                        .expect("an operationId")
                        .to_string(),
                );
            }
        }
        let unique: BTreeSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "duplicate operationId in {ids:?}");

        let schemas = &doc["components"]["schemas"];
        for body in ["CreateTask", "UpdateTask"] {
            let properties = &schemas[body]["properties"];
            assert_eq!(
                properties["title"]["maxLength"],
                task_input::TITLE_MAX_CHARS,
                "{body}.title"
            );
            assert_eq!(
                properties["description"]["maxLength"],
                task_input::DESCRIPTION_MAX_CHARS,
                "{body}.description"
            );
            assert_eq!(
                properties["tags"]["maxItems"],
                tags::MAX_TAGS_PER_TASK,
                "{body}.tags"
            );
            assert_eq!(
                properties["recurrence"]["maxLength"],
                recurrence::MAX_RULE_CHARS,
                "{body}.recurrence"
            );
        }
        assert_eq!(schemas["TagName"]["maxLength"], tags::TAG_MAX_CHARS);
        let list = &doc["paths"]["/api/{user_id}/tasks"]["get"]["parameters"];
        let param = |name: &str| {
            list.as_array()
                .expect("parameters")
                .iter()
                .find(|p| p["name"] == name)
                .cloned()
                .unwrap_or_else(|| panic!("parameter {name}"))
        };
        assert_eq!(param("limit")["schema"]["maximum"], task_list::MAX_LIMIT);
        assert_eq!(
            param("q")["schema"]["maxLength"],
            task_list::MAX_QUERY_CHARS
        );
    })
    .await;
}

/// Resolves `#/components/schemas/...` references.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.rsplit('/').next().expect("ref name");
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// A small JSON Schema check for what utoipa generates: `$ref`, `type`
/// (one or a list), `properties`, `required`, `items`, `enum`, `oneOf`,
/// `allOf`. Snapshot placeholders stand for the values they replaced.
fn validate(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let fits = options.iter().any(|option| {
            let mut local = Vec::new();
            validate(doc, option, value, at, &mut local);
            local.is_empty()
        });
        if !fits {
            errors.push(format!("{at}: matches no oneOf option: {value}"));
        }
        return;
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for part in parts {
            validate(doc, part, value, at, errors);
        }
    }
    let placeholder = value
        .as_str()
        .filter(|s| s.starts_with('[') && s.ends_with(']'));
    let type_name = match (value, placeholder) {
        (_, Some("[id]")) => "integer",
        (Value::Null, _) => "null",
        (Value::Bool(_), _) => "boolean",
        (Value::Number(n), _) if n.is_i64() || n.is_u64() => "integer",
        (Value::Number(_), _) => "number",
        (Value::String(_), _) => "string",
        (Value::Array(_), _) => "array",
        (Value::Object(_), _) => "object",
    };
    if let Some(expected) = schema.get("type") {
        let allowed: Vec<&str> = match expected {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok =
            allowed.contains(&type_name) || (type_name == "integer" && allowed.contains(&"number"));
        if !ok {
            errors.push(format!(
                "{at}: {type_name} where the schema says {expected}"
            ));
            return;
        }
    }
    if let (Some(options), None) = (schema.get("enum").and_then(Value::as_array), placeholder) {
        if !options.contains(value) {
            errors.push(format!("{at}: {value} is not one of {options:?}"));
        }
    }
    if let Value::Object(members) = value {
        let properties = schema.get("properties").and_then(Value::as_object);
        for required in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = required.as_str().unwrap_or_default();
            if !members.contains_key(name) {
                errors.push(format!("{at}: missing required {name}"));
            }
        }
        if let Some(properties) = properties {
            for (name, member) in members {
                match properties.get(name) {
                    Some(property) => {
                        validate(doc, property, member, &format!("{at}.{name}"), errors)
                    }
                    None => errors.push(format!("{at}: {name} is not in the schema")),
                }
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            validate(doc, item_schema, item, &format!("{at}[{i}]"), errors);
        }
    }
}

/// The schema the document gives for a response of `status` from
/// `method path`, with its media type.
fn response_schema<'a>(
    doc: &'a Value,
    method: &str,
    path: &str,
    status: u16,
) -> Option<(&'a str, &'a Value)> {
    let response = &doc["paths"][path][method]["responses"][status.to_string()];
    let content = response.get("content")?.as_object()?;
    let (media, body) = content.iter().next()?;
    Some((media.as_str(), body.get("schema")?))
}

#[tokio::test]
async fn snapshot_bodies_validate_against_the_document() {
    with_app(|server, _ctx| async move {
        let doc: Value = server.get("/api/openapi.json").await.json();
        let dir = format!("{}/tests/requests/snapshots", env!("CARGO_MANIFEST_DIR"));
        let mut checked = 0;
        let mut errors = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("snapshots") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("read");
            // insta's header ends at the second `---`.
            let Some(json) = text.splitn(3, "---").nth(2) else {
                continue;
            };
            let Ok(snapshot) = serde_json::from_str::<Value>(json.trim()) else {
                continue;
            };
            let (Some(status), Some(body)) = (snapshot["status"].as_u64(), snapshot.get("body"))
            else {
                continue;
            };
            let status = u16::try_from(status).expect("status");
            if body.is_null() {
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            // Loco's monitoring routes are not part of the task API; the
            // development token route is documented only where it exists
            // (tests/requests/web_client.rs checks its body there).
            if name.contains("__health__") || name.contains("__dev_token_created") {
                continue;
            }
            // `/mcp` speaks JSON-RPC, described by the MCP specification
            // and its tool schemas (`tests/requests/mcp.rs`); only its
            // problem+json refusals share this document's shape.
            if name.contains("__mcp__") && snapshot["content_type"] != "application/problem+json" {
                continue;
            }
            // Every error shares one schema; other bodies are a task, a
            // tag, a list, an array of one of these, or of events.
            let list_shaped = |v: &Value| v.get("name").is_some() && v.get("position").is_some();
            let tag_shaped =
                |v: &Value| v.get("name").is_some() && v.get("title").is_none() && !list_shaped(v);
            let event_shaped = |v: &Value| {
                (v.get("task_id").is_some() || v.get("list_id").is_some())
                    && v.get("type").is_some()
            };
            let schema = if snapshot["content_type"] == "application/problem+json" {
                let (media, schema) =
                    response_schema(&doc, "get", "/api/{user_id}/tasks/{id}", 404).expect("404");
                assert_eq!(media, "application/problem+json");
                schema.clone()
            } else if body
                .as_array()
                .is_some_and(|items| items.iter().any(event_shaped))
            {
                response_schema(&doc, "get", "/api/{user_id}/events", 200)
                    .expect("events")
                    .1
                    .clone()
            } else if body
                .as_array()
                .is_some_and(|items| items.iter().any(tag_shaped))
            {
                response_schema(&doc, "get", "/api/{user_id}/tags", 200)
                    .expect("tags")
                    .1
                    .clone()
            } else if body
                .as_array()
                .is_some_and(|items| items.iter().any(list_shaped))
            {
                response_schema(&doc, "get", "/api/{user_id}/lists", 200)
                    .expect("lists")
                    .1
                    .clone()
            } else if list_shaped(body) {
                response_schema(&doc, "get", "/api/{user_id}/lists/{id}", 200)
                    .expect("a list")
                    .1
                    .clone()
            } else if tag_shaped(body) {
                response_schema(&doc, "patch", "/api/{user_id}/tags/{name}", 200)
                    .expect("a tag")
                    .1
                    .clone()
            } else if body.is_array() {
                response_schema(&doc, "get", "/api/{user_id}/tasks", 200)
                    .expect("list")
                    .1
                    .clone()
            } else {
                response_schema(&doc, "get", "/api/{user_id}/tasks/{id}", 200)
                    .expect("task")
                    .1
                    .clone()
            };
            validate(&doc, &schema, body, &name, &mut errors);
            // The status must be one the document lists somewhere (405 comes
            // for methods that are not operations, so no operation lists it).
            let listed = status == 405
                || doc["paths"].as_object().unwrap().values().any(|ops| {
                    ops.as_object()
                        .unwrap()
                        .values()
                        .any(|op| op["responses"].get(status.to_string()).is_some())
                });
            if !listed {
                errors.push(format!("{name}: status {status} is documented nowhere"));
            }
            checked += 1;
        }
        assert!(checked >= 25, "only {checked} snapshot bodies found");
        assert!(errors.is_empty(), "{}", errors.join("\n"));
    })
    .await;
}
