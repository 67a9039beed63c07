// What the end-to-end suites share: counting checks and finding ports.
// Plain Node, no packages, imported by each suite's run.mjs.
import { createServer } from "node:net";

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
