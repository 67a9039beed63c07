// The MCP endpoint with the official TypeScript SDK (`@modelcontextprotocol/sdk`
// 1.x, the SDK under Claude Code, VS Code and most JavaScript agent
// frameworks) and the MCP Inspector's CLI, with real Better Auth tokens.
//
// The TypeScript SDK checks every `structuredContent` against its tool's
// `outputSchema`, error results too, and throws when it does not fit: a
// refusal the server shapes wrongly never reaches the model. So every call
// here goes through the SDK with that check on (its default), and every
// result is checked again against the tool's `outputSchema` with Ajv
// (JSON Schema 2020-12, MCP's default dialect, formats on, unknown keywords
// refused), success and refusal alike.
//
// On SQLite and PostgreSQL: every tool with a Better Auth JWT and with an
// OAuth access token from Better Auth's OAuth provider (got as
// tests/e2e/better-auth/oauth.mjs gets it); refusals (validation, a missing
// task, another user's task); an unknown tool; the writes in the change
// feed. Then an expired token, and the Inspector (`--cli`) listing the
// tools and calling one.
//
//   TODO_API_BIN  the service binary (default: target/debug/todo_api-cli)
//   E2E_PG_SERVER the PostgreSQL server (default postgres://postgres@127.0.0.1:5432)
//
// Needs tests/e2e/better-auth's npm packages (its auth-server.mjs is the
// Better Auth here); scripts/e2e installs both. Prints one line per check
// and closes with "N passed, M failed".
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { check, freePort, freshPostgres, runSuite, startService, stopProcess, stopService, track } from "../harness.mjs";
import { signUp, startBetterAuth as startAuthProcess } from "../better-auth/auth-process.mjs";
import { mcpAccessToken } from "../better-auth/oauth.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../..");
const betterAuthSuite = resolve(here, "../better-auth");
const bin = process.env.TODO_API_BIN ?? join(repo, "target/debug/todo_api-cli");
const work = mkdtempSync(join(tmpdir(), "todo-e2e-mcp-ts-"));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const json = (value) => JSON.stringify(value);

const TOOLS = ["add_task", "complete_task", "delete_task", "list_lists", "list_tags", "list_tasks", "update_task"];

// ---------------------------------------------------------------- processes

/** Better Auth (tests/e2e/better-auth/auth-server.mjs) on a free port; with `mcpResource`, its OAuth provider too. */
const startBetterAuth = (options = {}) => startAuthProcess({ work, ...options });

async function startTodoApi(settings, port) {
  const service = await startService({
    bin,
    cwd: repo,
    database: join(work, `service-${Date.now()}.sqlite`),
    port,
    settings: { BETTER_AUTH_SECRET: "", ...settings },
  });
  track(service.child);
  return service;
}

