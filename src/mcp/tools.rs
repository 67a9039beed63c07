//! The tools. Each is a REST route under another transport: it reads its
//! arguments with that route's parse function, calls the same model
//! function for the caller (the token's user, never an argument), and
//! answers with the route's view as `structuredContent` plus a one-line
//! text. What the route refuses, the tool refuses with the same message,
//! as a result with `isError: true` and text only; only an unknown tool or
//! arguments that are not an object are protocol errors.

use std::sync::Arc;

use axum::http::request::Parts;
use loco_rs::app::AppContext;
use loco_rs::controller::middleware::request_id::LocoRequestId;
use rmcp::{
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, CustomRequest,
        CustomResult, ErrorCode, Implementation, ListToolsResult, PaginatedRequestParams,
        ServerCapabilities, ServerConfig, Tool, ToolAnnotations,
    },
    service::RequestContext,
    ErrorData, RoleServer, ServerHandler,
};
use serde_json::{json, Map, Value};

use super::schemas::{self, Document, LIST_ARGUMENTS};
use crate::{
    errors::ApiError,
    extractors::db::Wake,
    models::{
        dates::{parse_time_zone, Tz},
        lists, tags,
        task_input::{completion_from_json, NewTask, TaskChanges},
        task_list::TaskFilter,
        tasks,
    },
    views::{
        lists::{self as list_view, ListResponse},
        tags::{self as tag_view, TagResponse},
        tasks::{self as task_view, TaskResponse},
    },
};

/// The verified caller of an MCP request, put on the request by the
/// endpoint's auth layer.
#[derive(Debug, Clone)]
pub struct Caller(pub String);

