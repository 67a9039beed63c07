"""A real MCP client against the service's /mcp: the official Python SDK
(`mcp` from PyPI), its Streamable HTTP transport, a real token.

    python client.py --url http://127.0.0.1:5150 --token <bearer> --user <sub> \
        --mode legacy|auto [--foreign-task <id>]

Lists the tools and calls each one, checks what comes back (the REST
shapes as structured content, refusals as `isError` results, an unknown
tool as a protocol error), and that the writes are in the user's change
feed. Prints one line per check; exits 1 when any fails.
"""

import argparse
import asyncio
import sys

import httpx2
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
    async with Client(transport, mode=mode) as client:
        tools = (await client.list_tools()).tools
        names = sorted(tool.name for tool in tools)
        check(
            f"[{mode}] tools/list names the six tools",
            names
            == ["add_task", "complete_task", "delete_task", "list_tags", "list_tasks", "update_task"],
            names,
        )
        by_name = {tool.name: tool for tool in tools}
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

        added = await client.call_tool(
            "add_task",
            {
                "title": "  Water the plants ",
                "priority": "high",
                "tags": ["Home", "garden"],
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
            and task.get("tags") == ["garden", "home"]
            and task.get("priority") == "high",
            f"{added.is_error} {task}",
        )
        check(f"[{mode}] add_task's text is one line", "\n" not in text_of(added), text_of(added))
        task_id = task.get("id")

        listed = await client.call_tool("list_tasks", {"tag": "garden", "status": "pending"})
        ids = [t["id"] for t in (listed.structured_content or {}).get("tasks", [])]
        check(f"[{mode}] list_tasks filters by tag and status", ids == [task_id], listed.structured_content)

        updated = await client.call_tool("update_task", {"task_id": task_id, "title": "Water the roses"})
        check(
            f"[{mode}] update_task changes the task",
            not updated.is_error and (updated.structured_content or {}).get("title") == "Water the roses",
            updated.structured_content,
        )

        completed = await client.call_tool("complete_task", {"task_id": task_id})
        done = completed.structured_content or {}
        check(
            f"[{mode}] complete_task completes it and the next occurrence follows",
            not completed.is_error and done.get("completed") is True and isinstance(done.get("next_id"), int),
            done,
        )
        reopened = await client.call_tool("complete_task", {"task_id": task_id, "completed": False})
        check(
            f"[{mode}] complete_task with completed: false reopens it",
            (reopened.structured_content or {}).get("completed") is False,
            reopened.structured_content,
        )

        tags = await client.call_tool("list_tags", {})
        names = [t["name"] for t in (tags.structured_content or {}).get("tags", [])]
        check(f"[{mode}] list_tags names the tags", "garden" in names and "home" in names, names)

        deleted = await client.call_tool("delete_task", {"task_id": task_id})
        check(
            f"[{mode}] delete_task answers task_id and deleted",
            deleted.structured_content == {"task_id": task_id, "deleted": True},
            deleted.structured_content,
        )
        again = await client.call_tool("delete_task", {"task_id": task_id})
        check(
            f"[{mode}] a deleted task is not found",
            again.is_error and "task not found" in text_of(again),
            text_of(again),
        )

        invalid = await client.call_tool("add_task", {"title": "   "})
        check(
            f"[{mode}] an invalid title is a tool error with the REST message",
            invalid.is_error and "title" in text_of(invalid),
            text_of(invalid),
        )
        if args.foreign_task:
            for name, extra in [
                ("update_task", {"title": "mine now"}),
                ("complete_task", {}),
                ("delete_task", {}),
            ]:
                refused = await client.call_tool(name, {"task_id": args.foreign_task, **extra})
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
    async with httpx2.AsyncClient(headers=headers) as http:
        feed = await http.get(f"{args.url}/api/{args.user}/events", params={"after": 0, "limit": 1000})
        kinds = [e.get("type") for e in feed.json() if e.get("task_id") == task_id]
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
    args = parser.parse_args()
    asyncio.run(run(args))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