async function rest(service, token, method, path, body) {
  const res = await fetch(`${service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? json(body) : undefined,
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

// ------------------------------------------------------------- the client

/** An SDK client connected to `url`/mcp with `token`, as an agent framework connects it. */
async function connect(url, token) {
  const client = new Client({ name: "todo-api-e2e", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

/**
 * Ajv as strict as a careful client: JSON Schema 2020-12, formats checked,
 * an unknown keyword in a schema an error (the SDK's own Ajv is lenient).
 */
function strictAjv() {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
  addFormats(ajv);
  return ajv;
}

const textOf = (result) => (result.content ?? []).map((block) => block.text ?? "").join(" ");

/**
 * Every tool of the endpoint, success and refusal, through the SDK with its
 * output check on, each result checked again with Ajv. `user` is the
 * token's user; `foreignTask` another user's task id; `feedToken` a REST
 * token of `user` (an OAuth access token opens /mcp only).
 */
async function everyTool(label, { url, token, user, foreignTask, feedToken }) {
  const client = await connect(url, token);
  try {
    const { tools } = await client.listTools();
    check(`${label}: tools/list names the six tools`, json(tools.map((t) => t.name).sort()) === json(TOOLS), json(tools.map((t) => t.name)));
    const ajv = strictAjv();
    const output = {};
    for (const tool of tools) {
      for (const kind of ["inputSchema", "outputSchema"]) {
        try {
          const validate = ajv.compile(tool[kind]);
          if (kind === "outputSchema") output[tool.name] = validate;
          check(`${label}: ${tool.name}'s ${kind} is valid JSON Schema 2020-12 (strict Ajv)`, true);
        } catch (error) {
          check(`${label}: ${tool.name}'s ${kind} is valid JSON Schema 2020-12 (strict Ajv)`, false, error.message);
        }
      }
    }

    // The check can fail: a problem body (what refusals carried before)
    // is not a task.
    const problem = { type: "about:blank", title: "Not Found", status: 404, detail: "task not found" };
    check(`${label}: Ajv refuses a problem body as add_task's result`, output.add_task?.(problem) === false);

    /**
     * `tools/call` through the SDK: a result (never a thrown McpError, the
     * SDK's output check included) whose `structuredContent`, when there is
     * one, fits the tool's `outputSchema`, and is there on success.
     */
    async function call(name, args, what) {
      let result;
      try {
        result = await client.callTool({ name, arguments: args });
      } catch (error) {
        check(`${label}: ${what}: the SDK accepts the result`, false, error instanceof McpError ? `McpError ${error.code}: ${error.message}` : String(error));
        return { isError: undefined, content: [], failed: true };
      }
      const structured = result.structuredContent;
      const validate = output[name];
      const fits = structured === undefined || (validate ? validate(structured) : false);
      check(
        `${label}: ${what}: the result fits ${name}'s outputSchema (Ajv)`,
        fits && (result.isError || structured !== undefined),
        structured === undefined ? "no structuredContent on a success" : ajv.errorsText(validate?.errors),
      );
      return result;
    }

    /** A refusal: an `isError` result whose text is `message` (a string or a RegExp). */
    async function refused(name, args, what, message) {
      const result = await call(name, args, what);
      if (result.failed) return;
      const text = textOf(result);
      const said = message instanceof RegExp ? message.test(text) : text === message;
      check(`${label}: ${what}: an isError result saying so`, result.isError === true && said, `${result.isError} ${json(text)}`);
    }

    // A tag of this run's own: the user may have tasks from an earlier call.
    const tag = `garden-${Math.random().toString(36).slice(2, 8)}`;
    const added = await call(
      "add_task",
      { title: "  Water the plants ", priority: "high", tags: ["Home", tag.toUpperCase()], due_date: "2030-05-06T09:00:00Z", recurrence: "FREQ=WEEKLY;BYDAY=MO" },
      "add_task",
    );
    const task = added.structuredContent ?? {};
    check(
      `${label}: add_task creates the task for the token's user`,
      added.isError === false && task.title === "Water the plants" && task.user_id === user && json(task.tags) === json([tag, "home"].sort()),
      json(task),
    );
    check(`${label}: add_task's text is one line`, /^Created task \d+ "Water the plants" \(pending, high priority/.test(textOf(added)) && !textOf(added).includes("\n"), textOf(added));
    const id = task.id;

    const listed = await call("list_tasks", { tag, status: "pending" }, "list_tasks");
    const ids = (listed.structuredContent?.tasks ?? []).map((t) => t.id);
    check(`${label}: list_tasks filters by tag and status`, json(ids) === json([id]), json(listed.structuredContent));
    check(`${label}: list_tasks' text counts in English`, textOf(listed).startsWith("1 task: "), textOf(listed));

    const updated = await call("update_task", { task_id: id, title: "Water the roses", description: null }, "update_task");
    check(`${label}: update_task changes the task`, updated.structuredContent?.title === "Water the roses", json(updated.structuredContent));

    const completed = await call("complete_task", { task_id: id }, "complete_task");
    check(
      `${label}: complete_task completes it and the next occurrence follows`,
      completed.structuredContent?.completed === true && Number.isInteger(completed.structuredContent?.next_id),
      json(completed.structuredContent),
    );
    const reopened = await call("complete_task", { task_id: id, completed: false }, "complete_task (completed: false)");
    check(`${label}: complete_task with completed: false reopens it`, reopened.structuredContent?.completed === false, json(reopened.structuredContent));

    const lone = `lone-${Math.random().toString(36).slice(2, 8)}`;
    const loneTask = await call("add_task", { title: "One tag", tags: [lone] }, "add_task (one tag)");
    const tags = await call("list_tags", {}, "list_tags");
    const names = (tags.structuredContent?.tags ?? []).map((t) => t.name);
    check(`${label}: list_tags names the tags`, [tag, "home", lone].every((n) => names.includes(n)), json(names));
    check(
      `${label}: list_tags' text reads as English`,
      textOf(tags).includes(`${lone} (1 task, 1 pending)`) && new RegExp(`^${names.length} tag${names.length === 1 ? "" : "s"}: `).test(textOf(tags)) && !/\b1 (tags|tasks)\b/.test(textOf(tags)),
      textOf(tags),
    );

    const deleted = await call("delete_task", { task_id: id }, "delete_task");
    const gone = deleted.structuredContent ?? {};
    check(
      `${label}: delete_task answers task_id and deleted`,
      gone.task_id === id && gone.deleted === true && Object.keys(gone).length === 2,
      json(gone),
    );
    await call("delete_task", { task_id: loneTask.structuredContent?.id }, "delete_task (the one-tag task)");

    // Refusals: what the REST API refuses, with its message, field errors in words.
    await refused("delete_task", { task_id: id }, "delete_task of a deleted task", "task not found");
    await refused("update_task", { task_id: 999_999_999, title: "x" }, "update_task of a task that does not exist", "task not found");
    await refused("add_task", { title: "   " }, "add_task with a blank title", "title must be between 1 and 200 characters");
    await refused("add_task", {}, "add_task without arguments", "title is required");
    await refused(
      "add_task",
      { title: "x".repeat(201), priority: "urgent", due_date: "tomorrow", tags: "work", recurrence: "FREQ=HOURLY", completed: "yes" },
      "add_task with six bad fields",
      /^title must be .*; completed must be .*; priority must be one of low, medium, high; due_date must be .*; tags must be .*; recurrence .*/,
    );
    await refused("update_task", { title: "x" }, "update_task without task_id", "task_id is required");
    await refused("update_task", { task_id: "seven", title: "x" }, "update_task with task_id as text", "task_id must be a positive integer");
    await refused("complete_task", { task_id: id, completed: "yes" }, "complete_task with completed not a boolean", "completed must be true or false");
    await refused("list_tasks", { status: "done", limit: 0 }, "list_tasks with a bad status and limit", /^status must be one of all, pending, completed; limit must be /);
    if (foreignTask) {
      for (const [name, extra] of [["update_task", { title: "mine now" }], ["complete_task", {}], ["delete_task", {}]]) {
        await refused(name, { task_id: foreignTask, ...extra }, `${name} of another user's task`, "task not found");
      }
    }

    try {
      await client.callTool({ name: "drop_database", arguments: {} });
      check(`${label}: an unknown tool is a protocol error`, false, "no error");
    } catch (error) {
      check(`${label}: an unknown tool is a protocol error`, error instanceof McpError && error.code === -32602, String(error));
    }

    // The tools' writes are in the user's change feed, like REST writes.
    const feed = await fetch(`${url}/api/${user}/events?after=0&limit=1000`, { headers: { authorization: `Bearer ${feedToken ?? token}` } });
    const events = feed.ok ? await feed.json() : [];
    const kinds = events.filter((e) => e.task_id === id).map((e) => e.type);
    check(
      `${label}: the tools' writes are in the change feed`,
      kinds[0] === "task.created" && kinds.includes("task.updated") && kinds.at(-1) === "task.deleted",
      `${feed.status} ${json(kinds)}`,
    );
  } finally {
    await client.close();
  }
}