/// The tool definitions, built once from the OpenAPI document.
#[must_use]
pub fn catalog() -> Vec<Tool> {
    let doc = Document::load();
    let task = doc.schema("Task");
    let tag = doc.schema("Tag");
    let task_output = |schema: &Value| Arc::new(object(schema.clone()));
    let mut add_arguments = doc.schema("CreateTask");
    add_arguments["description"] = json!("The new task: `title` is required, the rest optional.");
    // A list by name, for a model that knows the list's name, not its id.
    add_arguments["properties"]["list"] = json!({
        "type": "string",
        "description": "The name of one of the user's lists (instead of `list_id`); it must exist",
        "examples": ["Groceries"],
    });
    let mut update_arguments = schemas::with_task_id(doc.schema("UpdateTask"));
    update_arguments["description"] = json!(
        "`task_id` and any subset of the writable fields: absent fields stay as they are; \
         `null` clears `description`, `due_date`, `tags`, `recurrence` and `remind_at`."
    );
    let mut complete_arguments = schemas::with_task_id(doc.schema("SetCompletion"));
    complete_arguments["description"] = json!("`task_id`, and `completed` (default `true`).");
    complete_arguments["properties"]["completed"]["description"] =
        json!("`true` (the default) completes the task, `false` reopens it");
    complete_arguments["properties"]["completed"]["default"] = json!(true);
    vec![
        Tool::new_with_raw(
            "add_task",
            Some("Create a task for the signed-in user. Only `title` is required.".into()),
            Arc::new(object(add_arguments)),
        )
        .with_title("Add a task")
        .with_raw_output_schema(task_output(&task))
        .with_annotations(
            ToolAnnotations::with_title("Add a task")
                .read_only(false)
                .destructive(false)
                .idempotent(false)
                .open_world(false),
        ),
        Tool::new_with_raw(
            "list_tasks",
            Some(
                "List the signed-in user's tasks: filter by `status`, a search text `q`, \
                 `tag`s and a due-date window (`due_after` inclusive, `due_before` exclusive; \
                 dates read in `time_zone`), sort and limit (default 100, at most 1000)."
                    .into(),
            ),
            Arc::new(object(doc.list_arguments())),
        )
        .with_title("List tasks")
        .with_raw_output_schema(Arc::new(object(json!({
            "type": "object",
            "properties": {"tasks": {"type": "array", "items": task}},
            "required": ["tasks"],
        }))))
        .with_annotations(
            ToolAnnotations::with_title("List tasks")
                .read_only(true)
                .open_world(false),
        ),
        Tool::new_with_raw(
            "update_task",
            Some(
                "Change a task: any subset of its fields. `null` clears `description`, \
                 `due_date`, `tags`, `recurrence` and `remind_at`."
                    .into(),
            ),
            Arc::new(object(update_arguments)),
        )
        .with_title("Update a task")
        .with_raw_output_schema(task_output(&task))
        .with_annotations(
            ToolAnnotations::with_title("Update a task")
                .read_only(false)
                .destructive(false)
                .idempotent(true)
                .open_world(false),
        ),
        Tool::new_with_raw(
            "complete_task",
            Some(
                "Mark a task completed (or, with `completed: false`, pending again). Completing \
                 a repeating task creates its next occurrence."
                    .into(),
            ),
            Arc::new(object(complete_arguments)),
        )
        .with_title("Complete a task")
        .with_raw_output_schema(task_output(&task))
        .with_annotations(
            ToolAnnotations::with_title("Complete a task")
                .read_only(false)
                .destructive(false)
                .idempotent(true)
                .open_world(false),
        ),
        Tool::new_with_raw(
            "delete_task",
            Some("Delete a task for good.".into()),
            Arc::new(object(json!({
                "type": "object",
                "properties": {"task_id": schemas::task_id()},
                "required": ["task_id"],
            }))),
        )
        .with_title("Delete a task")
        .with_raw_output_schema(Arc::new(object(json!({
            "type": "object",
            "properties": {
                "task_id": {"type": "integer"},
                "deleted": {"type": "boolean", "const": true},
            },
            "required": ["task_id", "deleted"],
        }))))
        .with_annotations(
            ToolAnnotations::with_title("Delete a task")
                .read_only(false)
                .destructive(true)
                .idempotent(true)
                .open_world(false),
        ),
        Tool::new_with_raw(
            "list_tags",
            Some("List the signed-in user's tags, with how many tasks carry each.".into()),
            Arc::new(object(json!({"type": "object", "properties": {}}))),
        )
        .with_title("List tags")
        .with_raw_output_schema(Arc::new(object(json!({
            "type": "object",
            "properties": {"tags": {"type": "array", "items": tag}},
            "required": ["tags"],
        }))))
        .with_annotations(
            ToolAnnotations::with_title("List tags")
                .read_only(true)
                .open_world(false),
        ),
        Tool::new_with_raw(
            "list_lists",
            Some(
                "List the signed-in user's lists, in their order, with how many tasks each \
                 holds. A task's `list_id` is one of these ids."
                    .into(),
            ),
            Arc::new(object(json!({"type": "object", "properties": {}}))),
        )
        .with_title("List lists")
        .with_raw_output_schema(Arc::new(object(json!({
            "type": "object",
            "properties": {"lists": {"type": "array", "items": doc.schema("List")}},
            "required": ["lists"],
        }))))
        .with_annotations(
            ToolAnnotations::with_title("List lists")
                .read_only(true)
                .open_world(false),
        ),
    ]
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The MCP server of one request (the transport is stateless: any
/// instance answers any request).
#[derive(Clone)]
pub struct TodoTools {
    ctx: AppContext,
    tools: Arc<Vec<Tool>>,
}

impl TodoTools {
    #[must_use]
    pub fn new(ctx: AppContext, tools: Arc<Vec<Tool>>) -> Self {
        Self { ctx, tools }
    }

    async fn run(&self, name: &str, owner: &str, arguments: Map<String, Value>) -> Outcome {
        let db = &self.ctx.db;
        let wakeups = &Wake::of(&self.ctx)?;
        match name {
            "add_task" => {
                let new_task = NewTask::from_json(Some(&Value::Object(arguments)), None)?;
                let task = tasks::Model::create_for_user(db, wakeups, owner, new_task).await?;
                Ok(task_result("Created", task))
            }
            "list_tasks" => {
                let zone = match arguments.get("time_zone") {
                    None | Some(Value::Null) => Tz::UTC,
                    Some(value) => parse_time_zone(value.as_str().unwrap_or_default())
                        .map_err(|message| ApiError::validation("time_zone", message))?,
                };
                let filter = TaskFilter::from_query(&list_pairs(&arguments), zone)?;
                let page = tasks::Model::list_for_user(db, owner, &filter).await?;
                let tasks = task_view::list(page.tasks);
                let text = list_text(&tasks, page.total);
                Ok((text, json!({ "tasks": tasks })))
            }
            "update_task" => {
                let (id, rest) = task_id(arguments)?;
                let changes = TaskChanges::from_json(Some(&Value::Object(rest)))?;
                let task =
                    tasks::Model::update_for_user(db, wakeups, owner, id, changes, None).await?;
                Ok(task_result("Updated", task))
            }
            "complete_task" => {
                let (id, rest) = task_id(arguments)?;
                let completed = completion_from_json(Some(&Value::Object(rest)))?.unwrap_or(true);
                let task = tasks::Model::set_completion_for_user(
                    db,
                    wakeups,
                    owner,
                    id,
                    Some(completed),
                    None,
                )
                .await?;
                Ok(task_result(
                    if completed { "Completed" } else { "Reopened" },
                    task,
                ))
            }
            "delete_task" => {
                let (id, _) = task_id(arguments)?;
                tasks::Model::delete_for_user(db, wakeups, owner, id, None).await?;
                Ok((
                    format!("Deleted task {id}."),
                    json!({"task_id": id, "deleted": true}),
                ))
            }
            "list_tags" => {
                let tags = tag_view::list(tags::index_for_user(db, owner).await?);
                let text = tags_text(&tags);
                Ok((text, json!({ "tags": tags })))
            }
            "list_lists" => {
                let lists = list_view::list(lists::index_for_user(db, owner).await?);
                let text = lists_text(&lists);
                Ok((text, json!({ "lists": lists })))
            }
            _ => Err(ApiError::Internal(format!("no tool {name}"))),
        }
    }
}

/// A tool's answer: its one-line text and structured content, or the
/// REST API's refusal.
type Outcome = Result<(String, Value), ApiError>;

/// `task_id`, and the other arguments (the route's body).
fn task_id(mut rest: Map<String, Value>) -> Result<(i64, Map<String, Value>), ApiError> {
    let id = match rest.remove("task_id") {
        None | Some(Value::Null) => return Err(ApiError::validation("task_id", "is required")),
        Some(Value::Number(n)) => n.as_i64(),
        // A number sent as text, as a path would carry it.
        Some(Value::String(text))
            if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) =>
        {
            text.parse::<i64>().ok()
        }
        Some(_) => None,
    };
    match id {
        Some(id) if id > 0 => Ok((id, rest)),
        // Like a path id that is no task's.
        Some(_) => Err(ApiError::NotFound),
        None => Err(ApiError::validation(
            "task_id",
            "must be a positive integer",
        )),
    }
}

/// `list_tasks`' arguments as the list route's query pairs: strings as
/// they are, numbers and booleans as their text, `tag` as one string or a
/// list. The route's parser then refuses what it refuses over HTTP.
fn list_pairs(arguments: &Map<String, Value>) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for name in LIST_ARGUMENTS {
        match arguments.get(name) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) if name == "tag" => {
                for item in items {
                    pairs.push((name.to_string(), text_of(item)));
                }
            }
            Some(value) => pairs.push((name.to_string(), text_of(value))),
        }
    }
    pairs
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn task_result(verb: &str, task: tasks::Model) -> (String, Value) {
    let task = TaskResponse::from(task);
    let mut text = format!("{verb} task ");
    describe(&mut text, &task);
    text.push('.');
    (text, serde_json::to_value(&task).unwrap_or(Value::Null))
}

