//! `/mcp`: the Model Context Protocol endpoint over HTTP, as a client sends
//! it (no `initialize` needed on this instance: the transport is
//! stateless), every tool with its result and its refusals, the protocol's
//! own errors, the resource's OAuth metadata and its access tokens. Every
//! tool result here is checked against its tool's `outputSchema`, as the
//! official TypeScript SDK checks it (refusals included).

use std::sync::{Arc, LazyLock};

use insta::assert_json_snapshot;
use loco_rs::{app::AppContext, TestServer};
use serde_json::{json, Value};
use todo_api::{
    auth::{McpTokenRules, Verifier},
    errors::ApiError,
    settings::AuthSettings,
};

use crate::support::{
    assert_redacted_snapshot, create_task, jws, now, published, snapshot_of, token, with_app,
    JwksServer, Signer, ALICE, BOB, SECRET,
};

/// The MCP resource of `config/test.yaml`.
const RESOURCE: &str = "http://localhost:5150/mcp";
const LEGACY: &str = "2025-06-18";

/// A JSON-RPC request as a Streamable HTTP client posts it.
async fn post(
    server: &TestServer,
    bearer: Option<&str>,
    version: Option<&str>,
    body: &Value,
) -> axum_test::TestResponse {
    let mut request = server
        .post("/mcp")
        .add_header("accept", "application/json, text/event-stream")
        .json(body);
    if let Some(version) = version {
        request = request.add_header("mcp-protocol-version", version);
    }
    if let Some(bearer) = bearer {
        request = request.authorization_bearer(bearer);
    }
    request.await
}

/// A request of the 2026-07-28 revision: the method (and tool) repeated
/// in headers, the version in `_meta`.
async fn post_current(
    server: &TestServer,
    bearer: &str,
    method: &str,
    tool: Option<&str>,
    mut body: Value,
) -> axum_test::TestResponse {
    body["params"]["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    let mut request = server
        .post("/mcp")
        .add_header("accept", "application/json, text/event-stream")
        .add_header("mcp-protocol-version", "2026-07-28")
        .add_header("mcp-method", method)
        .authorization_bearer(bearer)
        .json(&body);
    if let Some(tool) = tool {
        request = request.add_header("mcp-name", tool);
    }
    request.await
}

/// `tools/call` as `user`, with the 2025-06-18 revision; the JSON-RPC
/// result (or error) object. A result must fit the tool's `outputSchema`
/// ([`assert_fits_output_schema`]).
pub(super) async fn call(server: &TestServer, user: &str, tool: &str, arguments: Value) -> Value {
    let response = post(
        server,
        Some(&token(user)),
        Some(LEGACY),
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": tool, "arguments": arguments}}),
    )
    .await;
    assert_eq!(response.status_code(), 200, "{tool}: {}", response.text());
    let answer = response.json::<Value>();
    if answer["result"].is_object() {
        assert_fits_output_schema(tool, &answer["result"]);
    }
    answer
}

/// A tool's `outputSchema`, as `tools/list` gives it.
fn output_schema(tool: &str) -> &'static Value {
    static TOOLS: LazyLock<Value> = LazyLock::new(|| {
        serde_json::to_value(todo_api::mcp::tools::catalog()).expect("the tools as JSON")
    });
    TOOLS
        .as_array()
        .and_then(|tools| tools.iter().find(|t| t["name"] == json!(tool)))
        .map_or(&Value::Null, |t| &t["outputSchema"])
}

/// What a client that checks `structuredContent` against the tool's
/// `outputSchema` needs, on error results too (the official TypeScript
/// SDK does, and throws a protocol error when it does not fit): a refusal
/// carries none; a success carries one whose types, required fields and
/// array items fit, and that has no field the schema does not name. A
/// subset of JSON Schema, enough for these schemas; the end-to-end suites
/// check every result with real validators (Ajv, Python's `jsonschema`).
fn assert_fits_output_schema(tool: &str, result: &Value) {
    if result["isError"] == json!(true) {
        assert!(
            result.get("structuredContent").is_none(),
            "{tool}: a refusal with structuredContent, which its outputSchema does not allow: {result}"
        );
        return;
    }
    let schema = output_schema(tool);
    assert!(schema.is_object(), "{tool}: no outputSchema");
    let misfits = misfits(schema, &result["structuredContent"], "structuredContent");
    assert!(
        misfits.is_empty(),
        "{tool}: the result does not fit its outputSchema: {misfits:?}\n{result}"
    );
}

