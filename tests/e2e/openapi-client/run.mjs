// A frontend consuming the OpenAPI document: the service binary serves
// /api/openapi.json; Redocly CLI lints it (redocly.yaml); openapi-typescript
// turns it into ./generated/schema.d.ts; `tsc` (strict, tsconfig.json)
// checks usage.ts, which calls every operation through openapi-fetch,
// against those types; then the emitted JavaScript runs that journey against
// the same service with an HS256 token.
//
//   TODO_API_BIN  the service binary (default: target/debug/todo_api-cli)
//
// Closes with "N passed, M failed". A missing tool is a failure, never a skip.
import { spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { check, finish, startService as startServiceAt } from "../harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../..");
const bin = process.env.TODO_API_BIN ?? join(repo, "target/debug/todo_api-cli");
const tools = {
  redocly: join(here, "node_modules/.bin/redocly"),
  "openapi-typescript": join(here, "node_modules/.bin/openapi-typescript"),
  tsc: join(here, "node_modules/.bin/tsc"),
  "openapi-fetch": join(here, "node_modules/openapi-fetch/package.json"),
};
// What usage.ts imports; git-ignored, rewritten on every run.
const generated = join(here, "generated");
const work = mkdtempSync(join(tmpdir(), "todo-openapi-client-"));
// The development default of config/development.yaml, passed explicitly so
// an exported BETTER_AUTH_SECRET cannot make the tokens below wrong.
const secret = "development-only-secret-never-use-in-production";
const userId = "openapiClientUser000000000000000";

let service;

function startService() {
  return startServiceAt({
    bin,
    cwd: repo,
    database: join(work, "openapi.sqlite"),
    settings: { BETTER_AUTH_SECRET: secret, HS256_ISSUER: "", HS256_AUDIENCE: "" },
  });
}

function stopService() {
  if (service && service.child.exitCode === null && service.child.signalCode === null) {
    service.child.kill("SIGTERM");
  }
}
process.on("exit", stopService);

/** Runs a tool to completion; its output is returned, not printed. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    cwd: here,
    encoding: "utf8",
    timeout: 180_000,
    maxBuffer: 64 * 1024 * 1024,
    ...options,
    env: {
      ...process.env,
      REDOCLY_TELEMETRY: "off",
      REDOCLY_SUPPRESS_UPDATE_NOTICE: "true",
      NO_COLOR: "1",
      ...options.env,
    },
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? String(result.error) : ""}`;
  return { status: result.status, stdout: result.stdout ?? "", output };
}

const indent = (text) => text.trim().split("\n").map((line) => `    ${line}`).join("\n");

/** An HS256 JWT as a frontend signing its own tokens would make it. */
function hs256(sub) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${encode({ alg: "HS256", typ: "JWT" })}.${encode({ sub, iat: now, exp: now + 600 })}`;
  return `${unsigned}.${createHmac("sha256", secret).update(unsigned).digest("base64url")}`;
}

function lint(documentPath) {
  const { status, stdout, output } = run(tools.redocly, [
    "lint",
    documentPath,
    "--config",
    join(here, "redocly.yaml"),
    "--format",
    "json",
    "--max-problems",
    "1000",
  ]);
  let report;
  try {
    report = JSON.parse(stdout);
  } catch {
    check("redocly lint ran", false, `exit ${status}, no JSON report:\n${indent(output)}`);
    return;
  }
  check("redocly lint ran", true);
  const problems = report.problems ?? [];
  for (const p of problems) {
    const where = p.location?.[0];
    console.log(
      `     redocly ${p.severity} ${p.ruleId} at ${where?.pointer ?? "?"} ` +
        `(${documentPath}:${where?.start?.line ?? "?"}): ${p.message}`,
    );
  }
  // "rule ×count, ..." of one severity; each problem is listed above.
  const list = (severity) => {
    const counts = new Map();
    for (const p of problems.filter((p) => p.severity === severity)) {
      counts.set(p.ruleId, (counts.get(p.ruleId) ?? 0) + 1);
    }
    return [...counts].map(([rule, n]) => `${rule} ×${n}`).join(", ");
  };
  check("redocly lint: no errors", report.totals?.errors === 0 && status === 0, `exit ${status}: ${list("error")}`);
  // Every rule in redocly.yaml is an error or off; a warning is a rule
  // nobody has decided about (a new one, say): decide it there.
  check("redocly lint: no warnings", report.totals?.warnings === 0, list("warn"));
  const security = problems.filter((p) => p.ruleId === "security-defined");
  check("redocly lint: no security-defined problems", security.length === 0, JSON.stringify(security.map((p) => p.message)));
}

/** "METHOD /path" for each operation of the document. */
function documentOperations(doc) {
  const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
  return Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    methods.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`),
  );
}