/// `42 "Buy milk" (pending, high priority, due …, tags home, work)`,
/// written onto `out` (a list describes each of its tasks onto one text).
fn describe(out: &mut String, task: &TaskResponse) {
    use std::fmt::Write as _;
    // Writing into a `String` cannot fail.
    let _ = write!(out, "{} {:?} (", task.id, task.title);
    out.push_str(if task.completed {
        "completed"
    } else {
        "pending"
    });
    if task.priority != "medium" {
        out.push_str(", ");
        out.push_str(task.priority);
        out.push_str(" priority");
    }
    if let Some(due) = &task.due_date {
        match task.local_due() {
            Some(local) if task.all_day => {
                let _ = write!(out, ", due on {}", local.format("%Y-%m-%d"));
            }
            Some(local) if task.time_zone.is_some() => {
                let _ = write!(
                    out,
                    ", due {due} ({} {})",
                    local.format("%Y-%m-%d %H:%M"),
                    task.time_zone.as_deref().unwrap_or("UTC")
                );
            }
            _ => {
                let _ = write!(out, ", due {due}");
            }
        }
    }
    if let Some(rule) = &task.recurrence {
        out.push_str(", repeats ");
        out.push_str(rule);
    }
    for (at, tag) in task.tags.iter().enumerate() {
        out.push_str(if at == 0 { ", tags " } else { ", " });
        out.push_str(tag);
    }
    out.push(')');
}

