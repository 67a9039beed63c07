// What the end-to-end suites share: counting checks, finding ports, the
// processes a suite starts (all killed when it ends), and the suite's run.
// Plain Node, no packages, imported by each suite's run.mjs.
import { spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createServer } from "node:net";

/** The processes this suite started and has not stopped. */
const children = new Set();

let passed = 0;
let failed = 0;

export function check(name, ok, detail = "") {
  if (ok) {
    passed += 1;
    console.log(`ok   ${name}`);
  } else {
    failed += 1;
    console.log(`FAIL ${name}${detail ? `: ${detail}` : ""}`);
  }
}

/** Prints the closing "N passed, M failed" line and exits accordingly. */
export function finish() {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

export function freePort() {
  return new Promise((res, rej) => {
    const server = createServer();
    server.once("error", rej);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => res(port));
    });
  });
}

/**
 * Starts the service binary (`todo_api-cli start`) in development on `port`
 * (default: a free one) with a SQLite database at `database` (a file path), the environment
 * as a user would set it plus `settings`, and waits for `/_ping`. Returns
 * `{ url, port, child, output }`; `output()` is what it printed so far.
 */
export async function startService({ bin, cwd, database, settings = {}, port }) {
  const { spawn } = await import("node:child_process");
  port ??= await freePort();
  const env = {
    ...process.env,
    LOCO_ENV: "development",
    PORT: String(port),
    BINDING: "127.0.0.1",
    DATABASE_URL: `sqlite://${database}?mode=rwc`,
    BETTER_AUTH_URL: "",
    LOG_LEVEL: "warn",
    ...settings,
  };
  const child = spawn(bin, ["start"], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let printed = "";
  child.stdout.on("data", (chunk) => (printed += chunk));
  child.stderr.on("data", (chunk) => (printed += chunk));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i += 1) {
    if (child.exitCode !== null) throw new Error(`the service exited:\n${printed}`);
    try {
      if ((await fetch(`${url}/_ping`)).ok) return { url, port, child, output: () => printed };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`the service did not answer /_ping:\n${printed}`);
}

/**
 * Stops a service from `startService`: SIGTERM, then SIGKILL if it has not
 * exited within 5 s (and says so).
 */
export async function stopService(service) {
  const { child } = service;
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) {
    console.log("note: the service did not exit within 5 s of SIGTERM; killed");
    child.kill("SIGKILL");
  }
}

/**
 * Debian's Chromium through playwright-core's `chromium`, headless, with a
 * fresh profile in `profile` and the flags that keep it off the network.
 */
export function launchOfflineChromium(chromium, executablePath, profile) {
  return chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** Counts `child` among this suite's processes (killed when it ends). */
export function track(child) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** Starts a child process and resolves once `ready(line)` holds for a line of its output. */
export function startProcess(name, command, args, options, ready) {
  const child = track(spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] }));
  let output = "";
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`${name} did not start:\n${output}`)), 30_000);
    const onData = (chunk) => {
      output += chunk;
      if (output.split("\n").some(ready)) {
        clearTimeout(timer);
        res(child);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      rej(new Error(`${name} exited with ${code}:\n${output}`));
    });
  });
}

/** SIGTERM, then SIGKILL if the process has not exited within 5 s. */
export async function stopProcess(child) {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill("SIGKILL");
}

/**
 * Runs a suite's `body`: a throw is a failed check; every process it left
 * is killed and its `work` folder removed; then the time and the closing
 * "N passed, M failed" line.
 */
export async function runSuite(work, body) {
  const started = Date.now();
  try {
    await body();
  } catch (error) {
    check("suite ran to the end", false, error.stack ?? String(error));
  } finally {
    for (const child of children) child.kill("SIGKILL");
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
  finish();
}

/** A fresh PostgreSQL database (E2E_PG_SERVER, default the local one); its URL. */
export function freshPostgres(name) {
  const server = process.env.E2E_PG_SERVER ?? "postgres://postgres@127.0.0.1:5432";
  for (const sql of [`DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name}`]) {
    const done = spawnSync("psql", [`${server}/postgres`, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], { encoding: "utf8" });
    if (done.status !== 0) throw new Error(`psql ${sql}: ${done.stderr}`);
  }
  return `${server}/${name}`;
}