// ------------------------------------------------------------ the Inspector

/** `npx @modelcontextprotocol/inspector --cli <url>/mcp ...` from this suite's install; `{ code, out, err }`. */
function inspector(url, token, args) {
  const done = spawnSync(
    "npx",
    ["@modelcontextprotocol/inspector", "--cli", `${url}/mcp`, "--transport", "http", "--header", `Authorization: Bearer ${token}`, ...args],
    { cwd: here, encoding: "utf8", timeout: 60_000, env: { ...process.env, npm_config_update_notifier: "false" } },
  );
  let out = null;
  try {
    out = JSON.parse(done.stdout);
  } catch {
    out = done.stdout;
  }
  return { code: done.status, out, err: done.stderr };
}

function inspectorChecks(label, url, token) {
  const listed = inspector(url, token, ["--method", "tools/list"]);
  const names = Array.isArray(listed.out?.tools) ? listed.out.tools.map((t) => t.name).sort() : listed.out;
  check(`${label}: the Inspector lists the six tools`, listed.code === 0 && json(names) === json(TOOLS), `${listed.code} ${json(names)} ${listed.err}`);
  const schemaReport = (listed.err.match(/Schema portability: (\d+) errors?/) ?? [])[1];
  check(`${label}: the Inspector finds no schema portability error`, schemaReport === "0", listed.err.trim());

  const added = inspector(url, token, ["--method", "tools/call", "--tool-name", "add_task", "--tool-arg", "title=From the Inspector", "--tool-arg", 'tags=["inspected"]']);
  check(
    `${label}: the Inspector calls add_task`,
    added.code === 0 && added.out?.isError === false && added.out?.structuredContent?.title === "From the Inspector",
    `${added.code} ${json(added.out)} ${added.err}`,
  );
  // A tool error is the CLI's exit code 5 (TOOL_ERROR), with the result
  // printed; a result it cannot take (one whose structuredContent does
  // not fit the outputSchema) is exit code 1 and no result.
  const refused = inspector(url, token, ["--method", "tools/call", "--tool-name", "delete_task", "--tool-arg", "task_id=999999999"]);
  check(
    `${label}: the Inspector gets delete_task's refusal as a tool error result`,
    refused.code === 5 && refused.out?.isError === true && refused.out?.content?.[0]?.text === "task not found",
    `${refused.code} ${json(refused.out)} ${refused.err}`,
  );
}