fn list_text(tasks: &[TaskResponse], total: u64) -> String {
    use std::fmt::Write as _;
    if tasks.is_empty() {
        return "No tasks match.".to_string();
    }
    let count = tasks.len() as u64;
    let mut text = String::with_capacity(32 + tasks.len() * 96);
    // Writing into a `String` cannot fail.
    let _ = if total > count {
        write!(text, "{count} of {}: ", counted(total, "task"))
    } else {
        write!(text, "{}: ", counted(count, "task"))
    };
    for (at, task) in tasks.iter().enumerate() {
        if at > 0 {
            text.push_str("; ");
        }
        describe(&mut text, task);
    }
    text
}

fn tags_text(tags: &[TagResponse]) -> String {
    if tags.is_empty() {
        return "No tags.".to_string();
    }
    let shown = tags
        .iter()
        .map(|tag| {
            format!(
                "{} ({}, {} pending)",
                tag.name,
                counted(tag.tasks, "task"),
                tag.pending
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!("{}: {shown}", counted(tags.len() as u64, "tag"))
}

fn lists_text(lists: &[ListResponse]) -> String {
    if lists.is_empty() {
        return "No lists.".to_string();
    }
    let shown = lists
        .iter()
        .map(|list| {
            format!(
                "{} {:?} ({}, {} pending)",
                list.id,
                list.name,
                counted(list.tasks, "task"),
                list.pending
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!("{}: {shown}", counted(lists.len() as u64, "list"))
}

/// `1 task`, `2 tasks`: a count and its noun, in English.
fn counted(count: impl Into<i128>, noun: &str) -> String {
    let count = count.into();
    format!("{count} {noun}{}", if count == 1 { "" } else { "s" })
}

/// The REST API's refusal as a tool error: the problem's `detail` as the
/// text (a validation error names each field and what is wrong with it),
/// and no `structuredContent`. A client checks `structuredContent` against
/// the tool's `outputSchema` (the task, the list) on error results too (the
/// official TypeScript SDK does, and throws when it does not fit), so a
/// problem body there would turn every refusal into a protocol error the
/// model never sees.
fn refusal(error: &ApiError, request_id: &str) -> CallToolResult {
    if let ApiError::Internal(cause) = error {
        tracing::error!(cause = %cause, request_id, "tool call failed with an internal error");
    }
    CallToolResult::error(vec![ContentBlock::text(error.detail())])
}

impl ServerHandler for TodoTools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("todo_api", env!("CARGO_PKG_VERSION")).with_title("Todo API"),
            )
            .with_instructions(
                "The signed-in user's tasks. Every tool acts for the user of the access token; \
                 task ids come from add_task or list_tasks.",
            )
    }

    /// A method the SDK could not read: a known one whose params do not
    /// fit (e.g. `arguments` that are not an object) is invalid params, any
    /// other is not found.
    async fn on_custom_request(
        &self,
        request: CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, ErrorData> {
        let known = [
            "initialize",
            "ping",
            "server/discover",
            "tools/list",
            "tools/call",
        ];
        if known.contains(&request.method.as_str()) {
            Err(ErrorData::invalid_params(
                format!("the params of {} cannot be read", request.method),
                None,
            ))
        } else {
            Err(ErrorData::new(
                ErrorCode::METHOD_NOT_FOUND,
                format!("method not found: {}", request.method),
                None,
            ))
        }
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.as_ref().clone()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.iter().find(|tool| tool.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        if !self.tools.iter().any(|tool| tool.name == request.name) {
            return Err(ErrorData::invalid_params(
                format!("unknown tool: {}", request.name),
                None,
            ));
        }
        let parts = context.extensions.get::<Parts>();
        let Some(Caller(owner)) = parts
            .and_then(|parts| parts.extensions.get::<Caller>())
            .cloned()
        else {
            return Err(ErrorData::internal_error("no authenticated caller", None));
        };
        let arguments = request.arguments.unwrap_or_default();
        let result = match self.run(&request.name, &owner, arguments).await {
            Ok((text, structured)) => {
                let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
                result.structured_content = Some(structured);
                result
            }
            Err(error) => refusal(
                &error,
                parts
                    .and_then(|parts| parts.extensions.get::<LocoRequestId>())
                    .map_or("", LocoRequestId::get),
            ),
        };
        Ok(result.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: i64, title: &str, tags: &[&str]) -> TaskResponse {
        let at = crate::views::tasks::Timestamp(chrono::DateTime::UNIX_EPOCH);
        TaskResponse {
            id,
            user_id: "u".to_string(),
            title: title.to_string(),
            description: None,
            completed: id % 2 == 0,
            priority: if id == 1 { "low" } else { "medium" },
            due_date: (id == 1).then_some(at),
            completed_at: None,
            created_at: at,
            updated_at: at,
            tags: tags.iter().map(ToString::to_string).collect(),
            recurrence: None,
            next_id: None,
            remind_at: None,
            time_zone: None,
            all_day: false,
            list_id: None,
            parent_id: None,
            position: "a0".to_string(),
        }
    }

    #[test]
    fn a_list_describes_each_task_in_one_text() {
        let tasks = [task(1, "Say \"hi\"", &["a", "b"]), task(2, "Plain", &[])];
        let described =
            "1 \"Say \\\"hi\\\"\" (pending, low priority, due 1970-01-01T00:00:00.000Z, \
                         tags a, b); 2 \"Plain\" (completed)";
        assert_eq!(list_text(&tasks, 2), format!("2 tasks: {described}"));
        assert_eq!(list_text(&tasks, 7), format!("2 of 7 tasks: {described}"));
        assert_eq!(list_text(&tasks[1..], 1), "1 task: 2 \"Plain\" (completed)");
        assert_eq!(list_text(&[], 0), "No tasks match.");
        assert_eq!(
            list_text(&tasks[1..], 2),
            "1 of 2 tasks: 2 \"Plain\" (completed)"
        );
    }

    #[test]
    fn tag_counts_read_as_english() {
        let tag = |name: &str, tasks, pending| TagResponse {
            name: name.to_string(),
            tasks,
            pending,
        };
        assert_eq!(
            tags_text(&[tag("home", 1, 1)]),
            "1 tag: home (1 task, 1 pending)"
        );
        assert_eq!(
            tags_text(&[tag("home", 2, 0), tag("work", 1, 0)]),
            "2 tags: home (2 tasks, 0 pending), work (1 task, 0 pending)"
        );
        assert_eq!(tags_text(&[]), "No tags.");
    }
}