/// Where `value` does not fit `schema` (`type`, `const`, `required`,
/// `properties`, `items`), as `path: problem` lines.
fn misfits(schema: &Value, value: &Value, path: &str) -> Vec<String> {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let allowed: Vec<&str> = match &schema["type"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let fits_type = allowed.is_empty()
        || allowed.contains(&kind)
        || (kind == "integer" && allowed.contains(&"number"));
    if !fits_type {
        return vec![format!("{path}: {kind}, not {allowed:?}")];
    }
    let mut found = Vec::new();
    if let Some(constant) = schema.get("const") {
        if constant != value {
            found.push(format!("{path}: {value}, not {constant}"));
        }
    }
    if let Value::Object(object) = value {
        for name in schema["required"].as_array().into_iter().flatten() {
            if !name.as_str().is_some_and(|name| object.contains_key(name)) {
                found.push(format!("{path}.{name}: required, missing"));
            }
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (key, item) in object {
                match properties.get(key) {
                    Some(property) => {
                        found.extend(misfits(property, item, &format!("{path}.{key}")))
                    }
                    None => found.push(format!("{path}.{key}: not named in the schema")),
                }
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (at, item) in items.iter().enumerate() {
            found.extend(misfits(item_schema, item, &format!("{path}[{at}]")));
        }
    }
    found
}

#[test]
fn the_output_schema_check_finds_what_a_client_refuses() {
    // A check that cannot fail proves nothing: what the TypeScript SDK
    // refused before refusals lost their structured content, and more.
    let task = output_schema("add_task");
    let problem = json!({"type": "about:blank", "title": "Not Found", "status": 404,
                         "detail": "task not found"});
    assert!(!misfits(task, &problem, "$").is_empty());
    assert!(!misfits(output_schema("list_tasks"), &json!({"tasks": [{}]}), "$").is_empty());
    assert!(!misfits(
        output_schema("delete_task"),
        &json!({"task_id": 1, "deleted": false}),
        "$"
    )
    .is_empty());
    assert!(!misfits(output_schema("list_tags"), &json!({"tags": "home"}), "$").is_empty());
    assert!(misfits(
        output_schema("delete_task"),
        &json!({"task_id": 1, "deleted": true}),
        "$"
    )
    .is_empty());
}

/// The result of a call: `structuredContent` on success; panics on a
/// refusal.
pub(super) async fn call_ok(
    server: &TestServer,
    user: &str,
    tool: &str,
    arguments: Value,
) -> Value {
    let answer = call(server, user, tool, arguments).await;
    assert_eq!(
        answer["result"]["isError"],
        json!(false),
        "{tool}: {answer}"
    );
    answer["result"]["structuredContent"].clone()
}

async fn task_count(server: &TestServer, user: &str) -> usize {
    let response = server
        .get(&format!("/api/{user}/tasks"))
        .authorization_bearer(token(user))
        .await;
    response.json::<Vec<Value>>().len()
}

/// The user's latest event id (`X-Last-Event-Id` of the feed).
async fn feed_head(server: &TestServer, user: &str) -> String {
    let response = server
        .get(&format!("/api/{user}/events"))
        .authorization_bearer(token(user))
        .await;
    response
        .maybe_header("x-last-event-id")
        .and_then(|v| v.to_str().ok().map(str::to_string))
        .unwrap_or_default()
}

#[tokio::test]
async fn tools_list_carries_the_rest_schemas() {
    with_app(|server, _ctx| async move {
        let response = post(
            &server,
            Some(&token(ALICE)),
            Some(LEGACY),
            &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
        )
        .await;
        assert_redacted_snapshot!("tools_list", snapshot_of(&response));
    })
    .await;
}

#[tokio::test]
async fn initialize_and_discover_serve_every_revision() {
    with_app(|server, _ctx| async move {
        for version in ["2025-06-18", "2025-11-25"] {
            let response = post(
                &server,
                Some(&token(ALICE)),
                None,
                &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                    "protocolVersion": version, "capabilities": {},
                    "clientInfo": {"name": "test", "version": "1"}}}),
            )
            .await;
            let body: Value = response.json();
            assert_eq!(response.status_code(), 200, "{body}");
            assert_eq!(body["result"]["protocolVersion"], json!(version));
            assert!(
                body["result"]["capabilities"]["tools"].is_object(),
                "{body}"
            );
            assert!(
                response.maybe_header("mcp-session-id").is_none(),
                "stateless: no session"
            );
        }
        let discovered = post_current(
            &server,
            &token(ALICE),
            "server/discover",
            None,
            json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {}}),
        )
        .await;
        assert_redacted_snapshot!("discover", snapshot_of(&discovered));
    })
    .await;
}

