"""A real MCP client against the service's /mcp: the official Python SDK
(`mcp` from PyPI), its Streamable HTTP transport, a real token.

    python client.py --url http://127.0.0.1:5150 --token <bearer> --user <sub> \
        --mode legacy|auto [--foreign-task <id>] [--feed-token <REST token>]

Lists the tools and calls each one, checks what comes back (the REST
shapes as structured content, refusals as `isError` results, an unknown
tool as a protocol error), and that the writes are in the user's change
feed. Every result, success and refusal, is checked against its tool's
`outputSchema` with `jsonschema` (JSON Schema 2020-12, formats on): the SDK
checks successes only, other clients (the TypeScript SDK) check refusals
too. Prints one line per check; exits 1 when any fails.
"""

import argparse
import asyncio
import re
import secrets
import sys

import httpx2
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError

failures = 0


def check(name, ok, detail=""):
    global failures
    if ok:
        print(f"ok - {name}")
    else:
        failures += 1
        print(f"not ok - {name} {detail}")


def text_of(result):
    return " ".join(getattr(block, "text", "") for block in result.content)


async def run(args):
    headers = {"Authorization": f"Bearer {args.token}"}
    transport = streamable_http_client(
        f"{args.url}/mcp", http_client=create_mcp_http_client(headers=headers)
    )
    mode = args.mode
    # A tag of this run's own: the user may have tasks from earlier runs.
    tag = f"garden-{secrets.token_hex(4)}"
    async with Client(transport, mode=mode) as client:
        # legacy: the initialize handshake; auto: server/discover, which
        # this server answers, so the current revision.
        expected = "2025-11-25" if mode == "legacy" else "2026-07-28"
        check(
            f"[{mode}] negotiated protocol revision {expected}",
            client.protocol_version == expected,
            client.protocol_version,
        )
        tools = (await client.list_tools()).tools
        names = sorted(tool.name for tool in tools)
        check(
            f"[{mode}] tools/list names the six tools",
            names
            == ["add_task", "complete_task", "delete_task", "list_lists", "list_tags", "list_tasks", "update_task"],
            names,
        )
        by_name = {tool.name: tool for tool in tools}
        validators = {}
        for tool in tools:
            try:
                Draft202012Validator.check_schema(tool.input_schema)
                Draft202012Validator.check_schema(tool.output_schema)
                validators[tool.name] = Draft202012Validator(
                    tool.output_schema, format_checker=Draft202012Validator.FORMAT_CHECKER
                )
                check(f"[{mode}] {tool.name}'s schemas are valid JSON Schema 2020-12", True)
            except SchemaError as error:
                check(f"[{mode}] {tool.name}'s schemas are valid JSON Schema 2020-12", False, error.message)

        async def call(name, arguments):
            """`tools/call`; the result must fit the tool's outputSchema:
            structured content on success, and none that the schema does
            not allow on a refusal."""
            result = await client.call_tool(name, arguments)
            structured = result.structured_content
            validator = validators.get(name)
            if structured is None:
                problems = [] if result.is_error else ["no structured content on a success"]
            elif validator is None:
                problems = ["no outputSchema to check it against"]
            else:
                problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(structured)]
            outcome = "refusal" if result.is_error else "result"
            check(f"[{mode}] {name}'s {outcome} fits its outputSchema (jsonschema)", not problems, f"{problems[:3]} {structured}")
            return result

        add_schema = by_name["add_task"].input_schema
        title = add_schema.get("properties", {}).get("title", {})
        check(
            f"[{mode}] add_task's schema has the REST limits",
            add_schema.get("required") == ["title"]
            and title.get("maxLength") == 200
            and title.get("minLength") == 1,
            add_schema,
        )
        priority = add_schema["properties"].get("priority", {})
        check(
            f"[{mode}] add_task's priority is the REST enum",
            sorted(priority.get("enum", [])) == ["high", "low", "medium"],
            priority,
        )

        added = await call(
            "add_task",
            {
                "title": "  Water the plants ",
                "priority": "high",
                "tags": ["Home", tag.upper()],
                "due_date": "2030-05-06T09:00:00Z",
                "recurrence": "FREQ=WEEKLY;BYDAY=MO",
            },
        )
        task = added.structured_content or {}
        check(
            f"[{mode}] add_task creates the task for the token's user",
            not added.is_error
            and task.get("title") == "Water the plants"
            and task.get("user_id") == args.user
            and task.get("tags") == sorted([tag, "home"])
            and task.get("priority") == "high",
            f"{added.is_error} {task}",
        )
        check(f"[{mode}] add_task's text is one line", "\n" not in text_of(added), text_of(added))
        task_id = task.get("id")

        listed = await call("list_tasks", {"tag": tag, "status": "pending"})
        ids = [t["id"] for t in (listed.structured_content or {}).get("tasks", [])]
        check(f"[{mode}] list_tasks filters by tag and status", ids == [task_id], listed.structured_content)

        updated = await call("update_task", {"task_id": task_id, "title": "Water the roses"})
        check(
            f"[{mode}] update_task changes the task",
            not updated.is_error and (updated.structured_content or {}).get("title") == "Water the roses",
            updated.structured_content,
        )

        completed = await call("complete_task", {"task_id": task_id})
        done = completed.structured_content or {}
        check(
            f"[{mode}] complete_task completes it and the next occurrence follows",
            not completed.is_error and done.get("completed") is True and isinstance(done.get("next_id"), int),
            done,
        )
        reopened = await call("complete_task", {"task_id": task_id, "completed": False})
        check(
            f"[{mode}] complete_task with completed: false reopens it",
            (reopened.structured_content or {}).get("completed") is False,
            reopened.structured_content,
        )

        tags = await call("list_tags", {})
        names = [t["name"] for t in (tags.structured_content or {}).get("tags", [])]
        check(f"[{mode}] list_tags names the tags", tag in names and "home" in names, names)
        summary = text_of(tags)
        check(
            f"[{mode}] list_tags' text reads as English",
            summary.startswith(f"{len(names)} tag{'' if len(names) == 1 else 's'}: ")
            and re.search(r"\b1 (tags|tasks)\b", summary) is None,
            summary,
        )

        deleted = await call("delete_task", {"task_id": task_id})
        check(
            f"[{mode}] delete_task answers task_id and deleted",
            deleted.structured_content == {"task_id": task_id, "deleted": True},
            deleted.structured_content,
        )
        again = await call("delete_task", {"task_id": task_id})
        check(
            f"[{mode}] a deleted task is not found",
            again.is_error and "task not found" in text_of(again),
            text_of(again),
        )

        for name, arguments, message in [
            ("add_task", {"title": "   "}, "title must be between 1 and 200 characters"),
            ("add_task", {}, "title is required"),
            (
                "add_task",
                {"title": "x", "priority": "urgent", "tags": "work"},
                "priority must be one of low, medium, high; tags must be an array of strings",
            ),
            ("update_task", {"title": "x"}, "task_id is required"),
            ("update_task", {"task_id": "seven"}, "task_id must be a positive integer"),
            ("complete_task", {"task_id": task_id, "completed": "yes"}, "completed must be true or false"),
            ("list_tasks", {"status": "done"}, "status must be one of all, pending, completed"),
        ]:
            invalid = await call(name, arguments)
            check(
                f"[{mode}] {name} {arguments}: a tool error with the REST message",
                invalid.is_error and text_of(invalid) == message,
                text_of(invalid),
            )
        if args.foreign_task:
            for name, extra in [
                ("update_task", {"title": "mine now"}),
                ("complete_task", {}),
                ("delete_task", {}),
            ]:
                refused = await call(name, {"task_id": args.foreign_task, **extra})
                check(
                    f"[{mode}] {name} on another user's task is not found",
                    refused.is_error and text_of(refused) == "task not found",
                    text_of(refused),
                )
        try:
            await client.call_tool("drop_database", {})
            check(f"[{mode}] an unknown tool is a protocol error", False, "no error")
        except MCPError as error:
            check(f"[{mode}] an unknown tool is a protocol error", error.error.code == -32602, error.error)

    # The tools' writes are in the user's change feed, like REST writes.
    # (An OAuth access token opens /mcp only: the feed is read with the
    # user's REST token, --feed-token, when one is given.)
    feed_headers = {"Authorization": f"Bearer {args.feed_token or args.token}"}
    async with httpx2.AsyncClient(headers=feed_headers) as http:
        feed = await http.get(f"{args.url}/api/{args.user}/events", params={"after": 0, "limit": 1000})
        events = feed.json() if feed.status_code == 200 else []
        kinds = [e.get("type") for e in events if e.get("task_id") == task_id]
        check(
            f"[{mode}] the tools' writes are in the change feed",
            feed.status_code == 200
            and kinds[:1] == ["task.created"]
            and "task.updated" in kinds
            and kinds[-1:] == ["task.deleted"],
            f"{feed.status_code} {kinds}",
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--mode", default="auto")
    parser.add_argument("--foreign-task", type=int)
    parser.add_argument("--feed-token")
    args = parser.parse_args()
    asyncio.run(run(args))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