// ------------------------------------------------------------------ suites

async function onEachDatabase() {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const auth = await startBetterAuth({ mcpResource: `${base}/mcp` });
  try {
    for (const db of ["sqlite", "postgres"]) {
      const settings = { BETTER_AUTH_URL: auth.url, PUBLIC_URL: base };
      if (db === "postgres") settings.DATABASE_URL = freshPostgres("todo_api_e2e_mcp_ts");
      const service = await startTodoApi(settings, port);
      try {
        const alice = await signUp(auth, "Alice");
        const bob = await signUp(auth, "Bob");
        const bobs = await rest(service, bob.token, "POST", `/api/${bob.id}/tasks`, { title: "Bob's secret", tags: ["bob"] });
        await everyTool(`[${db}] JWT`, { url: service.url, token: alice.token, user: alice.id, foreignTask: bobs.json?.id });

        const oauth = await mcpAccessToken({ authUrl: auth.url, resource: `${base}/mcp`, cookie: alice.cookie, scope: "profile email" });
        const claims = JSON.parse(Buffer.from(oauth.accessToken.split(".")[1], "base64url"));
        check(`[${db}] the OAuth provider issued an access token for /mcp`, claims.aud === `${base}/mcp` && claims.sub === alice.id, json(claims));
        await everyTool(`[${db}] OAuth`, { url: service.url, token: oauth.accessToken, user: alice.id, foreignTask: bobs.json?.id, feedToken: alice.token });

        const bobsAfter = await rest(service, bob.token, "GET", `/api/${bob.id}/tasks/${bobs.json?.id}`);
        check(`[${db}] the other user's task is untouched`, json(bobsAfter.json) === json(bobs.json), json(bobsAfter.json));

        if (db === "sqlite") inspectorChecks(`[${db}] Inspector`, service.url, alice.token);
      } finally {
        await stopService(service);
      }
    }
  } finally {
    await stopProcess(auth.child);
  }
}

/** A Better Auth token that has expired: the SDK's connect fails with the 401, naming the resource metadata. */
async function expiredToken() {
  const auth = await startBetterAuth({ expiration: "2s" });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const service = await startTodoApi({ BETTER_AUTH_URL: auth.url, PUBLIC_URL: base, JWT_LEEWAY_SECONDS: "0" }, port);
  try {
    const alice = await signUp(auth, "Alice");
    const fresh = await connect(service.url, alice.token);
    const { tools } = await fresh.listTools();
    check("expiry: a fresh token connects", tools.length === TOOLS.length);
    await fresh.close();
    await sleep(3500);
    try {
      const client = await connect(service.url, alice.token);
      await client.listTools();
      await client.close();
      check("expiry: an expired token is refused", false, "connected");
    } catch (error) {
      check(
        "expiry: an expired token is refused with 401 (the SDK's StreamableHTTPError)",
        error instanceof StreamableHTTPError && error.code === 401 && /expired/.test(error.message),
        String(error),
      );
    }
    const viaInspector = inspector(service.url, alice.token, ["--method", "tools/list"]);
    check(
      "expiry: the Inspector says authorization is required (its exit code 3)",
      viaInspector.code === 3,
      `${viaInspector.code} ${json(viaInspector.out)} ${viaInspector.err}`,
    );
    const challenge = await fetch(`${base}/mcp`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: json({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    check(
      "expiry: the 401 names the resource metadata, where the client signs in again",
      challenge.status === 401 &&
        challenge.headers.get("www-authenticate") === `Bearer error="invalid_token", resource_metadata="${base}/.well-known/oauth-protected-resource"`,
      `${challenge.status} ${challenge.headers.get("www-authenticate")}`,
    );
  } finally {
    await stopService(service);
    await stopProcess(auth.child);
  }
}

async function main() {
  if (!existsSync(bin)) {
    console.error(`e2e: the service binary ${bin} is missing; build it first (cargo test --no-run or cargo build)`);
    process.exit(2);
  }
  if (!existsSync(join(betterAuthSuite, "node_modules/better-auth"))) {
    console.error(`e2e: ${betterAuthSuite} has no npm packages; install them first (scripts/e2e does)`);
    process.exit(2);
  }
  await runSuite(work, async () => {
    await onEachDatabase();
    await expiredToken();
  });
}

await main();