#[tokio::test]
async fn a_call_on_the_current_revision_needs_no_handshake() {
    with_app(|server, _ctx| async move {
        let response = post_current(
            &server,
            &token(ALICE),
            "tools/call",
            Some("add_task"),
            json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
                "name": "add_task", "arguments": {"title": "Buy milk"}}}),
        )
        .await;
        assert_redacted_snapshot!("call_2026_07_28", snapshot_of(&response));
        // A session id from elsewhere changes nothing.
        let with_session = server
            .post("/mcp")
            .add_header("accept", "application/json, text/event-stream")
            .add_header("mcp-protocol-version", LEGACY)
            .add_header("mcp-session-id", "from-another-instance")
            .authorization_bearer(token(ALICE))
            .json(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                          "params": {"name": "list_tasks", "arguments": {}}}))
            .await;
        assert_eq!(with_session.status_code(), 200, "{}", with_session.text());
        assert_eq!(
            with_session.json::<Value>()["result"]["structuredContent"]["tasks"][0]["title"],
            json!("Buy milk")
        );
    })
    .await;
}

#[tokio::test]
async fn every_tool_answers_with_the_rest_json() {
    with_app(|server, _ctx| async move {
        let added = call(
            &server,
            ALICE,
            "add_task",
            json!({"title": " Water the plants ", "priority": "high", "tags": ["Home", "garden"],
                   "due_date": "2030-05-06T09:00:00Z", "recurrence": "FREQ=WEEKLY;BYDAY=MO"}),
        )
        .await;
        let task_id = added["result"]["structuredContent"]["id"].clone();
        assert_redacted_snapshot!("add_task", &added);
        // The same task as REST shows it.
        let rest: Value = server
            .get(&format!("/api/{ALICE}/tasks/{task_id}"))
            .authorization_bearer(token(ALICE))
            .await
            .json();
        assert_eq!(rest, added["result"]["structuredContent"]);

        let listed = call(&server, ALICE, "list_tasks", json!({"tag": "garden"})).await;
        assert_redacted_snapshot!("list_tasks", &listed);
        let updated = call(
            &server,
            ALICE,
            "update_task",
            json!({"task_id": task_id, "title": "Water the roses", "description": null}),
        )
        .await;
        assert_redacted_snapshot!("update_task", &updated);
        let completed = call(&server, ALICE, "complete_task", json!({"task_id": task_id})).await;
        assert_redacted_snapshot!("complete_task", &completed);
        let reopened = call(
            &server,
            ALICE,
            "complete_task",
            json!({"task_id": task_id, "completed": false}),
        )
        .await;
        assert_eq!(
            reopened["result"]["structuredContent"]["completed"],
            json!(false)
        );
        let tags = call(&server, ALICE, "list_tags", json!({})).await;
        assert_json_snapshot!("list_tags", tags);
        let deleted = call(&server, ALICE, "delete_task", json!({"task_id": task_id})).await;
        assert_eq!(
            deleted["result"]["structuredContent"],
            json!({"task_id": task_id, "deleted": true})
        );
        assert_redacted_snapshot!("delete_task", &deleted);

        // Every write is in the change feed, as a REST write would be.
        let feed: Vec<Value> = server
            .get(&format!("/api/{ALICE}/events"))
            .authorization_bearer(token(ALICE))
            .await
            .json();
        let kinds: Vec<&str> = feed
            .iter()
            .filter(|event| event["task_id"] == task_id)
            .map(|event| event["type"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(
            kinds,
            [
                "task.created",
                "task.updated",
                "task.updated",
                "task.updated",
                "task.deleted"
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn refusals_are_tool_errors_with_the_rest_message() {
    with_app(|server, _ctx| async move {
        let cases = [
            ("add_task_blank_title", "add_task", json!({"title": "   "})),
            ("add_task_no_arguments", "add_task", json!({})),
            (
                "add_task_many_fields",
                "add_task",
                json!({"title": "x".repeat(201), "priority": "urgent", "due_date": "tomorrow",
                       "tags": "work", "recurrence": "FREQ=HOURLY", "completed": "yes"}),
            ),
            ("update_task_no_id", "update_task", json!({"title": "x"})),
            (
                "update_task_id_as_text",
                "update_task",
                json!({"task_id": "seven", "title": "x"}),
            ),
            (
                "update_task_unknown_id",
                "update_task",
                json!({"task_id": 999_999, "title": "x"}),
            ),
            (
                "complete_task_wrong_type",
                "complete_task",
                json!({"task_id": 1, "completed": "yes"}),
            ),
            ("delete_task_zero", "delete_task", json!({"task_id": 0})),
            (
                "list_tasks_bad_status",
                "list_tasks",
                json!({"status": "done", "limit": 0}),
            ),
        ];
        for (name, tool, arguments) in cases {
            // `call` checks the result against the tool's outputSchema.
            let answer = call(&server, ALICE, tool, arguments).await;
            assert_eq!(answer["result"]["isError"], json!(true), "{name}: {answer}");
            assert_json_snapshot!(format!("refusal_{name}"), answer);
        }
        assert_eq!(task_count(&server, ALICE).await, 0, "nothing was stored");
    })
    .await;
}

#[tokio::test]
async fn another_users_task_is_not_found_through_every_tool() {
    with_app(|server, _ctx| async move {
        let bobs = create_task(&server, BOB, json!({"title": "Bob's", "tags": ["secret"]})).await;
        let bob_head = feed_head(&server, BOB).await;
        for (tool, extra) in [
            ("update_task", json!({"title": "mine now"})),
            ("complete_task", json!({})),
            ("complete_task", json!({"completed": false})),
            ("delete_task", json!({})),
        ] {
            let mut arguments = extra;
            arguments["task_id"] = bobs["id"].clone();
            let answer = call(&server, ALICE, tool, arguments).await;
            assert_eq!(answer["result"]["isError"], json!(true), "{tool}: {answer}");
            assert_eq!(
                answer["result"]["content"][0]["text"],
                json!("task not found"),
                "{tool}"
            );
        }
        // Nothing of Bob's shows, nothing of Bob's changed.
        let listed = call_ok(&server, ALICE, "list_tasks", json!({})).await;
        assert_eq!(listed, json!({"tasks": []}));
        let tags = call_ok(&server, ALICE, "list_tags", json!({})).await;
        assert_eq!(tags, json!({"tags": []}));
        let still: Value = server
            .get(&format!("/api/{BOB}/tasks/{}", bobs["id"]))
            .authorization_bearer(token(BOB))
            .await
            .json();
        assert_eq!(still, bobs);
        assert_eq!(feed_head(&server, BOB).await, bob_head);
    })
    .await;
}

#[tokio::test]
async fn protocol_errors_and_bad_requests() {
    with_app(|server, _ctx| async move {
        let alice = token(ALICE);
        let mut seen = serde_json::Map::new();
        let unknown_tool = post(
            &server,
            Some(&alice),
            Some(LEGACY),
            &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                    "params": {"name": "drop_database", "arguments": {}}}),
        )
        .await;
        seen.insert("unknown_tool".into(), snapshot_of(&unknown_tool));
        let unknown_method = post(
            &server,
            Some(&alice),
            Some(LEGACY),
            &json!({"jsonrpc": "2.0", "id": 1, "method": "tasks/drop"}),
        )
        .await;
        seen.insert("unknown_method".into(), snapshot_of(&unknown_method));
        let arguments_not_object = post(
            &server,
            Some(&alice),
            Some(LEGACY),
            &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                    "params": {"name": "add_task", "arguments": "buy milk"}}),
        )
        .await;
        seen.insert(
            "arguments_not_object".into(),
            snapshot_of(&arguments_not_object),
        );
        let batch = post(
            &server,
            Some(&alice),
            Some(LEGACY),
            &json!([{"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                    {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}]),
        )
        .await;
        seen.insert("batch".into(), snapshot_of(&batch));
        let bad_version = post(
            &server,
            Some(&alice),
            Some("1999-01-01"),
            &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
        )
        .await;
        seen.insert("bad_protocol_version".into(), snapshot_of(&bad_version));
        let malformed = server
            .post("/mcp")
            .add_header("accept", "application/json, text/event-stream")
            .add_header("content-type", "application/json")
            .add_header("mcp-protocol-version", LEGACY)
            .authorization_bearer(&alice)
            .bytes("{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\":".into())
            .await;
        seen.insert("malformed_json".into(), snapshot_of(&malformed));
        let wrong_accept = server
            .post("/mcp")
            .add_header("accept", "text/html")
            .add_header("mcp-protocol-version", LEGACY)
            .authorization_bearer(&alice)
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
            .await;
        seen.insert("wrong_accept".into(), snapshot_of(&wrong_accept));
        let get = server
            .get("/mcp")
            .add_header("accept", "text/event-stream")
            .authorization_bearer(&alice)
            .await;
        seen.insert("get_stream".into(), snapshot_of(&get));
        let put = server
            .put("/mcp")
            .authorization_bearer(&alice)
            .json(&json!({}))
            .await;
        seen.insert("put".into(), snapshot_of(&put));
        let delete = server
            .delete("/mcp")
            .add_header("mcp-session-id", "anything")
            .authorization_bearer(&alice)
            .await;
        seen.insert("delete_session".into(), snapshot_of(&delete));
        let other_host = server
            .post("/mcp")
            .add_header("host", "evil.example")
            .add_header("accept", "application/json, text/event-stream")
            .add_header("mcp-protocol-version", LEGACY)
            .authorization_bearer(&alice)
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
            .await;
        seen.insert("other_host".into(), snapshot_of(&other_host));
        let oversized = server
            .post("/mcp")
            .add_header("accept", "application/json, text/event-stream")
            .add_header("mcp-protocol-version", LEGACY)
            .authorization_bearer(&alice)
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                          "params": {"name": "add_task",
                                     "arguments": {"title": "x".repeat(100_000)}}}))
            .await;
        seen.insert("oversized_body".into(), snapshot_of(&oversized));
        for (name, response) in &seen {
            let status = response["status"].as_u64().unwrap_or(0);
            assert!(status < 500, "{name}: {response}");
        }
        assert_redacted_snapshot!("protocol_errors", Value::Object(seen));
        assert_eq!(task_count(&server, ALICE).await, 0, "nothing was stored");
    })
    .await;
}

/// Odd values for every argument of every tool: never a protocol error or
/// a 5xx, never a task stored by a refused call.
#[tokio::test]
async fn odd_arguments_are_refused_as_tool_errors() {
    with_app(|server, ctx| async move {
        // Counted in the database: a request per call would double the load.
        let stored = || async {
            use sea_orm::{EntityTrait, PaginatorTrait};
            todo_api::models::_entities::tasks::Entity::find()
                .count(&ctx.db)
                .await
                .expect("count")
        };
        let odd = [
            json!(null),
            json!(true),
            json!(-1),
            json!(0),
            json!(1.5),
            json!(1e300),
            json!(""),
            json!(" "),
            json!("\u{0000}"),
            json!("x".repeat(3000)),
            json!([]),
            json!(["a", 1, null]),
            json!({}),
            json!({"nested": {"deep": [1]}}),
            json!(i64::MAX),
            json!("2030-13-45T99:00:00Z"),
        ];
        let tools: Value = post(
            &server,
            Some(&token(ALICE)),
            Some(LEGACY),
            &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
        )
        .await
        .json();
        let internal_error = ApiError::Internal(String::new()).detail();
        let mut calls = 0;
        for tool in tools["result"]["tools"].as_array().expect("tools") {
            let name = tool["name"].as_str().expect("name");
            let properties = tool["inputSchema"]["properties"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            for property in properties.keys() {
                for value in &odd {
                    let before = stored().await;
                    let mut arguments = json!({"title": "probe", "task_id": 1});
                    arguments[property] = value.clone();
                    let answer = call(&server, ALICE, name, arguments).await;
                    calls += 1;
                    let result = &answer["result"];
                    assert!(result.is_object(), "{name}.{property}={value}: {answer}");
                    let refused = result["isError"] == json!(true);
                    if refused {
                        assert_ne!(
                            result["content"][0]["text"],
                            json!(internal_error),
                            "{name}.{property}={value}: {answer}"
                        );
                        assert_eq!(
                            stored().await,
                            before,
                            "{name}.{property}={value}: a refusal stored something"
                        );
                    }
                }
            }
        }
        assert!(calls > 200, "{calls} calls");
    })
    .await;
}

#[tokio::test]
async fn without_a_token_the_challenge_names_the_resource_metadata() {
    with_app(|server, _ctx| async move {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
        let missing = post(&server, None, Some(LEGACY), &body).await;
        assert_redacted_snapshot!("missing_token", snapshot_of(&missing));
        let refused = post(&server, Some("not-a-token"), Some(LEGACY), &body).await;
        assert_redacted_snapshot!("invalid_token", snapshot_of(&refused));
        let expired = jws(
            &json!({"alg": "HS256", "typ": "JWT"}),
            &json!({"sub": ALICE, "iat": now() - 7200, "exp": now() - 3600}),
            &Signer::Hs256(SECRET.as_bytes().to_vec()),
        );
        let expired = post(&server, Some(&expired), Some(LEGACY), &body).await;
        assert_eq!(expired.status_code(), 401);

        for path in [
            "/.well-known/oauth-protected-resource",
            "/.well-known/oauth-protected-resource/mcp",
        ] {
            let metadata = server.get(path).await;
            assert_redacted_snapshot!("resource_metadata", snapshot_of(&metadata));
        }
    })
    .await;
}

/// The app's verifier in JWKS mode against `auth`, with `/mcp`'s rules.
fn use_jwks_for_mcp(ctx: &AppContext, auth: &JwksServer, accept_api_tokens: bool) {
    let settings = AuthSettings {
        better_auth_url: auth.url.clone(),
        secret: SECRET.to_string(),
        jwks_timeout_ms: 2000,
        ..AuthSettings::default()
    };
    let verifier = Verifier::from_settings(&settings, false)
        .expect("verifier")
        .with_mcp(
            McpTokenRules {
                resource: RESOURCE.to_string(),
                issuers: vec![auth.url.clone(), format!("{}/api/auth", auth.url)],
                accept_api_tokens,
            },
            60,
        );
    ctx.shared_store.insert(Arc::new(verifier));
}

/// An OAuth access token as Better Auth's OAuth provider issues it.
fn access_token(auth: &JwksServer, typ: &str, claims: Value) -> String {
    let mut all = json!({
        "sub": ALICE, "iss": auth.url, "aud": RESOURCE, "azp": "chatbot",
        "client_id": "chatbot", "scope": "openid", "iat": now(), "exp": now() + 600,
    });
    for (key, value) in claims.as_object().expect("claims") {
        if value.is_null() {
            all.as_object_mut().expect("claims").remove(key);
        } else {
            all[key] = value.clone();
        }
    }
    jws(
        &json!({"alg": "EdDSA", "kid": "k1", "typ": typ}),
        &all,
        &Signer::for_alg("EdDSA"),
    )
}

#[tokio::test]
async fn oauth_access_tokens_open_mcp_and_only_mcp() {
    with_app(|server, ctx| async move {
        let auth = JwksServer::start(json!([published("ed25519", "EdDSA", "k1")])).await;
        use_jwks_for_mcp(&ctx, &auth, true);
        let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                          "params": {"name": "add_task", "arguments": {"title": "via OAuth"}}});

        let good = access_token(&auth, "at+jwt", json!({}));
        let accepted = post(&server, Some(&good), Some(LEGACY), &list).await;
        assert_eq!(accepted.status_code(), 200, "{}", accepted.text());
        let task = accepted.json::<Value>()["result"]["structuredContent"].clone();
        assert_eq!(task["user_id"], json!(ALICE));
        // As Better Auth's OAuth provider varies them: the media type as
        // `typ`; `aud` as a list (with `openid`, its userinfo URL too);
        // its default issuer under `/api/auth`; the resource under another
        // loopback name.
        for (typ, claims) in [
            ("application/at+jwt", json!({})),
            (
                "at+jwt",
                json!({"aud": [RESOURCE, format!("{}/api/auth/oauth2/userinfo", auth.url)]}),
            ),
            ("at+jwt", json!({"iss": format!("{}/api/auth", auth.url)})),
            ("at+jwt", json!({"aud": "http://127.0.0.1:5150/mcp"})),
        ] {
            let variant = access_token(&auth, typ, claims.clone());
            let response = post(&server, Some(&variant), Some(LEGACY), &list).await;
            assert_eq!(
                response.status_code(),
                200,
                "{typ} {claims}: {}",
                response.text()
            );
        }

        // Not at the REST routes.
        let rest = server
            .get(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer(&good)
            .await;
        assert_redacted_snapshot!("access_token_at_rest", snapshot_of(&rest));

        let mut refused = serde_json::Map::new();
        for (name, typ, claims) in [
            (
                "wrong_audience",
                "at+jwt",
                json!({"aud": "http://localhost:5150"}),
            ),
            (
                "other_port",
                "at+jwt",
                json!({"aud": "http://localhost:5151/mcp"}),
            ),
            ("no_audience", "at+jwt", json!({"aud": null})),
            ("no_azp", "at+jwt", json!({"azp": null})),
            (
                "wrong_issuer",
                "at+jwt",
                json!({"iss": "http://evil.example"}),
            ),
            ("expired", "at+jwt", json!({"exp": now() - 3600})),
        ] {
            let response = post(
                &server,
                Some(&access_token(&auth, typ, claims)),
                Some(LEGACY),
                &list,
            )
            .await;
            refused.insert(name.into(), snapshot_of(&response));
        }
        let hs256_access = jws(
            &json!({"alg": "HS256", "typ": "at+jwt"}),
            &json!({"sub": ALICE, "aud": RESOURCE, "azp": "x", "exp": now() + 600}),
            &Signer::Hs256(SECRET.as_bytes().to_vec()),
        );
        refused.insert(
            "hs256_access_token".into(),
            snapshot_of(&post(&server, Some(&hs256_access), Some(LEGACY), &list).await),
        );
        assert_json_snapshot!("access_tokens_refused", Value::Object(refused));

        // The REST tokens open /mcp while that is on...
        assert_eq!(
            post(&server, Some(&token(ALICE)), Some(LEGACY), &list)
                .await
                .status_code(),
            200
        );
        // ...and not once it is switched off.
        use_jwks_for_mcp(&ctx, &auth, false);
        let api_token = post(&server, Some(&token(ALICE)), Some(LEGACY), &list).await;
        assert_redacted_snapshot!("api_token_switched_off", snapshot_of(&api_token));
        assert_eq!(
            post(&server, Some(&good), Some(LEGACY), &list)
                .await
                .status_code(),
            200
        );
    })
    .await;
}
