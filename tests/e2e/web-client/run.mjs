// The web client (assets/static, served by the service at `/`) in a real
// browser: headless Chromium (Debian's package) through playwright-core.
// Two pages of one user: the first signs in with a development token,
// creates a tagged task, filters by its tag and completes it (from the
// keyboard); the second sees each change arrive without reloading. A write
// from elsewhere while the first page edits the task makes its save a 412,
// which the page shows. Then a repeating task in words, a reminder as a
// banner, a refused rule with the problem's `errors`, a delete seen live,
// the page at 360 px, a label on every control, sign-in with a pasted
// token; the page's own SSE reader against crafted answers (410, an event
// over CRLF lines, 503 back-off, then the service's own 410); a list sorted
// by title that puts every change where the service's own list does (titles
// that byte order, UTF-16 order and a linguistic collation sort apart, a
// task beyond the loaded rows, "Load more" after that, edits in progress
// kept); dates in a browser in New York (an all-day task made through the
// form is due on its date there, wherever the service's clock is; a timed
// one shows its time; all-day tasks of other zones show their own date;
// the edit form shows the date alone; a create whose zone the service
// refuses is made again without it) and the Today and Upcoming views
// (with a search, a tag, a sort and "Load more"), every request naming
// the zone; lists in a side bar (made, selected, renamed, deleted after a
// confirm, followed live), a task made in a list shown only there, a
// subtask indented under its parent, a row dragged above another and a
// "Move up" from the keyboard, the order kept over a reload; the
// recurrence picker's rules (weekly on chosen days, every N days N times,
// a custom rule that opens again as custom); nothing fetched from outside
// the service, no script errors.
//
//   TODO_API_BIN  the service binary (default: target/debug/todo_api-cli)
//   CHROMIUM      the browser (default: /usr/bin/chromium)
//
// Closes with "N passed, M failed"; saves target/web-client.png (the second
// page), target/web-client-360.png (the first, 360 px wide) and
// target/web-client-lists-360.png (a list with subtasks, 360 px wide).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { check, finish, startService, stopService, launchOfflineChromium } from "../harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../..");
const bin = process.env.TODO_API_BIN ?? join(repo, "target/debug/todo_api-cli");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const screenshot = join(repo, "target/web-client.png");
const narrowScreenshot = join(repo, "target/web-client-360.png");
const listsScreenshot = join(repo, "target/web-client-lists-360.png");
// The development default of BETTER_AUTH_SECRET (config/development.yaml):
// the one secret the dev-token route signs with.
const secret = "development-only-secret-never-use-in-production";
const user = "web-user";
// How long a change may take from the write's answer to the other page.
const DELIVERY_MS = 3000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits for `predicate(arg)` to hold in the page; true, or false after `timeout`. */
async function eventually(page, predicate, arg, timeout = DELIVERY_MS) {
  try {
    await page.waitForFunction(predicate, arg, { timeout, polling: 25 });
    return true;
  } catch {
    return false;
  }
}

const rowTitled = ([title]) =>
  [...document.querySelectorAll("#task-list li.task")].find((li) => li.querySelector(".task-title")?.textContent === title);

/** The data of the page's row for a task title, or null. */
const row = (page, title) =>
  page.evaluate(
    ([title]) => {
      const li = [...document.querySelectorAll("#task-list li.task")].find(
        (item) => item.querySelector(".task-title")?.textContent === title,
      );
      if (!li) return null;
      return {
        id: Number(li.dataset.id),
        done: li.classList.contains("done"),
        tags: [...li.querySelectorAll("button.chip")].map((b) => b.dataset.tag),
        repeats: li.querySelector(".repeats")?.textContent ?? null,
        due: li.querySelector(".due")?.textContent ?? null,
        overdue: li.querySelector(".due")?.classList.contains("overdue") ?? false,
        form: li.querySelector("form") !== null,
      };
    },
    [title],
  );

const titles = (page) =>
  page.$$eval("#task-list li.task .task-title", (items) => items.map((item) => item.textContent));

/** Signs a page in through the development form, as `who`. */
async function signIn(page, service, who = user) {
  const response = await page.goto(`${service.url}/`);
  check("GET / serves the page", response?.status() === 200, String(response?.status()));
  const offered = await eventually(page, () => !document.getElementById("dev-form").hidden);
  check("the page offers the development sign-in (the route is in the document)", offered);
  await page.fill("#dev-user", who);
  await page.getByRole("button", { name: "Get a development token and sign in" }).click();
  const live = await eventually(
    page,
    () => document.body.dataset.signedIn !== undefined && document.getElementById("live").dataset.state === "open",
    undefined,
    10_000,
  );
  const status = await page.$eval("#live", (l) => l.textContent);
  const alert = await page.$eval("#alert", (a) => a.textContent);
  check("signed in with a development token, the stream open", live, `${status} ${alert}`);
}

/** Watches a page: requests it makes, script errors, console errors. */
function watch(page, expectedStatuses) {
  const seen = { requests: [], problems: [] };
  page.on("request", (request) => seen.requests.push(request.url()));
  page.on("pageerror", (error) => seen.problems.push(String(error)));
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    // Chromium logs every 4xx a fetch gets; the ones this run provokes on
    // purpose are expected.
    const status = /status of (\d{3})/.exec(message.text())?.[1];
    if (status && expectedStatuses.includes(Number(status))) return;
    seen.problems.push(`console: ${message.text()}`);
  });
  return seen;
}