async function main() {
  // The tools: their absence fails the suite, loudly.
  let missing = false;
  for (const [what, path] of [["the service binary", bin], ...Object.entries(tools)]) {
    if (!existsSync(path)) {
      missing = true;
      const hint = path === bin ? "cargo test builds it" : "npm ci in tests/e2e/openapi-client installs it";
      check(`${what} is there`, false, `${path} is missing (${hint})`);
    }
  }
  if (missing) finish();

  rmSync(generated, { recursive: true, force: true });
  mkdirSync(generated);
  try {
    service = await startService();

    // The document, as a frontend's build would fetch it.
    const response = await fetch(`${service.url}/api/openapi.json`);
    const text = await response.text();
    let doc;
    try {
      doc = JSON.parse(text);
    } catch {
      // reported below
    }
    check("GET /api/openapi.json is a JSON document", response.status === 200 && doc !== undefined, `${response.status} ${text.slice(0, 200)}`);
    if (doc === undefined) return;
    check("it is OpenAPI 3.1", /^3\.1\./.test(String(doc.openapi)), String(doc.openapi));
    const bearer = doc.components?.securitySchemes?.bearer;
    check("it declares the bearer scheme", bearer?.type === "http" && bearer?.scheme === "bearer", JSON.stringify(bearer));
    const operations = documentOperations(doc);
    // Pretty-printed, so Redocly's line numbers point somewhere readable.
    const documentPath = join("generated", "openapi.json");
    writeFileSync(join(here, documentPath), `${JSON.stringify(doc, null, 2)}\n`);

    // a. Redocly CLI.
    lint(documentPath);

    // b. openapi-typescript, run inside generated/ so that it finds no
    // redocly.yaml: linting is step a's job, generating is this one's.
    const generate = run(tools["openapi-typescript"], ["openapi.json", "--output", "schema.d.ts"], { cwd: generated });
    check(
      "openapi-typescript generates generated/schema.d.ts",
      generate.status === 0 && existsSync(join(generated, "schema.d.ts")),
      `exit ${generate.status}:\n${indent(generate.output)}`,
    );

    // c. tsc: usage.ts against the fresh types, strict. The same run emits
    // JavaScript (type errors do not stop emitting) for step d.
    const compile = run(tools.tsc, ["-p", "tsconfig.json", "--noEmit", "false", "--outDir", join("generated", "js")]);
    if (!existsSync(join(generated, "schema.d.ts"))) {
      // Every line of usage.ts would fail for want of the types: no noise.
      check("tsc (strict) compiles usage.ts against the generated types", false, "no generated types to compile against");
    } else {
      if (compile.status !== 0) console.log(indent(compile.output));
      check("tsc (strict) compiles usage.ts against the generated types", compile.status === 0, `exit ${compile.status}, errors above`);
    }

    // d. The compiled journey against the service itself.
    const emitted = join(generated, "js", "usage.js");
    if (!existsSync(emitted)) {
      check("usage.ts was emitted as JavaScript", false, emitted);
      return;
    }
    const usage = await import(pathToFileURL(emitted).href);
    const called = await usage.journey(service.url, hs256(userId), userId, check);
    const uncalled = operations.filter((op) => !called.includes(op));
    const unknown = called.filter((op) => !operations.includes(op));
    check(
      `the journey called all ${operations.length} operations of the document, and no other`,
      operations.length > 0 && uncalled.length === 0 && unknown.length === 0,
      `not called: ${JSON.stringify(uncalled)}; not in the document: ${JSON.stringify(unknown)}`,
    );
  } catch (error) {
    check("the OpenAPI client run finished", false, error.stack ?? String(error));
  } finally {
    stopService();
    rmSync(work, { recursive: true, force: true });
    finish();
  }
}

await main();
