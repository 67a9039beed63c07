// A real browser on the docs: headless Chromium (Debian's package) opens
// /api/docs, the interactive docs render every route, "Try it out" with a
// token reaches the API, and not one request leaves this machine.
//
//   TODO_API_BIN  the service binary (default: target/debug/todo_api-cli)
//   CHROMIUM      the browser (default: /usr/bin/chromium)
//
// Closes with "N passed, M failed".
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { check, finish, startService as startServiceAt, launchOfflineChromium } from "../harness.mjs";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../..");
const bin = process.env.TODO_API_BIN ?? join(repo, "target/debug/todo_api-cli");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const work = mkdtempSync(join(tmpdir(), "todo-browser-"));



function startService() {
  return startServiceAt({ bin, cwd: repo, database: join(work, "docs.sqlite") });
}

async function main() {
  for (const [what, path] of [["service binary", bin], ["Chromium", browserPath]]) {
    if (!existsSync(path)) {
      console.error(`browser e2e: the ${what} ${path} is missing`);
      process.exit(2);
    }
  }
  const service = await startService();
  const token = execFileSync(bin, ["task", "dev_token", "user_id:browser-user"], {
    cwd: repo,
    env: { ...process.env, LOCO_ENV: "development", DATABASE_URL: `sqlite://${join(work, "docs.sqlite")}?mode=rwc`, LOG_LEVEL: "error" },
  })
    .toString()
    .trim()
    .split("\n")
    .pop();
  let browser;
  try {
    browser = await launchOfflineChromium(chromium, browserPath, join(work, "profile"));
    const page = await browser.newPage();
    const requested = [];
    page.on("request", (request) => requested.push(request.url()));
    const problems = [];
    page.on("pageerror", (error) => problems.push(String(error)));

    const response = await page.goto(`${service.url}/api/docs`, { waitUntil: "networkidle" });
    check("the docs page loads", response?.ok() === true, String(response?.status()));
    await page.waitForSelector(".opblock", { timeout: 15_000 });
    const operations = await page.$$eval(".opblock", (blocks) =>
      blocks.map((b) => {
        const method = b.querySelector(".opblock-summary-method")?.textContent?.trim();
        const path = b.querySelector(".opblock-summary-path")?.getAttribute("data-path");
        return `${method} ${path}`;
      }),
    );
    for (const expected of [
      "GET /api/{user_id}/tasks",
      "POST /api/{user_id}/tasks",
      "GET /api/{user_id}/tasks/{id}",
      "PUT /api/{user_id}/tasks/{id}",
      "PATCH /api/{user_id}/tasks/{id}",
      "DELETE /api/{user_id}/tasks/{id}",
      "PATCH /api/{user_id}/tasks/{id}/complete",
    ]) {
      check(`rendered: ${expected}`, operations.includes(expected), JSON.stringify(operations));
    }
    check("the Authorize (bearer token) button is there", (await page.$(".btn.authorize")) !== null);

    // Authorize with a token, then "Try it out" on the list.
    await page.click(".btn.authorize");
    await page.fill(".modal-ux input[type=text], .modal-ux input", token);
    await page.click(".modal-ux .auth-btn-wrapper .authorize");
    await page.click(".modal-ux .close-modal");
    const list = page.locator(".opblock-get", { has: page.locator('[data-path="/api/{user_id}/tasks"]') }).first();
    await list.locator(".opblock-summary").click();
    // The docs open in "Try it out" mode; switch it on if a build does not.
    const tryOut = list.locator(".try-out__btn");
    if ((await tryOut.count()) > 0 && /try it out/i.test(await tryOut.textContent())) {
      await tryOut.click();
    }
    await list.locator('tr[data-param-name="user_id"] input').fill("browser-user");
    const apiCall = page.waitForResponse((r) => r.url().startsWith(`${service.url}/api/browser-user/tasks`));
    await list.locator(".execute").click();
    const answer = await apiCall;
    check("Try it out with the token reaches the API", answer.status() === 200, String(answer.status()));

    const external = requested.filter((url) => !url.startsWith(service.url) && !url.startsWith("data:"));
    check("nothing was fetched from outside the machine", external.length === 0, external.join(", "));
    check("no script errors on the page", problems.length === 0, problems.join("; "));
  } catch (error) {
    check("the browser run finished", false, error.stack ?? String(error));
  } finally {
    await browser?.close();
    service.child.kill("SIGTERM");
    rmSync(work, { recursive: true, force: true });
  }
  finish();
}

await main();