async function main() {
  let missing = false;
  for (const [what, path] of [
    ["service binary", bin],
    ["Chromium", browserPath],
    ["playwright-core (npm ci)", join(here, "node_modules/playwright-core/package.json")],
  ]) {
    if (!existsSync(path)) {
      check(`the ${what} is there`, false, path);
      missing = true;
    }
  }
  if (missing) finish();

  const work = mkdtempSync(join(tmpdir(), "todo-web-client-"));
  let service;
  let browser;
  let newYork;
  try {
    service = await startService({
      bin,
      cwd: repo,
      database: join(work, "web.sqlite"),
      settings: {
        BETTER_AUTH_SECRET: secret,
        HS256_ISSUER: "",
        HS256_AUDIENCE: "",
        WEB_CLIENT: "true",
        RATE_LIMIT_PER_SECOND: "0",
      },
    });

    // Node writes as the same user, with a token from the same route.
    const mint = async (who) => {
      const minted = await fetch(`${service.url}/_dev/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ user_id: who }),
      });
      const { token } = await minted.json();
      check(`POST /_dev/token answers a token for ${who}`, minted.status === 200 && typeof token === "string", String(minted.status));
      return token;
    };
    const clientOf = (who, bearer, headers = {}) => async (method, path, body) => {
      const response = await fetch(`${service.url}/api/${who}${path}`, {
        method,
        headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json", ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    };
    const token = await mint(user);
    const api = clientOf(user, token);

    browser = await launchOfflineChromium(chromium, browserPath, join(work, "profile"));
    const first = await browser.newPage();
    await first.setViewportSize({ width: 1000, height: 900 });
    const firstSeen = watch(first, [412]);
    await signIn(first, service);

    // 1. A tagged task, through the page's form.
    await first.fill("#new-title", "Buy oat milk");
    await first.fill("#new-tags", "Errands, Shop");
    await first.selectOption("#new-priority", "high");
    await first.getByRole("button", { name: "Add task" }).click();
    const added = await eventually(first, rowTitled, ["Buy oat milk"]);
    const milk = await row(first, "Buy oat milk");
    check("the form creates the task", added, JSON.stringify(await titles(first)));
    check("its tags show as chips, normalised", JSON.stringify(milk?.tags) === '["errands","shop"]', JSON.stringify(milk));

    // 2. A task written elsewhere appears on the page by itself.
    const report = await api("POST", "/tasks", { title: "Write the report", tags: ["work"] });
    check("POST from Node answers 201", report.status === 201, JSON.stringify(report));
    check(
      `a task created elsewhere shows within ${DELIVERY_MS} ms`,
      await eventually(first, rowTitled, ["Write the report"]),
      JSON.stringify(await titles(first)),
    );

    // 3. A second page of the same user.
    const second = await browser.newPage();
    await second.setViewportSize({ width: 1000, height: 1100 });
    const secondSeen = watch(second, [422]);
    await signIn(second, service);
    const both = await titles(second);
    check("the second page lists both tasks", both.includes("Buy oat milk") && both.includes("Write the report"), JSON.stringify(both));
    await second.evaluate(() => {
      window.sameDocument = true;
    });

    // 4. Filter by the tag: a click on its chip.
    await first.click(`li[data-id="${milk.id}"] button.chip[data-tag="errands"]`);
    const filtered = await eventually(
      first,
      () => [...document.querySelectorAll("#task-list .task-title")].map((t) => t.textContent).join("|") === "Buy oat milk",
    );
    check("a click on a tag filters the list by it", filtered, JSON.stringify(await titles(first)));
    const pressed = await first.$eval('#tag-cloud button[data-tag="errands"]', (b) => b.getAttribute("aria-pressed"));
    check("the tag's chip in the tag list is pressed", pressed === "true", String(pressed));
    const count = await first.$eval("#count", (c) => c.textContent);
    check("the count follows X-Total-Count", count === "Showing 1 of 1 task.", count);

    // 5. Complete it from the keyboard; the other page sees it, no reload.
    await first.focus(`#done-${milk.id}`);
    await first.keyboard.press("Space");
    check("Space on the checkbox completes the task", await eventually(first, ([id]) => document.querySelector(`li[data-id="${id}"]`)?.classList.contains("done"), [milk.id]));
    const arrived = await eventually(second, ([id]) => document.querySelector(`li[data-id="${id}"]`)?.classList.contains("done"), [milk.id]);
    check(`the second page shows it completed within ${DELIVERY_MS} ms`, arrived, JSON.stringify(await row(second, "Buy oat milk")));
    check("...without reloading", (await second.evaluate(() => window.sameDocument)) === true);
    const stored = await api("GET", `/tasks/${milk.id}`);
    check("the service has it completed", stored.body?.completed === true && stored.body?.completed_at !== null, JSON.stringify(stored.body));

    // 6. Edit on the first page while Node changes the task: a 412.
    await first.getByRole("button", { name: "Edit Buy oat milk" }).click();
    check("Edit opens the form", await eventually(first, ([id]) => document.querySelector(`li[data-id="${id}"] form`) !== null, [milk.id]));
    const elsewhere = await api("PATCH", `/tasks/${milk.id}`, { title: "Buy oat milk (2 l)" });
    check("the concurrent PATCH from Node answers 200", elsewhere.status === 200, JSON.stringify(elsewhere));
    const renamedLive = await eventually(first, rowTitled, ["Buy oat milk (2 l)"]);
    check("the first page shows the new title live, its form still open", renamedLive && (await row(first, "Buy oat milk (2 l)"))?.form === true);
    check("so does the second page", await eventually(second, rowTitled, ["Buy oat milk (2 l)"]));
    await first.fill(`#edit-title-${milk.id}`, "Buy oat milk now");
    await first.getByRole("button", { name: "Save" }).click();
    const told = await eventually(first, () => {
      const alert = document.getElementById("alert");
      return !alert.hidden && alert.dataset.status === "412";
    });
    const alertText = await first.$eval("#alert", (a) => a.textContent);
    const alertDetail = await first.$eval("#alert p", (p) => p.textContent);
    check(
      "the save is refused with a 412, and the page says the task changed elsewhere",
      told && alertDetail.includes("changed elsewhere") && alertText === alertDetail,
      alertText,
    );
    const kept = await api("GET", `/tasks/${milk.id}`);
    check("the stale edit changed nothing", kept.body?.title === "Buy oat milk (2 l)", JSON.stringify(kept.body));
    const reopened = await eventually(first, ([id]) => document.getElementById(`edit-title-${id}`)?.value === "Buy oat milk (2 l)", [milk.id]);
    check("the form is back with the task as it is now", reopened);

    // 7. The tag filter off again: the chip in the filter bar.
    await first.getByRole("button", { name: "Remove the tag filter errands" }).click();
    check("removing the tag filter lists every task again", await eventually(first, rowTitled, ["Write the report"]));

    // 8. A repeating task, in words.
    const monday = new Date();
    monday.setUTCDate(monday.getUTCDate() + ((8 - monday.getUTCDay()) % 7 || 7));
    monday.setUTCHours(9, 0, 0, 0);
    const sync = await api("POST", "/tasks", {
      title: "Team sync notes",
      due_date: monday.toISOString(),
      recurrence: "FREQ=WEEKLY;BYDAY=MO,WE",
      tags: ["work"],
    });
    check("a repeating task is created", sync.status === 201, JSON.stringify(sync));
    await eventually(second, rowTitled, ["Team sync notes"]);
    const repeats = (await row(second, "Team sync notes"))?.repeats;
    check("its rule shows in words", repeats === "repeats every Monday and Wednesday", String(repeats));

    // 9. A reminder: a banner (notifications are not allowed here).
    const reminded = await api("POST", "/tasks", { title: "Call the plumber", remind_at: new Date(Date.now() - 1000).toISOString() });
    check("a task with a due reminder is created", reminded.status === 201, JSON.stringify(reminded));
    const banner = await eventually(
      second,
      () => [...document.querySelectorAll("#banners .banner")].some((b) => b.textContent.includes("Reminder: Call the plumber")),
      undefined,
      8000,
    );
    check("the reminder shows as a banner within 8 s", banner, await second.$eval("#banners", (b) => b.textContent));

    // 10. A refused write shows the problem's detail and errors.
    await second.fill("#new-title", "Hourly check");
    await second.fill("#new-due", "2030-01-07");
    await second.fill("#new-due-time", "09:00");
    await second.selectOption("#new-recurrence-kind", "custom");
    await second.fill("#new-recurrence-custom", "FREQ=HOURLY");
    await second.getByRole("button", { name: "Add task" }).click();
    const refused = await eventually(second, () => document.querySelector('#alert li[data-field="recurrence"]') !== null);
    check("a refused rule shows the 422's detail and its field", refused, await second.$eval("#alert", (a) => a.textContent));

    // 11. A delete on the second page leaves the first.
    await second.getByRole("button", { name: "Delete Write the report" }).click();
    const gone = await eventually(first, () => ![...document.querySelectorAll("#task-list .task-title")].some((t) => t.textContent === "Write the report"));
    check(`a task deleted on the second page leaves the first within ${DELIVERY_MS} ms`, gone, JSON.stringify(await titles(first)));
    const counted = await first.$eval("#count", (c) => c.textContent);
    check("the count follows at once", counted === "Showing 3 of 3 tasks.", counted);

    mkdirSync(dirname(screenshot), { recursive: true });
    await second.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot: ${screenshot}`);

    // 12. 360 px wide: nothing wider than the screen.
    await first.setViewportSize({ width: 360, height: 800 });
    await sleep(200);
    const width = await first.evaluate(() => document.documentElement.scrollWidth);
    check("at 360 px the page needs no sideways scrolling", width <= 360, `scrollWidth ${width}`);
    await first.screenshot({ path: narrowScreenshot, fullPage: true });
    console.log(`screenshot: ${narrowScreenshot}`);

    // 13. A name on every control (the edit form open, so its fields count).
    await first.getByRole("button", { name: "Edit Buy oat milk (2 l)" }).click().catch(() => {});
    for (const page of [first, second]) {
      const unnamed = await page.evaluate(() =>
        [...document.querySelectorAll("input, select, textarea, button")]
          .filter((el) => {
            if (el.tagName === "BUTTON") return !(el.getAttribute("aria-label") || el.textContent.trim());
            return !(el.labels?.length || el.getAttribute("aria-label"));
          })
          .map((el) => el.outerHTML.slice(0, 80)),
      );
      check("every control has a label", unnamed.length === 0, unnamed.join(", "));
    }

    // 14. Signing in with a pasted token: a refused one says why; a good
    // one signs in, its user read from the token's sub.
    const third = await browser.newPage();
    const thirdSeen = watch(third, [401]);
    await third.goto(`${service.url}/`);
    await third.fill("#token", "not-a-token");
    await third.fill("#token-user", user);
    await third.getByRole("button", { name: "Sign in", exact: true }).click();
    const refusedToken = await eventually(third, () => document.getElementById("alert").dataset.status === "401");
    check("a refused pasted token shows the 401's detail", refusedToken, await third.$eval("#alert", (a) => a.textContent));
    await third.fill("#token", `Bearer ${token}`);
    await third.fill("#token-user", "");
    await third.getByRole("button", { name: "Sign in", exact: true }).click();
    const pasted = await eventually(third, () => document.getElementById("live").dataset.state === "open", undefined, 10_000);
    const who = await third.$eval("#session-user", (s) => s.textContent);
    check("a pasted token signs in as its sub, the stream open", pasted && who === user, who);
    check("...and lists the user's tasks", (await titles(third)).includes("Team sync notes"), JSON.stringify(await titles(third)));

    // 15. The page's SSE reader against crafted answers (playwright stands
    // in for the service on the stream's URL, in turn): a 410 restarts it
    // from the head the answer names; an event split over CRLF lines, a
    // comment and two data lines is read and applied, and its id is the
    // next Last-Event-ID; a 503 backs off (twice the wait after the stream
    // that ended); then the real service answers the crafted position with
    // its own 410, and the page reloads the list and follows from its head.
    const fourth = await browser.newPage();
    const fourthSeen = watch(fourth, [410, 503]);
    const streamUrl = `${service.url}/api/${user}/events`;
    const asked = [];
    // The crafted event renames the newest task (its sort key, created_at,
    // unchanged): the page applies it in place, with no read of the list.
    const newest = (await api("GET", "/tasks?limit=1")).body?.[0];
    const crafted = { ...newest, title: "Crafted by the test", updated_at: new Date().toISOString() };
    const json = JSON.stringify({ id: 41, type: "task.updated", task_id: crafted.id, task: crafted, at: crafted.updated_at });
    const cut = json.indexOf(',"task"') + 1;
    await fourth.route(streamUrl, async (route) => {
      asked.push({ lastEventId: route.request().headers()["last-event-id"], at: Date.now() });
      const problem = (status, title, extra = {}) =>
        route.fulfill({
          status,
          headers: { "content-type": "application/problem+json", ...extra },
          body: JSON.stringify({ type: "about:blank", title, status, detail: `crafted ${status}` }),
        });
      switch (asked.length) {
        case 1:
          return problem(410, "Gone", { "x-last-event-id": "5" });
        case 2:
          return route.fulfill({
            status: 200,
            headers: { "content-type": "text/event-stream" },
            body: `: keep-alive\r\n\r\nid: 41\r\nevent: task.updated\r\ndata: ${json.slice(0, cut)}\r\ndata: ${json.slice(cut)}\r\n\r\n`,
          });
        case 3:
          return problem(503, "Service Unavailable");
        default:
          return route.continue();
      }
    });
    // The crafted title shows only until the list reloads: note it when it does.
    await fourth.addInitScript(() => {
      window.sawCrafted = false;
      new MutationObserver(() => {
        const titles = [...document.querySelectorAll("#task-list .task-title")].map((t) => t.textContent);
        if (titles.includes("Crafted by the test")) window.sawCrafted = true;
      }).observe(document, { subtree: true, childList: true });
    });
    await signIn(fourth, service);
    for (let waited = 0; asked.length < 5 && waited < 15_000; waited += 100) await sleep(100);
    const following = await eventually(fourth, () => document.getElementById("live").dataset.state === "open", undefined, 5000);
    const head = Number(
      (await fetch(`${service.url}/api/${user}/events?limit=1`, { headers: { authorization: `Bearer ${token}` } })).headers.get(
        "x-last-event-id",
      ),
    );
    const ids = asked.map((a) => a.lastEventId);
    check(
      "the reader resumes from a 410's head (5), then after the crafted event (41), then from the service's head",
      following && ids[1] === "5" && ids[2] === "41" && ids[3] === "41" && ids[4] === String(head),
      JSON.stringify(ids),
    );
    check("the crafted event (CRLF lines, a comment, two data lines) was applied", await fourth.evaluate(() => window.sawCrafted));
    const backedOff = asked.length >= 4 ? asked[3].at - asked[2].at : 0;
    check("a 503 is retried after a longer wait (back-off)", backedOff >= 1500, `${backedOff} ms`);
    const craftedGone = !(await titles(fourth)).includes("Crafted by the test");
    check("the service's own 410 reloaded the list (the crafted title is gone)", craftedGone, JSON.stringify(await titles(fourth)));

    // 16. The list's order, and which rows it holds, are the service's: a
    // second user's page sorted by title, 27 tasks (more than a page), and
    // titles whose order differs between byte order (SQLite), UTF-16 order
    // (JavaScript's `<`) and a linguistic collation (PostgreSQL): "😀"
    // against "ﬁ" or "～", "Äpfel" against "apple", "_x" against "Banana".
    // Tasks created and renamed elsewhere, one beyond the loaded rows, one
    // from the rows after them, and one renamed on this page, each land
    // where the service's own list (GET ?sort=title, read from the service
    // after each write, never written here) puts them; the page keeps its
    // 25 rows; an edit in progress survives every re-read (set aside with
    // its draft when its task leaves the rows); "Load more" then goes on
    // exactly where the service's list does.
    const sorter = "web-sorter";
    const sorterApi = clientOf(sorter, await mint(sorter));
    const seeds = ["apple", "Banana", "_x", "Äpfel", "😀 party"];
    for (let n = 1; n <= 22; n += 1) seeds.push(`～ later ${String(n).padStart(2, "0")}`);
    const seeded = [];
    for (const title of seeds) seeded.push(await sorterApi("POST", "/tasks", { title }));
    check("27 tasks for the sorting check are created", seeded.every((r) => r.status === 201), JSON.stringify(seeded.find((r) => r.status !== 201)));
    const idOf = (title) => seeded.find((r) => r.body?.title === title)?.body.id;
    const serverTitles = async () => (await sorterApi("GET", "/tasks?sort=title&limit=1000")).body.map((t) => t.title);

    const fifth = await browser.newPage();
    await fifth.setViewportSize({ width: 1000, height: 900 });
    const fifthSeen = watch(fifth, [412]);
    await signIn(fifth, service, sorter);
    await fifth.selectOption("#filter-sort", "title");
    /**
     * Waits until the page's rows are the first rows of the service's list,
     * in its order (at least a page of them, or all), and its count is the
     * service's: a change applied, wherever it went.
     */
    const inServiceOrder = async (what) => {
      const expected = await serverTitles();
      const ok = await eventually(
        fifth,
        ([expected, page]) => {
          const shown = [...document.querySelectorAll("#task-list .task-title")].map((t) => t.textContent);
          const count = document.getElementById("count").textContent;
          return (
            shown.length >= Math.min(page, expected.length) &&
            shown.every((title, i) => title === expected[i]) &&
            count.endsWith(` of ${expected.length} tasks.`)
          );
        },
        [expected, 25],
      );
      const shown = await titles(fifth);
      check(what, ok, `page ${JSON.stringify(shown)}, service ${JSON.stringify(expected.slice(0, shown.length + 1))}`);
      return expected;
    };
    await inServiceOrder("sorted by title, the page shows the service's first 25 rows");

    // An edit in progress on "_x": typed, not saved.
    const underscore = idOf("_x");
    await fifth.getByRole("button", { name: "Edit _x", exact: true }).click();
    const editOpen = await eventually(fifth, ([id]) => document.getElementById(`edit-title-${id}`) !== null, [underscore]);
    check("Edit opens the form on “_x”", editOpen);
    await fifth.fill(`#edit-title-${underscore}`, "draft title");

    check("“ﬁg jam” is created elsewhere", (await sorterApi("POST", "/tasks", { title: "ﬁg jam" })).status === 201);
    await inServiceOrder("“ﬁg jam” lands where the service's list puts it");
    const rows = (await titles(fifth)).length;
    check("the page keeps its 25 rows (the last one moves to the next page)", rows === 25, String(rows));
    const draft = await fifth.evaluate(([id]) => {
      const input = document.getElementById(`edit-title-${id}`);
      return { value: input?.value, focused: document.activeElement === input };
    }, [underscore]);
    check("the edit in progress survives the re-read: still open, its draft and focus kept", draft.value === "draft title" && draft.focused, JSON.stringify(draft));

    check("“😀 smile” is created elsewhere", (await sorterApi("POST", "/tasks", { title: "😀 smile" })).status === 201);
    await inServiceOrder("“😀 smile” lands where the service's list puts it (for SQLite: past the loaded rows, not shown)");

    const renamedApple = await sorterApi("PATCH", `/tasks/${idOf("apple")}`, { title: "😀 apple" });
    check("“apple” is renamed “😀 apple” elsewhere", renamedApple.status === 200, JSON.stringify(renamedApple));
    await inServiceOrder("the renamed task moves where the service's list puts it");

    const fromNextPage = await sorterApi("PATCH", `/tasks/${idOf("～ later 22")}`, { title: "Aardvark" });
    check("a task beyond the loaded rows is renamed “Aardvark” elsewhere", fromNextPage.status === 200, JSON.stringify(fromNextPage));
    await inServiceOrder("the task renamed on the next page lands where the service's list puts it");

    // An edit in progress on a task that a change elsewhere moves: kept.
    const apfel = idOf("Äpfel");
    await fifth.getByRole("button", { name: "Edit Äpfel", exact: true }).click();
    await eventually(fifth, ([id]) => document.getElementById(`edit-title-${id}`) !== null, [apfel]);
    await fifth.fill(`#edit-title-${apfel}`, "Äpfel draft");
    const movedApfel = await sorterApi("PATCH", `/tasks/${apfel}`, { title: "😀 Äpfel" });
    check("“Äpfel” is renamed “😀 Äpfel” elsewhere while this page edits it", movedApfel.status === 200, JSON.stringify(movedApfel));
    const afterApfel = await inServiceOrder("the task being edited moves where the service's list puts it");
    const leftRows = afterApfel.indexOf("😀 Äpfel") >= 25;
    const draftKept = await eventually(
      fifth,
      ([id, leftRows]) => {
        const input = document.getElementById(`edit-title-${id}`);
        const aside = document.getElementById("set-aside");
        return input?.value === "Äpfel draft" && aside?.contains(input) === leftRows && aside.hidden === !leftRows;
      },
      [apfel, leftRows],
    );
    check(
      `its draft is kept (${leftRows ? "set aside, as it left the loaded rows" : "in its row"})`,
      draftKept,
      await fifth.evaluate(() => document.getElementById("set-aside")?.outerHTML.slice(0, 300) ?? "no #set-aside"),
    );
    const cancelled = await fifth
      .click(`#set-aside li[data-id="${apfel}"] form button.secondary, #task-list li[data-id="${apfel}"] form button.secondary`, { timeout: DELIVERY_MS })
      .then(() => eventually(fifth, () => document.getElementById("set-aside")?.hidden === true && !document.querySelector("#set-aside li")))
      .catch(() => false);
    check("Cancel closes it (and the set-aside box)", cancelled);

    // This page's own save of the "_x" draft, renamed to move.
    await fifth.fill(`#edit-title-${underscore}`, "😀 underscore");
    await fifth.click(`li[data-id="${underscore}"] form button[type=submit]`);
    // The click returns before the save does: the service's order is read
    // once it has the new title.
    let savedUnderscore;
    for (let waited = 0; waited < DELIVERY_MS; waited += 50) {
      savedUnderscore = await sorterApi("GET", `/tasks/${underscore}`);
      if (savedUnderscore.body?.title === "😀 underscore") break;
      await sleep(50);
    }
    check("the save (opened before three re-reads) went through", savedUnderscore.body?.title === "😀 underscore", JSON.stringify(savedUnderscore.body));
    await inServiceOrder("a rename saved on this page lands where the service's list puts it");

    // Load more: the rest, exactly as the service lists it.
    await fifth.click("#more");
    const all = await serverTitles();
    const loadedAll = await eventually(
      fifth,
      ([all]) => {
        const shown = [...document.querySelectorAll("#task-list .task-title")].map((t) => t.textContent);
        return JSON.stringify(shown) === JSON.stringify(all) && document.getElementById("more").hidden;
      },
      [all],
    );
    check("“Load more” then shows the rest, in the service's order", loadedAll, `page ${JSON.stringify(await titles(fifth))}, service ${JSON.stringify(all)}`);

    // 17. Dates, in a browser whose clock is in New York (a context of its
    // own: the harness's launch with `timezoneId` added). An all-day task
    // made through the form is due on its date there: shown as that date,
    // never the evening before (where its instant falls in UTC's terms),
    // and stored as the start of that date in New York. A timed one shows
    // its time. All-day tasks of other zones (Auckland; UTC, the default)
    // show the date they were set to, in the row and in the edit form.
    const zone = "America/New_York";
    newYork = await launchOfflineChromium(
      { launchPersistentContext: (profile, options) => chromium.launchPersistentContext(profile, { ...options, timezoneId: zone }) },
      browserPath,
      join(work, "profile-new-york"),
    );
    // The requests of the New York pages that do not name its zone.
    const zoneless = [];
    newYork.on("request", (request) => {
      if (!request.url().startsWith(`${service.url}/api/`) && !request.url().startsWith(`${service.url}/_dev/`)) return;
      if (request.headers()["x-timezone"] !== zone) zoneless.push(`${request.method()} ${request.url()}`);
    });
    const sixth = await newYork.newPage();
    await sixth.setViewportSize({ width: 1000, height: 900 });
    const sixthSeen = watch(sixth, [422]);
    const nyUser = "web-new-york";
    const nyToken = await mint(nyUser);
    const nyApi = clientOf(nyUser, nyToken, { "x-timezone": zone });
    const utcApi = clientOf(nyUser, nyToken);
    await signIn(sixth, service, nyUser);
    const browserZone = await sixth.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    check("the sixth page's clock is in New York", browserZone === zone, browserZone);

    const posted = sixth.waitForRequest((r) => r.method() === "POST" && r.url() === `${service.url}/api/${nyUser}/tasks`);
    await sixth.fill("#new-title", "Christmas Eve dinner");
    await sixth.fill("#new-due", "2026-12-24");
    await sixth.getByRole("button", { name: "Add task" }).click();
    const eveSent = await posted;
    check(
      "a date without a time is sent alone, with the browser's zone (body and X-Timezone)",
      eveSent.postDataJSON()?.due_date === "2026-12-24" && eveSent.postDataJSON()?.time_zone === zone && eveSent.headers()["x-timezone"] === zone,
      `${eveSent.postData()} x-timezone: ${eveSent.headers()["x-timezone"]}`,
    );
    await eventually(sixth, rowTitled, ["Christmas Eve dinner"]);
    const eve = await row(sixth, "Christmas Eve dinner");
    check(
      "the all-day task shows its date alone: Dec 24, not Dec 23",
      /^due .*Dec 24\b/.test(eve?.due ?? "") && !eve.due.includes("Dec 23") && !/\d:\d\d/.test(eve.due),
      JSON.stringify(eve),
    );
    const eveStored = await nyApi("GET", `/tasks/${eve?.id}`);
    check(
      "the service has it all-day in New York, due at the start of Dec 24 there",
      eveStored.body?.all_day === true && eveStored.body?.time_zone === zone && eveStored.body?.due_date === "2026-12-24T05:00:00.000Z",
      JSON.stringify(eveStored.body),
    );

    await sixth.fill("#new-title", "Dentist");
    await sixth.fill("#new-due", "2026-12-24");
    await sixth.fill("#new-due-time", "15:30");
    await sixth.getByRole("button", { name: "Add task" }).click();
    await eventually(sixth, rowTitled, ["Dentist"]);
    const dentist = await row(sixth, "Dentist");
    check("a timed task shows its date and local time", /Dec 24\b/.test(dentist?.due ?? "") && /\b0?3:30\b/.test(dentist.due), JSON.stringify(dentist));
    const dentistStored = await nyApi("GET", `/tasks/${dentist?.id}`);
    check(
      "the service has the timed task at 15:30 in New York, not all-day",
      dentistStored.body?.all_day === false && dentistStored.body?.due_date === "2026-12-24T20:30:00.000Z" && dentistStored.body?.time_zone === zone,
      JSON.stringify(dentistStored.body),
    );

    // A zone the service refuses (a browser's zone database newer than
    // the service's): a crafted 422 naming time_zone, once; the page makes
    // the task again without the zone.
    const tasksUrl = `${service.url}/api/${nyUser}/tasks`;
    const creates = [];
    await sixth.route(tasksUrl, async (route) => {
      if (route.request().method() !== "POST") return route.continue();
      creates.push(route.request().postDataJSON());
      if (creates.length > 1) return route.continue();
      return route.fulfill({
        status: 422,
        headers: { "content-type": "application/problem+json" },
        body: JSON.stringify({ type: "about:blank", title: "Unprocessable Entity", status: 422, detail: "crafted", errors: [{ field: "time_zone", message: "crafted" }] }),
      });
    });
    await sixth.fill("#new-title", "Zone refused");
    await sixth.fill("#new-due", "2026-12-24");
    await sixth.getByRole("button", { name: "Add task" }).click();
    const madeWithoutZone = await eventually(sixth, rowTitled, ["Zone refused"]);
    await sixth.unroute(tasksUrl);
    check(
      "a create whose zone is refused is made again without it",
      madeWithoutZone && creates.length === 2 && creates[0].time_zone === zone && !("time_zone" in creates[1]) && creates[1].due_date === "2026-12-24",
      JSON.stringify(creates),
    );

    const auckland = await nyApi("POST", "/tasks", { title: "Boxing Day in Auckland", due_date: "2026-12-26", time_zone: "Pacific/Auckland" });
    check(
      "an all-day task in Auckland starts there (the 25th, 11:00 UTC)",
      auckland.status === 201 && auckland.body?.all_day === true && auckland.body?.due_date === "2026-12-25T11:00:00.000Z",
      JSON.stringify(auckland),
    );
    const utcDay = await utcApi("POST", "/tasks", { title: "New Year in UTC", due_date: "2027-01-01" });
    check(
      "an all-day task with no zone named is in UTC (time_zone null)",
      utcDay.status === 201 && utcDay.body?.all_day === true && utcDay.body?.time_zone === null && utcDay.body?.due_date === "2027-01-01T00:00:00.000Z",
      JSON.stringify(utcDay),
    );
    await eventually(sixth, rowTitled, ["New Year in UTC"]);
    await eventually(sixth, rowTitled, ["Boxing Day in Auckland"]);
    const boxing = await row(sixth, "Boxing Day in Auckland");
    check("the Auckland task shows its own date (Dec 26), not New York's (Dec 25)", /Dec 26\b/.test(boxing?.due ?? ""), JSON.stringify(boxing));
    const newYear = await row(sixth, "New Year in UTC");
    check("the UTC task shows its own date (Jan 1), not New York's (Dec 31)", /Jan 1\b/.test(newYear?.due ?? "") && !newYear.due.includes("Dec 31"), JSON.stringify(newYear));

    /** Opens a task's edit form; its due date and time fields. */
    const editDue = async (page, title, id) => {
      await page.getByRole("button", { name: `Edit ${title}`, exact: true }).click();
      await eventually(page, ([id]) => document.getElementById(`edit-due_date-${id}`) !== null, [id]);
      return page.evaluate(([id]) => [document.getElementById(`edit-due_date-${id}`)?.value, document.getElementById(`edit-due_time-${id}`)?.value], [id]);
    };
    const cancelEdit = (page, id) => page.click(`li[data-id="${id}"] form button.secondary`);
    for (const [title, id, expected] of [
      ["Christmas Eve dinner", eve?.id, ["2026-12-24", ""]],
      ["Boxing Day in Auckland", boxing?.id, ["2026-12-26", ""]],
      ["New Year in UTC", newYear?.id, ["2027-01-01", ""]],
      ["Dentist", dentist?.id, ["2026-12-24", "15:30"]],
    ]) {
      const fields = await editDue(sixth, title, id);
      check(`editing “${title}” shows date ${expected[0]}, time “${expected[1]}”`, JSON.stringify(fields) === JSON.stringify(expected), JSON.stringify(fields));
      if (title !== "Dentist" && title !== "Christmas Eve dinner") await cancelEdit(sixth, id);
    }
    // Two saves: a new date alone, and a time taken away.
    await sixth.fill(`#edit-due_date-${eve?.id}`, "2026-12-31");
    await sixth.click(`li[data-id="${eve?.id}"] form button[type=submit]`);
    await sixth.fill(`#edit-due_time-${dentist?.id}`, "");
    await sixth.click(`li[data-id="${dentist?.id}"] form button[type=submit]`);
    const resaved = await eventually(
      sixth,
      ([a, b]) => !document.querySelector(`li[data-id="${a}"] form`) && !document.querySelector(`li[data-id="${b}"] form`),
      [eve?.id, dentist?.id],
    );
    const eveMoved = await nyApi("GET", `/tasks/${eve?.id}`);
    check(
      "saving a new date alone keeps it all-day, at the start of that date in New York",
      resaved && eveMoved.body?.all_day === true && eveMoved.body?.due_date === "2026-12-31T05:00:00.000Z",
      JSON.stringify(eveMoved.body),
    );
    const eveShown = await eventually(
      sixth,
      ([id]) => /Dec 31\b/.test(document.querySelector(`#task-list li[data-id="${id}"] .due`)?.textContent ?? ""),
      [eve?.id],
    );
    check("...and its row shows Dec 31", eveShown, JSON.stringify(await row(sixth, "Christmas Eve dinner")));
    const dentistAllDay = await nyApi("GET", `/tasks/${dentist?.id}`);
    check(
      "taking the time away makes a timed task all-day on its date",
      dentistAllDay.body?.all_day === true && dentistAllDay.body?.due_date === "2026-12-24T05:00:00.000Z",
      JSON.stringify(dentistAllDay.body),
    );

    // 18. The views, on a page of another user in New York, with tasks
    // made through the API in New York's days: yesterday and today
    // (all-day), tonight at 21:00 (past UTC's midnight: a window read in
    // UTC would miss it), one done today, tomorrow, next week, 24 in two
    // weeks (more than a page), one undated. Today: pending, due before
    // tomorrow, the overdue one included; Upcoming: from tomorrow, paged.
    const zoneParts = (instant) =>
      Object.fromEntries(
        new Intl.DateTimeFormat("en-US", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
          .formatToParts(instant)
          .map(({ type, value }) => [type, value]),
      );
    // This run and the page must agree on New York's date: not within five
    // minutes of its midnight.
    for (let p = zoneParts(new Date()); (p.hour === "23" && p.minute >= "55") || (p.hour === "00" && p.minute < "05"); p = zoneParts(new Date())) {
      await sleep(10_000);
    }
    const nyDate = (days) => {
      const p = zoneParts(new Date());
      return new Date(Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day) + days)).toISOString().slice(0, 10);
    };
    /** An instant at `hour`:00 on a New York date. */
    const nyAt = (date, hour) => {
      const guess = new Date(`${date}T${String(hour).padStart(2, "0")}:00:00-05:00`);
      return new Date(guess.getTime() - (Number(zoneParts(guess).hour) - hour) * 3_600_000);
    };
    const viewer = "web-views";
    const viewsApi = clientOf(viewer, await mint(viewer), { "x-timezone": zone });
    const dated = [
      { title: "Overdue chore", due_date: nyDate(-1) },
      { title: "Chore due today", due_date: nyDate(0) },
      { title: "Late tonight", due_date: nyAt(nyDate(0), 21).toISOString() },
      { title: "Done today", due_date: nyDate(0) },
      { title: "Chore due tomorrow", due_date: nyDate(1) },
      { title: "Chore due next week", due_date: nyDate(7), tags: ["home"] },
      { title: "Undated chore" },
    ];
    for (let n = 1; n <= 24; n += 1) dated.push({ title: `Someday ${String(n).padStart(2, "0")}`, due_date: nyDate(14) });
    const made = [];
    for (const body of dated) made.push(await viewsApi("POST", "/tasks", body));
    check("31 tasks for the views are created", made.every((r) => r.status === 201), JSON.stringify(made.find((r) => r.status !== 201)));
    const doneToday = made.find((r) => r.body?.title === "Done today")?.body;
    const completed = await viewsApi("PATCH", `/tasks/${doneToday?.id}/complete`, { completed: true });
    check("one of today's is completed", completed.status === 200, JSON.stringify(completed));
    const todayTitles = ["Overdue chore", "Chore due today", "Late tonight"];
    const upcomingTitles = ["Chore due tomorrow", "Chore due next week", ...dated.filter((t) => t.title.startsWith("Someday")).map((t) => t.title)];

    const seventh = await newYork.newPage();
    await seventh.setViewportSize({ width: 1000, height: 900 });
    const seventhSeen = watch(seventh, []);
    const lists = [];
    seventh.on("request", (request) => {
      if (request.url().startsWith(`${service.url}/api/${viewer}/tasks?`)) lists.push(new URL(request.url()).searchParams);
    });
    await signIn(seventh, service, viewer);
    /** Waits until the page's rows are exactly `expected` (in that order when `ordered`). */
    const shows = async (what, expected, ordered = false) => {
      const ok = await eventually(
        seventh,
        ([expected, ordered]) => {
          const shown = [...document.querySelectorAll("#task-list .task-title")].map((t) => t.textContent);
          const norm = (list) => JSON.stringify(ordered ? list : [...list].sort());
          return norm(shown) === norm(expected);
        },
        [expected, ordered],
      );
      check(what, ok, `page ${JSON.stringify(await titles(seventh))}, expected ${JSON.stringify(expected)}`);
    };
    const pressedViews = () => seventh.$$eval("#views button", (buttons) => buttons.filter((b) => b.getAttribute("aria-pressed") === "true").map((b) => b.textContent));
    check("the views start at All", JSON.stringify(await pressedViews()) === '["All"]', JSON.stringify(await pressedViews()));

    // Today, from the keyboard.
    await seventh.getByRole("button", { name: "Today", exact: true }).focus();
    await seventh.keyboard.press("Enter");
    await shows("Today lists the pending tasks due before tomorrow, the overdue one included", todayTitles);
    check("Today is pressed", JSON.stringify(await pressedViews()) === '["Today"]', JSON.stringify(await pressedViews()));
    const todayQuery = lists.at(-1);
    check(
      "Today asks for due_before=tomorrow (New York's date) and status=pending",
      todayQuery?.get("due_before") === nyDate(1) && todayQuery?.get("status") === "pending" && !todayQuery?.has("due_after"),
      String(todayQuery),
    );
    const statusShown = await seventh.$eval("#filter-status", (s) => ({ value: s.value, disabled: s.disabled }));
    check("the status filter shows Pending, fixed while Today is on", statusShown.value === "pending" && statusShown.disabled, JSON.stringify(statusShown));
    const overdueChore = await row(seventh, "Overdue chore");
    const todayChore = await row(seventh, "Chore due today");
    check("yesterday's all-day task is overdue", overdueChore?.overdue === true && overdueChore.due.startsWith("overdue: "), JSON.stringify(overdueChore));
    check("today's all-day task is not (its day has not ended)", todayChore?.overdue === false && todayChore.due.startsWith("due "), JSON.stringify(todayChore));
    await seventh.selectOption("#filter-sort", "due_date");
    await seventh.selectOption("#filter-order", "asc");
    await shows("Today sorted by due date: yesterday, today, tonight", todayTitles, true);
    await seventh.fill("#filter-q", "chore");
    await shows("Today with a search for “chore”", ["Overdue chore", "Chore due today"], true);
    await seventh.fill("#filter-q", "");
    await shows("the search cleared, Today again", todayTitles, true);

    // Upcoming: 26 tasks, a page of 25 and "Load more".
    await seventh.getByRole("button", { name: "Upcoming", exact: true }).click();
    await shows("Upcoming lists the first page of the tasks due from tomorrow", upcomingTitles.slice(0, 25), true);
    const upcomingQuery = lists.at(-1);
    check(
      "Upcoming asks for due_after=tomorrow, and no status",
      upcomingQuery?.get("due_after") === nyDate(1) && !upcomingQuery?.has("due_before") && !upcomingQuery?.has("status"),
      String(upcomingQuery),
    );
    const upcomingCount = await seventh.$eval("#count", (c) => c.textContent);
    check("the count is Upcoming's (X-Total-Count)", upcomingCount === "Showing 25 of 26 tasks.", upcomingCount);
    const statusBack = await seventh.$eval("#filter-status", (s) => ({ value: s.value, disabled: s.disabled }));
    check("the status filter is back to its own choice", statusBack.value === "all" && !statusBack.disabled, JSON.stringify(statusBack));
    await seventh.click("#more");
    await shows("“Load more” goes on within Upcoming (the Link keeps due_after)", upcomingTitles, true);
    await seventh.click('#tag-cloud button[data-tag="home"]');
    await shows("Upcoming with the tag “home”", ["Chore due next week"]);
    await seventh.getByRole("button", { name: "Remove the tag filter home" }).click();
    await shows("the tag filter off, Upcoming again", upcomingTitles.slice(0, 25), true);

    // A task made elsewhere for the day after tomorrow joins Upcoming live,
    // in its place; one for today does not. All lists everything.
    check("a task due the day after tomorrow is created elsewhere", (await viewsApi("POST", "/tasks", { title: "In two days", due_date: nyDate(2) })).status === 201);
    check("a task due today is created elsewhere", (await viewsApi("POST", "/tasks", { title: "Also today", due_date: nyDate(0) })).status === 201);
    await shows("the first joins Upcoming, in its place; the second does not", [upcomingTitles[0], "In two days", ...upcomingTitles.slice(1)].slice(0, 25), true);
    await seventh.getByRole("button", { name: "All", exact: true }).click();
    const allOk = await eventually(seventh, () => document.getElementById("count").textContent === "Showing 25 of 33 tasks.");
    check("All lists every task again", allOk && JSON.stringify(await pressedViews()) === '["All"]', await seventh.$eval("#count", (c) => c.textContent));

    // 19. Lists, subtasks and a hand-made order, on a page of another user:
    // a list made in the side bar is selected (in "My order"); a task made
    // there is in that list and only there (the inbox does not show it, nor
    // the list an inbox task); a subtask shows indented under its parent; a
    // row dragged above another stays there after a reload, and "Move up"
    // from the keyboard moves a task; the side bar follows lists made
    // elsewhere, a rename and a delete (confirmed). Then the recurrence
    // picker: "weekly on Mon, Wed", "every 2 days, 5 times", and a custom
    // rule that opens again as custom in the edit form.
    // A browser keeps at most six connections to one host, and every page
    // holds one open for its stream: the pages done with close first.
    for (const page of [third, fourth, fifth]) await page.close();
    const organiser = "web-lists";
    const listsApi = clientOf(organiser, await mint(organiser));
    const eighth = await browser.newPage();
    await eighth.setViewportSize({ width: 1000, height: 900 });
    const eighthSeen = watch(eighth, []);
    await signIn(eighth, service, organiser);
    const navEntries = () => eighth.$$eval("#list-nav button", (buttons) => buttons.map((b) => b.getAttribute("aria-label")));
    check("the side bar lists All tasks and the Inbox", JSON.stringify(await navEntries()) === '["All tasks","Inbox, 0 pending"]', JSON.stringify(await navEntries()));
    const currentEntry = () => eighth.$eval('#list-nav button[aria-current="true"]', (b) => b.dataset.list).catch(() => null);
    /** Waits until the page shows exactly these rows, in this order. */
    const eighthShows = async (what, expected) => {
      const ok = await eventually(
        eighth,
        ([expected]) => JSON.stringify([...document.querySelectorAll("#task-list .task-title")].map((t) => t.textContent)) === JSON.stringify(expected),
        [expected],
      );
      check(what, ok, `page ${JSON.stringify(await titles(eighth))}, expected ${JSON.stringify(expected)}`);
      return ok;
    };

    await eighth.fill("#new-list-name", "Groceries");
    await eighth.getByRole("button", { name: "Create list" }).click();
    const groceries = await (async () => {
      for (let waited = 0; waited < DELIVERY_MS; waited += 50) {
        const found = (await listsApi("GET", "/lists")).body?.find((l) => l.name === "Groceries");
        if (found) return found;
        await sleep(50);
      }
      return null;
    })();
    check("the side bar's form creates the list", groceries !== null);
    const selected = await eventually(eighth, ([id]) => document.querySelector('#list-nav button[aria-current="true"]')?.dataset.list === String(id), [groceries?.id]);
    check("...and selects it, in “My order”", selected && (await eighth.$eval("#filter-sort", (s) => s.value)) === "position", String(await currentEntry()));
    const clash = await listsApi("POST", "/lists", { name: "GROCERIES" });
    check("a name taken in another case is a 409", clash.status === 409, JSON.stringify(clash));

    for (const title of ["Apples", "Bread", "Cheese"]) {
      await eighth.fill("#new-title", title);
      await eighth.getByRole("button", { name: "Add task" }).click();
      await eventually(eighth, rowTitled, [title]);
    }
    await eighthShows("three tasks made in the list show there, in the order made", ["Apples", "Bread", "Cheese"]);
    const inList = (await listsApi("GET", `/tasks?list_id=${groceries?.id}&sort=position`)).body ?? [];
    const idIn = (title) => inList.find((t) => t.title === title)?.id;
    check("the service has them in the list", inList.length === 3 && inList.every((t) => t.list_id === groceries?.id), JSON.stringify(inList.map((t) => [t.title, t.list_id])));
    check("an inbox task is created elsewhere", (await listsApi("POST", "/tasks", { title: "Inbox chore" })).status === 201);
    const groceriesCount = await eventually(eighth, ([id]) => document.querySelector(`#list-nav button[data-list="${id}"]`)?.getAttribute("aria-label") === "Groceries, 3 pending", [groceries?.id]);
    check("the list shows its pending count", groceriesCount, JSON.stringify(await navEntries()));
    const inboxCount = await eventually(eighth, () => document.querySelector('#list-nav button[data-list="none"]')?.getAttribute("aria-label") === "Inbox, 1 pending");
    check("the inbox's count follows the task made elsewhere", inboxCount, JSON.stringify(await navEntries()));
    await sleep(300);
    await eighthShows("the inbox task does not show in the list", ["Apples", "Bread", "Cheese"]);
    await eighth.click('#list-nav button[data-list="none"]');
    await eighthShows("the Inbox shows the inbox task only, not the list's", ["Inbox chore"]);
    await eighth.click(`#list-nav button[data-list="${groceries?.id}"]`);
    await eighthShows("back in the list: its tasks", ["Apples", "Bread", "Cheese"]);

    // A subtask, through the row's action.
    await eighth.getByRole("button", { name: "Add a subtask to Bread", exact: true }).click();
    await eighth.fill(`#subtask-title-${idIn("Bread")}`, "Whole grain");
    await eighth.getByRole("button", { name: "Save subtask" }).click();
    await eighthShows("the subtask shows right under its parent", ["Apples", "Bread", "Whole grain", "Cheese"]);
    const subtaskRow = await eighth.evaluate(() => {
      const li = [...document.querySelectorAll("#task-list li.task")].find((l) => l.querySelector(".task-title")?.textContent === "Whole grain");
      const parent = [...document.querySelectorAll("#task-list li.task")].find((l) => l.querySelector(".task-title")?.textContent === "Bread");
      return li && parent ? { depth: li.dataset.depth, indent: li.getBoundingClientRect().left - parent.getBoundingClientRect().left } : null;
    });
    check("...indented", subtaskRow?.depth === "1" && subtaskRow.indent > 10, JSON.stringify(subtaskRow));
    const wholeGrain = (await listsApi("GET", `/tasks?parent_id=${idIn("Bread")}`)).body?.[0];
    check("the service has it under its parent, in its list", wholeGrain?.title === "Whole grain" && wholeGrain.list_id === groceries?.id, JSON.stringify(wholeGrain));

    // Drag "Cheese" above "Apples"; the order survives a reload.
    const serviceOrder = async () => ((await listsApi("GET", `/tasks?list_id=${groceries?.id}&parent_id=none&sort=position`)).body ?? []).map((t) => t.title);
    await eighth.locator(`#task-list li[data-id="${idIn("Cheese")}"]`).dragTo(eighth.locator(`#task-list li[data-id="${idIn("Apples")}"]`), { targetPosition: { x: 30, y: 4 } });
    await eighthShows("a row dragged above another goes there", ["Cheese", "Apples", "Bread", "Whole grain"]);
    check("the service has the new order", JSON.stringify(await serviceOrder()) === '["Cheese","Apples","Bread"]', JSON.stringify(await serviceOrder()));
    await eighth.reload();
    await eventually(eighth, () => document.getElementById("live").dataset.state === "open", undefined, 10_000);
    await eighthShows("the order survives a reload (the list still selected)", ["Cheese", "Apples", "Bread", "Whole grain"]);

    // Move up, from the keyboard: twice, the focus staying on the button.
    await eighth.focus(`#move-up-${idIn("Bread")}`);
    await eighth.keyboard.press("Enter");
    await eighthShows("“Move up” moves a task above its sibling (its subtask with it)", ["Cheese", "Bread", "Whole grain", "Apples"]);
    const focusKept = await eighth.evaluate(() => document.activeElement?.id);
    check("the focus stays on the button", focusKept === `move-up-${idIn("Bread")}`, String(focusKept));
    await eighth.keyboard.press("Enter");
    await eighthShows("pressed again, it is first", ["Bread", "Whole grain", "Cheese", "Apples"]);
    await eighth.focus(`#move-down-${idIn("Cheese")}`);
    await eighth.keyboard.press("Enter");
    await eighthShows("“Move down” moves a task below its sibling", ["Bread", "Whole grain", "Apples", "Cheese"]);
    check("the service has the order made from the keyboard", JSON.stringify(await serviceOrder()) === '["Bread","Apples","Cheese"]', JSON.stringify(await serviceOrder()));

    // The recurrence picker writes the rules.
    const ruleOf = async (title) => {
      for (let waited = 0; waited < DELIVERY_MS; waited += 50) {
        const found = (await listsApi("GET", `/tasks?q=${encodeURIComponent(title)}`)).body?.find((t) => t.title === title);
        if (found) return found;
        await sleep(50);
      }
      return null;
    };
    await eighth.fill("#new-title", "Gym");
    await eighth.fill("#new-due", "2030-01-07");
    await eighth.selectOption("#new-recurrence-kind", "weekly");
    await eighth.check("#new-recurrence-day-MO");
    await eighth.check("#new-recurrence-day-WE");
    await eighth.getByRole("button", { name: "Add task" }).click();
    const gym = await ruleOf("Gym");
    check("“weekly on Mon, Wed” writes FREQ=WEEKLY;BYDAY=MO,WE", gym?.recurrence === "FREQ=WEEKLY;BYDAY=MO,WE", JSON.stringify(gym?.recurrence));
    const pickerReset = await eighth.$eval("#new-recurrence-kind", (s) => s.value);
    check("the picker is back to “never” after the create", pickerReset === "never", pickerReset);
    await eighth.fill("#new-title", "Stretch");
    await eighth.fill("#new-due", "2030-01-07");
    await eighth.selectOption("#new-recurrence-kind", "daily");
    await eighth.fill("#new-recurrence-interval", "2");
    await eighth.selectOption("#new-recurrence-ends", "count");
    await eighth.fill("#new-recurrence-count", "5");
    await eighth.getByRole("button", { name: "Add task" }).click();
    const stretch = await ruleOf("Stretch");
    check("“every 2 days, 5 times” writes FREQ=DAILY;INTERVAL=2;COUNT=5", stretch?.recurrence === "FREQ=DAILY;INTERVAL=2;COUNT=5", JSON.stringify(stretch?.recurrence));
    const custom = "FREQ=MONTHLY;BYDAY=-1FR";
    await eighth.fill("#new-title", "Pay rent");
    await eighth.fill("#new-due", "2030-01-25");
    await eighth.selectOption("#new-recurrence-kind", "custom");
    await eighth.fill("#new-recurrence-custom", custom);
    await eighth.getByRole("button", { name: "Add task" }).click();
    const rent = await ruleOf("Pay rent");
    check("a custom rule is sent as written", rent?.recurrence === custom, JSON.stringify(rent?.recurrence));
    await eventually(eighth, rowTitled, ["Pay rent"]);
    await eighth.getByRole("button", { name: "Edit Pay rent", exact: true }).click();
    await eventually(eighth, ([id]) => document.getElementById(`edit-recurrence-${id}-kind`) !== null, [rent?.id]);
    const rentPicker = await eighth.evaluate(([id]) => [document.getElementById(`edit-recurrence-${id}-kind`).value, document.getElementById(`edit-recurrence-${id}-custom`).value], [rent?.id]);
    check("a rule the picker cannot say opens in custom, as it is", JSON.stringify(rentPicker) === JSON.stringify(["custom", custom]), JSON.stringify(rentPicker));
    await eighth.fill(`#edit-recurrence-${rent?.id}-custom`, "FREQ=MONTHLY;BYMONTHDAY=1,15");
    await eighth.click(`li[data-id="${rent?.id}"] form button[type=submit]`);
    await eventually(eighth, ([id]) => !document.querySelector(`li[data-id="${id}"] form`), [rent?.id]);
    const rentSaved = await listsApi("GET", `/tasks/${rent?.id}`);
    check("a custom rule edited in the form is saved as written", rentSaved.body?.recurrence === "FREQ=MONTHLY;BYMONTHDAY=1,15", JSON.stringify(rentSaved.body?.recurrence));
    await eventually(eighth, rowTitled, ["Gym"]);
    await eighth.getByRole("button", { name: "Edit Gym", exact: true }).click();
    await eventually(eighth, ([id]) => document.getElementById(`edit-recurrence-${id}-kind`) !== null, [gym?.id]);
    const gymPicker = await eighth.evaluate(([id]) => ({
      kind: document.getElementById(`edit-recurrence-${id}-kind`).value,
      days: [...document.querySelectorAll(`input[id^="edit-recurrence-${id}-day-"]`)].filter((b) => b.checked).map((b) => b.value),
    }), [gym?.id]);
    check("a weekly rule opens in the picker as weekly on its days", JSON.stringify(gymPicker) === '{"kind":"weekly","days":["MO","WE"]}', JSON.stringify(gymPicker));

    // Every control labelled (an edit form open), and 360 px wide.
    const unnamedLists = await eighth.evaluate(() =>
      [...document.querySelectorAll("input, select, textarea, button")]
        .filter((el) => (el.tagName === "BUTTON" ? !(el.getAttribute("aria-label") || el.textContent.trim()) : !(el.labels?.length || el.getAttribute("aria-label"))))
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    check("every control of the lists page has a label", unnamedLists.length === 0, unnamedLists.join(", "));
    await eighth.click(`li[data-id="${gym?.id}"] form button.secondary`);
    await eighth.setViewportSize({ width: 360, height: 800 });
    await sleep(200);
    const listsWidth = await eighth.evaluate(() => document.documentElement.scrollWidth);
    check("at 360 px the lists page needs no sideways scrolling", listsWidth <= 360, `scrollWidth ${listsWidth}`);
    await eighth.screenshot({ path: listsScreenshot, fullPage: true });
    console.log(`screenshot: ${listsScreenshot}`);
    await eighth.setViewportSize({ width: 1000, height: 900 });

    // The side bar follows lists made elsewhere; rename; delete, confirmed.
    const work_ = await listsApi("POST", "/lists", { name: "Work" });
    check("a list is created elsewhere", work_.status === 201, JSON.stringify(work_));
    const workShown = await eventually(eighth, ([id]) => document.querySelector(`#list-nav button[data-list="${id}"]`) !== null, [work_.body?.id]);
    check(`it shows in the side bar within ${DELIVERY_MS} ms (list.created)`, workShown, JSON.stringify(await navEntries()));
    await eighth.click(`#list-nav button[data-list="${groceries?.id}"]`);
    await eighth.getByRole("button", { name: "Rename list" }).click();
    await eighth.fill("#rename-list-name", "Food");
    await eighth.getByRole("button", { name: "Save name" }).click();
    const renamedList = await eventually(eighth, ([id]) => document.querySelector(`#list-nav button[data-list="${id}"] .list-name`)?.textContent === "Food", [groceries?.id]);
    check("a list renamed in the side bar", renamedList && (await listsApi("GET", `/lists/${groceries?.id}`)).body?.name === "Food", JSON.stringify(await navEntries()));
    await eighth.click(`#list-nav button[data-list="${work_.body?.id}"]`);
    await eighth.getByRole("button", { name: "Delete list" }).click();
    const asks = await eighth.$eval("#delete-list-confirm", (c) => !c.hidden && c.textContent.includes("Work"));
    check("Delete asks first", asks);
    await eighth.getByRole("button", { name: "Delete the list, keep its tasks" }).click();
    const workGone = await eventually(eighth, ([id]) => document.querySelector(`#list-nav button[data-list="${id}"]`) === null && document.querySelector('#list-nav button[aria-current="true"]')?.dataset.list === "none", [work_.body?.id]);
    check("the deleted list leaves the side bar, the Inbox shown", workGone && (await listsApi("GET", `/lists/${work_.body?.id}`)).status === 404, JSON.stringify(await navEntries()));
    const renamedElsewhere = await listsApi("PATCH", `/lists/${groceries?.id}`, { name: "Food & drink" });
    check("a list is renamed elsewhere", renamedElsewhere.status === 200, JSON.stringify(renamedElsewhere));
    const renameSeen = await eventually(eighth, ([id]) => document.querySelector(`#list-nav button[data-list="${id}"] .list-name`)?.textContent === "Food & drink", [groceries?.id]);
    check(`the side bar shows it within ${DELIVERY_MS} ms (list.updated)`, renameSeen, JSON.stringify(await navEntries()));

    check("every request of the New York pages names its zone (X-Timezone)", zoneless.length === 0, zoneless.join(", "));
    const unnamedNy = await sixth.evaluate(() =>
      [...document.querySelectorAll("input, select, textarea, button")]
        .filter((el) => (el.tagName === "BUTTON" ? !(el.getAttribute("aria-label") || el.textContent.trim()) : !(el.labels?.length || el.getAttribute("aria-label"))))
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    check("every control of the New York page has a label", unnamedNy.length === 0, unnamedNy.join(", "));

    for (const [name, seen] of [
      ["first", firstSeen],
      ["second", secondSeen],
      ["third", thirdSeen],
      ["fourth", fourthSeen],
      ["fifth", fifthSeen],
      ["sixth", sixthSeen],
      ["seventh", seventhSeen],
      ["eighth", eighthSeen],
    ]) {
      const external = seen.requests.filter((url) => !url.startsWith(`${service.url}/`) && !url.startsWith("data:"));
      check(`the ${name} page fetched nothing from outside the service`, external.length === 0, external.join(", "));
      check(`no script errors on the ${name} page`, seen.problems.length === 0, seen.problems.join("; "));
    }
  } catch (error) {
    check("the browser run finished", false, error.stack ?? String(error));
  } finally {
    await newYork?.close();
    await browser?.close();
    if (service) await stopService(service);
    rmSync(work, { recursive: true, force: true });
  }
  finish();
}

await main();
