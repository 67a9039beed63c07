// The change stream in a real browser: headless Chromium (Debian's package)
// opens a small page (index.html) that follows /api/{user}/events with
// @microsoft/fetch-event-source and a bearer token, from another origin
// (so through CORS); a task written through the API from here shows up on
// the page as `task.created`, its update as `task.updated`, and not one
// request leaves this machine.
//
//   TODO_API_BIN  the service binary (default: target/debug/todo_api-cli)
//   CHROMIUM      the browser (default: /usr/bin/chromium)
//
// Closes with "N passed, M failed"; saves target/stream-browser.png.
import { createHmac } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { check, finish, freePort, startService, stopService, launchOfflineChromium } from "../harness.mjs";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../..");
const bin = process.env.TODO_API_BIN ?? join(repo, "target/debug/todo_api-cli");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const screenshot = join(repo, "target/stream-browser.png");
const vendor = join(here, "node_modules/@microsoft/fetch-event-source");
// The development default of BETTER_AUTH_SECRET (config/development.yaml).
const secret = "development-only-secret-never-use-in-production";
const user = "stream-user";
// How long an event may take from the write's answer to the page.
const DELIVERY_MS = 2000;

const base64url = (value) => Buffer.from(value).toString("base64url");

/** An HS256 token for `sub`, as a frontend holding BETTER_AUTH_SECRET signs it. */
function sign(sub, seconds = 600) {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const claims = base64url(JSON.stringify({ sub, iat: now, exp: now + seconds }));
  const signature = createHmac("sha256", secret).update(`${header}.${claims}`).digest("base64url");
  return `${header}.${claims}.${signature}`;
}

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".map": "application/json" };

/**
 * Serves the page at `/` and the package's files under `/vendor/fetch-event-source/`,
 * nothing else, on 127.0.0.1. Resolves to `{ origin, server, served }`.
 */
async function startPageServer() {
  const port = await freePort();
  const served = [];
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, "http://page").pathname);
    served.push(`${request.method} ${path}`);
    let file;
    if (path === "/" || path === "/index.html") {
      file = join(here, "index.html");
    } else if (path.startsWith("/vendor/fetch-event-source/")) {
      file = resolve(vendor, `.${path.slice("/vendor/fetch-event-source".length)}`);
      if (!file.startsWith(vendor + sep)) file = undefined;
    }
    if (request.method !== "GET" || !file || !existsSync(file)) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    response
      .writeHead(200, {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
      })
      .end(readFileSync(file));
  });
  await new Promise((res, rej) => {
    server.once("error", rej);
    server.listen(port, "127.0.0.1", res);
  });
  return { origin: `http://127.0.0.1:${port}`, server, served };
}

/** Waits for a row of the page's list with this type and title; the row's data, or null. */
async function shown(page, type, title, timeout) {
  try {
    const handle = await page.waitForFunction(
      ([type, title]) => {
        const rows = [...document.querySelectorAll("#events li")];
        const row = rows.find(
          (li) => li.dataset.type === type && li.querySelector(".title")?.textContent === title,
        );
        return row ? { id: Number(row.dataset.id), taskId: Number(row.dataset.taskId) } : null;
      },
      [type, title],
      { timeout, polling: 20 },
    );
    return await handle.jsonValue();
  } catch {
    return null;
  }
}

const rows = (page) =>
  page.$$eval("#events li", (items) => items.map((li) => `${li.dataset.id} ${li.textContent}`));

async function main() {
  let missing = false;
  for (const [what, path] of [
    ["service binary", bin],
    ["Chromium", browserPath],
    ["@microsoft/fetch-event-source (npm ci)", join(vendor, "lib/esm/index.js")],
  ]) {
    if (!existsSync(path)) {
      console.error(`stream-browser e2e: the ${what} ${path} is missing`);
      check(`the ${what} is there`, false, path);
      missing = true;
    }
  }
  if (missing) finish();

  const work = mkdtempSync(join(tmpdir(), "todo-stream-browser-"));
  const pages = await startPageServer();
  let service;
  let browser;
  try {
    service = await startService({
      bin,
      cwd: repo,
      database: join(work, "stream.sqlite"),
      settings: {
        BETTER_AUTH_SECRET: secret,
        HS256_ISSUER: "",
        HS256_AUDIENCE: "",
        CORS_ALLOWED_ORIGINS: pages.origin,
      },
    });
    const token = sign(user);
    const api = (method, path, body) =>
      fetch(`${service.url}/api/${user}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    browser = await launchOfflineChromium(chromium, browserPath, join(work, "profile"));
    const page = await browser.newPage();
    const requested = [];
    page.on("request", (request) => requested.push(request.url()));
    const problems = [];
    page.on("pageerror", (error) => problems.push(String(error)));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`);
    });

    const query = new URLSearchParams({ service: service.url, user, token });
    const response = await page.goto(`${pages.origin}/?${query}`);
    check("the test page loads", response?.ok() === true, String(response?.status()));

    // Open: the answer's headers came back through CORS, text/event-stream.
    // (The page lists an error instead when it cannot open.)
    await page.waitForSelector("body[data-open], #errors li", { timeout: 10_000 }).catch(() => {});
    const open = (await page.$("body[data-open]")) !== null;
    const errors = await page.$$eval("#errors li", (items) => items.map((li) => li.textContent));
    check("the page opens the stream (fetch-event-source, bearer token, CORS)", open, errors.join("; "));
    check(
      "the package's ES modules came from the page server",
      ["index.js", "fetch.js", "parse.js"].every((f) =>
        pages.served.includes(`GET /vendor/fetch-event-source/lib/esm/${f}`),
      ),
      pages.served.join(", "),
    );

    // A write from here shows on the page.
    const title = `Written from Node ${Date.now()}`;
    const created = await api("POST", "/tasks", { title });
    const task = await created.json().catch(() => ({}));
    check("POST /tasks answers 201", created.status === 201, `${created.status} ${JSON.stringify(task)}`);
    const createdRow = await shown(page, "task.created", title, DELIVERY_MS);
    check(
      `the page shows task.created "${title}" within ${DELIVERY_MS} ms`,
      createdRow !== null,
      JSON.stringify(await rows(page)),
    );
    check("its event names the task", createdRow?.taskId === task.id, JSON.stringify({ createdRow, task: task.id }));

    const renamed = `${title}, renamed`;
    const updated = await api("PATCH", `/tasks/${task.id}`, { title: renamed });
    check("PATCH /tasks/{id} answers 200", updated.status === 200, String(updated.status));
    const updatedRow = await shown(page, "task.updated", renamed, DELIVERY_MS);
    check(
      `the page shows task.updated "${renamed}" within ${DELIVERY_MS} ms`,
      updatedRow !== null,
      JSON.stringify(await rows(page)),
    );
    check(
      "the update follows the creation (a later event id, the same task)",
      updatedRow !== null && createdRow !== null && updatedRow.id > createdRow.id && updatedRow.taskId === task.id,
      JSON.stringify({ createdRow, updatedRow }),
    );
    // Nothing else arrived: the two events, once each.
    const all = await rows(page);
    check("exactly those two events on the page", all.length === 2, JSON.stringify(all));

    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot: ${screenshot}`);

    const stillOpen = await page.$eval("#status", (s) => s.textContent);
    check("the stream is still open", stillOpen === "open", stillOpen);

    const external = requested.filter(
      (url) => !url.startsWith(`${pages.origin}/`) && !url.startsWith(`${service.url}/`) && !url.startsWith("data:"),
    );
    check("nothing was fetched from outside the machine", external.length === 0, external.join(", "));
    check("no script errors on the page", problems.length === 0, problems.join("; "));
  } catch (error) {
    check("the browser run finished", false, error.stack ?? String(error));
  } finally {
    await browser?.close();
    if (service) await stopService(service);
    await new Promise((r) => pages.server.close(r));
    rmSync(work, { recursive: true, force: true });
  }
  finish();
}

await main();
