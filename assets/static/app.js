// The web client of the Todo API: one ES module, no packages, no build step,
// nothing fetched from anywhere but the service that serves it.
//
// It signs in with a pasted token (or, where the service offers it, a
// development token), lists the user's tasks (status filter, sort, search,
// tags, pages through `Link`), writes them with `If-Match` (a 412 means the
// task changed elsewhere: the page says so and reloads it), and follows the
// user's change stream (`GET /api/{user}/events`, `Accept:
// text/event-stream`) with a fetch-based reader of its own, because the
// browser's EventSource cannot send an `Authorization` header. Every error
// shown is the problem+json `detail` and `errors` the service sent.
//
// Lists: a side bar of "All tasks", the inbox (`list_id=none`) and the
// user's lists (`list.*` events keep it current); a list view starts in "My
// order" (`sort=position`), where a row can be dragged, or moved up and
// down from the keyboard, through `POST .../move` with the sibling to go
// after. Subtasks show right under their parent when it is loaded.
//
// The order of the list, and which tasks are in it, is the service's alone
// (its database's collation decides how titles sort): apart from putting
// each subtask under its parent, the page never sorts or filters tasks itself (the "Today" and "Upcoming" views too: they are
// the list's `due_before` and `due_after`, dates the service reads in the
// browser's zone). A change from the stream removes a deleted task at once
// and updates a task in place when neither its sort key nor anything the
// filter reads changed; any other change reads the loaded rows again (once
// for a burst of changes).
//
// Dates: every request names the browser's time zone (`X-Timezone`) and a
// new task takes it as its `time_zone`. A due date without a time is sent
// as a date alone, which makes the task all-day; an all-day task shows its
// date as its own zone has it (the date it was set to, wherever the browser
// is), a timed one its local date and time.

const STORAGE_KEY = "todo-api-web-client";
const PAGE_SIZE = 25;
// The most rows one list request may ask for (the API's `limit`).
const MAX_LIMIT = 1000;
// How long a burst of changes gathers before the list is read again.
const REREAD_MS = 150;
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

const $ = (id) => document.getElementById(id);

/**
 * The browser's IANA time zone ("America/New_York"), or null where it names
 * none ("Etc/Unknown" is ICU's answer when the system's zone is not set).
 */
function browserTimeZone() {
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return zone && zone !== "Etc/Unknown" ? zone : null;
  } catch {
    return null;
  }
}

const TIME_ZONE = browserTimeZone();
/** The header that tells the service the zone to read dates in. */
const zoneHeader = () => (TIME_ZONE ? { "x-timezone": TIME_ZONE } : {});

const state = {
  token: null,
  userId: null,
  // The token came from POST /_dev/token: get a fresh one when it runs out.
  dev: false,
  tasks: [],
  // id -> { etag, updatedAt }: the ETag of the version of a task the page
  // shows, known from single-task answers only.
  etags: new Map(),
  // The next page (`Link`), asking for PAGE_SIZE rows.
  next: null,
  total: 0,
  // How many rows the list holds: a page after a load, one more per "Load
  // more". Reading the list again reads this many.
  window: PAGE_SIZE,
  // `view`: "all", "today" (pending, due before tomorrow) or "upcoming" (due from tomorrow).
  filter: { view: "all", status: "all", sort: "created", order: "", q: "", tags: [] },
  // The list view: "all", "none" (the inbox) or a list's id; the user's lists.
  list: "all",
  lists: [],
  inboxPending: 0,
  // The task being dragged (manual order), by id.
  dragging: null,
  lastEventId: 0,
  stream: null,
  // While the list is read, changes wait here, then apply on top of it.
  loading: null,
  pending: [],
  // Bumped by every load and by sign-out: a read it overtook shows nothing.
  generation: 0,
  // Tasks deleted since the read in flight began: it may still list them.
  gone: new Set(),
  // A change may have moved a task, or into or out of the list: read the
  // list again (soon: `rereadTimer`).
  stale: false,
  rereadTimer: null,
};

// ---------------------------------------------------------------- helpers

/** Builds an element: h("li", { class: "task", dataset: { id: 1 } }, child, ...). */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "dataset") Object.assign(element.dataset, value);
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "value" || (name in element && typeof value !== "string")) element[name] = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** A random key for Idempotency-Key (crypto.randomUUID needs a secure context). */
function randomKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The `sub` of a JWT, read without checking it (the service checks it). */
function jwtSubject(token) {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims.sub === "string" && claims.sub !== "" ? claims.sub : null;
  } catch {
    return null;
  }
}

/** `<url>; rel="next"` from a Link header. */
function nextLink(response) {
  const link = response.headers.get("link") ?? "";
  for (const part of link.split(",")) {
    const match = /<([^>]*)>\s*;\s*rel="?next"?/i.exec(part);
    if (match) return match[1];
  }
  return null;
}

// ------------------------------------------------------------ dates, words

const DAYS = { MO: "Monday", TU: "Tuesday", WE: "Wednesday", TH: "Thursday", FR: "Friday", SA: "Saturday", SU: "Sunday" };
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const UNITS = { DAILY: ["day", "days"], WEEKLY: ["week", "weeks"], MONTHLY: ["month", "months"], YEARLY: ["year", "years"] };
const ORDINAL_WORDS = ["", "first", "second", "third", "fourth", "fifth"];

function inWords(items) {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

function ordinalNumber(n) {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" }[n % 10] ?? "th");
  return `${n}${suffix}`;
}

/** 1 -> "first", -1 -> "last", -2 -> "second to last". */
function ordinalWord(n) {
  if (n === -1) return "last";
  const word = (k) => ORDINAL_WORDS[k] ?? ordinalNumber(k);
  return n < 0 ? `${word(-n)} to last` : word(n);
}

function untilDate(value) {
  const match = /^(\d{4})(\d{2})(\d{2})/.exec(value);
  if (!match) return value;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toLocaleDateString(undefined, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}

/**
 * An RFC 5545 rule in words: "FREQ=WEEKLY;BYDAY=MO,WE" is "every Monday and
 * Wednesday", "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3" "every month on the last
 * Friday, 3 times". What it cannot read it shows as it is.
 */
function describeRule(rule) {
  const parts = {};
  for (const part of String(rule).split(";")) {
    const [name, value] = part.split("=");
    if (name && value !== undefined) parts[name.trim().toUpperCase()] = value.trim().toUpperCase();
  }
  const unit = UNITS[parts.FREQ];
  const interval = Number(parts.INTERVAL ?? 1);
  if (!unit || !Number.isInteger(interval) || interval < 1) return rule;
  let text = interval === 1 ? `every ${unit[0]}` : `every ${interval} ${unit[1]}`;

  const days = (parts.BYDAY ? parts.BYDAY.split(",") : []).map((item) => {
    const match = /^([+-]?\d+)?(MO|TU|WE|TH|FR|SA|SU)$/.exec(item);
    return match ? { n: match[1] ? Number(match[1]) : 0, day: DAYS[match[2]] } : null;
  });
  if (days.includes(null)) return rule;
  if (days.length > 0) {
    const plain = days.every((d) => d.n === 0);
    if (plain && interval === 1 && (parts.FREQ === "WEEKLY" || parts.FREQ === "DAILY")) {
      text = `every ${inWords(days.map((d) => d.day))}`;
    } else if (plain) {
      text += ` on ${inWords(days.map((d) => d.day))}`;
    } else {
      text += ` on the ${inWords(days.map((d) => (d.n ? `${ordinalWord(d.n)} ${d.day}` : d.day)))}`;
    }
  }
  if (parts.BYMONTHDAY) {
    const monthDays = parts.BYMONTHDAY.split(",").map(Number);
    if (monthDays.some((d) => !Number.isInteger(d) || d === 0)) return rule;
    const named = monthDays.map((d) => (d === -1 ? "last day" : d < 0 ? `${ordinalWord(d)} day` : ordinalNumber(d)));
    text += ` on the ${inWords(named)}`;
  }
  if (parts.BYMONTH) {
    const months = parts.BYMONTH.split(",").map((m) => MONTHS[Number(m) - 1]);
    if (months.includes(undefined)) return rule;
    text += ` in ${inWords(months)}`;
  }
  if (parts.COUNT) text += parts.COUNT === "1" ? ", once" : `, ${parts.COUNT} times`;
  if (parts.UNTIL) text += `, until ${untilDate(parts.UNTIL)}`;
  return text;
}

function formatWhen(iso) {
  const date = new Date(iso);
  const options = { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
  if (date.getFullYear() !== new Date().getFullYear()) options.year = "numeric";
  return date.toLocaleString(undefined, options);
}

const pad = (n) => String(n).padStart(2, "0");

/** A Date's local calendar date: "2026-12-24". */
const localDate = (date) => `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;

/** The local date `days` days after today (a day, not 24 hours, so daylight saving does not shift it). */
function localDateFromToday(days) {
  const now = new Date();
  return localDate(new Date(now.getFullYear(), now.getMonth(), now.getDate() + days));
}

/** A task's `time_zone` as Intl takes it: null is UTC, and so is a zone this browser does not know. */
function knownZone(zone) {
  if (!zone) return "UTC";
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: zone });
    return zone;
  } catch {
    return "UTC";
  }
}

/** The calendar date of an instant in a time zone: "2026-12-24". */
function dateIn(instant, zone) {
  const format = new Intl.DateTimeFormat("en-US", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" });
  const part = Object.fromEntries(format.formatToParts(instant).map(({ type, value }) => [type, value]));
  return `${part.year}-${part.month}-${part.day}`;
}

/** An all-day task's date, "Thu, Dec 24", as its zone has it (the instant is that date's start there). */
function formatDay(iso, zone) {
  const date = new Date(iso);
  const options = { weekday: "short", day: "numeric", month: "short", timeZone: zone };
  if (dateIn(date, zone).slice(0, 4) !== dateIn(new Date(), zone).slice(0, 4)) options.year = "numeric";
  return date.toLocaleDateString(undefined, options);
}

/** When a task is due, in words: the date alone for an all-day task, else the local date and time. */
const dueText = (task) => (task.all_day ? formatDay(task.due_date, knownZone(task.time_zone)) : formatWhen(task.due_date));

/**
 * Whether a pending task is past due: a timed one once its instant has
 * passed, an all-day one once its date has ended in its zone.
 */
function isOverdue(task) {
  if (!task.due_date || task.completed) return false;
  if (!task.all_day) return new Date(task.due_date) < new Date();
  const zone = knownZone(task.time_zone);
  return dateIn(new Date(), zone) > dateIn(new Date(task.due_date), zone);
}

/** RFC 3339 -> the value of an <input type="datetime-local"> (local time). */
function toLocalInput(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return `${localDate(date)}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** An <input type="datetime-local"> value (local time) -> RFC 3339 UTC, or null. */
function fromLocalInput(value) {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** A task's due date as the forms' date and time fields (an all-day task: its date in its zone, no time). */
function dueFields(task) {
  if (!task.due_date) return { due_date: "", due_time: "" };
  if (task.all_day) return { due_date: dateIn(new Date(task.due_date), knownZone(task.time_zone)), due_time: "" };
  const [date, time] = toLocalInput(task.due_date).split("T");
  return { due_date: date, due_time: time };
}

/**
 * The forms' date and time fields -> the body's `due_date`: the date alone
 * (the task is all-day), the local date and time as an RFC 3339 instant, or
 * null when there is no date.
 */
function dueOf(date, time) {
  if (!date) return null;
  if (!time) return date;
  return fromLocalInput(`${date}T${time}`);
}

/** A time needs a date: the date field is required while the time field holds one. */
function pairDueFields(dateInput, timeInput) {
  const sync = () => {
    dateInput.required = timeInput.value !== "";
  };
  timeInput.addEventListener("input", sync);
  timeInput.form?.addEventListener("reset", () => setTimeout(sync));
  sync();
}

const tagsOf = (text) =>
  text
    .split(",")
    .map((tag) => tag.trim())
    .filter((tag) => tag !== "");

// ------------------------------------------------------- recurrence picker

const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const WEEKDAY_SHORT = { MO: "Mon", TU: "Tue", WE: "Wed", TH: "Thu", FR: "Fri", SA: "Sat", SU: "Sun" };
const WORKDAYS = "MO,TU,WE,TH,FR";

/**
 * The picker's choices -> an RFC 5545 rule, or "" for "never". Parts come
 * in one fixed order (FREQ, INTERVAL, BYDAY, COUNT or UNTIL), so a rule the
 * picker reads back is the very string it writes.
 */
function buildRule({ kind, interval, days, ends, until, count }) {
  if (kind === "never") return "";
  const parts = [];
  if (kind === "weekdays") {
    parts.push("FREQ=WEEKLY", `BYDAY=${WORKDAYS}`);
  } else {
    parts.push(`FREQ=${kind.toUpperCase()}`);
    if (interval > 1) parts.push(`INTERVAL=${interval}`);
    if (kind === "weekly" && days.length > 0) parts.push(`BYDAY=${WEEKDAYS.filter((d) => days.includes(d)).join(",")}`);
  }
  if (ends === "count") parts.push(`COUNT=${count}`);
  if (ends === "until" && until) parts.push(`UNTIL=${until.replaceAll("-", "")}`);
  return parts.join(";");
}

/**
 * An RFC 5545 rule -> the picker's choices, or null when the picker cannot
 * say it (then it opens as "custom", the rule kept as it is): exactly the
 * rules `buildRule` writes.
 */
function parseRule(rule) {
  if (!rule) return { kind: "never", interval: 1, days: [], ends: "never", until: "", count: 1 };
  const parts = {};
  for (const part of rule.split(";")) {
    const match = /^([A-Z]+)=([^=;]+)$/.exec(part);
    if (!match || match[1] in parts) return null;
    parts[match[1]] = match[2];
  }
  const kinds = { DAILY: "daily", WEEKLY: "weekly", MONTHLY: "monthly", YEARLY: "yearly" };
  const choice = { kind: kinds[parts.FREQ], interval: 1, days: [], ends: "never", until: "", count: 1 };
  if (!choice.kind) return null;
  if (parts.INTERVAL !== undefined) choice.interval = /^[1-9]\d*$/.test(parts.INTERVAL) ? Number(parts.INTERVAL) : NaN;
  if (parts.BYDAY !== undefined) choice.days = parts.BYDAY.split(",");
  if (parts.FREQ === "WEEKLY" && parts.BYDAY === WORKDAYS && parts.INTERVAL === undefined) choice.kind = "weekdays";
  if (parts.COUNT !== undefined) {
    choice.ends = "count";
    choice.count = /^[1-9]\d*$/.test(parts.COUNT) ? Number(parts.COUNT) : NaN;
  }
  if (parts.UNTIL !== undefined) {
    const match = /^(\d{4})(\d{2})(\d{2})$/.exec(parts.UNTIL);
    choice.ends = parts.COUNT !== undefined ? "both" : "until";
    choice.until = match ? `${match[1]}-${match[2]}-${match[3]}` : "";
  }
  return buildRule(choice) === rule ? choice : null;
}

/**
 * The "Repeats" picker: never, daily, weekdays, weekly on chosen days,
 * monthly, yearly, every N, ending never, on a date or after N times, and
 * "custom" (a raw rule) for what it cannot say. `value()` is the rule
 * ("" for never); `set(rule)` shows one (in custom when it must). Its
 * controls have no `name`: a form reads the rule from `value()`.
 */
function recurrencePicker(prefix, initial = "") {
  const id = (part) => `${prefix}-${part}`;
  const field = (part, label, control, extra = {}) =>
    h("div", { class: "field", ...extra }, h("label", { for: id(part) }, label), control);
  const option = (value, label) => h("option", { value }, label);
  const kind = h(
    "select",
    { id: id("kind") },
    option("never", "Never"),
    option("daily", "Daily"),
    option("weekdays", "Every weekday (Mon to Fri)"),
    option("weekly", "Weekly"),
    option("monthly", "Monthly"),
    option("yearly", "Yearly"),
    option("custom", "Custom rule"),
  );
  const interval = h("input", { id: id("interval"), type: "number", min: 1, max: 999, step: 1, value: "1", inputmode: "numeric" });
  const unit = h("span", { class: "hint", id: id("unit") });
  interval.setAttribute("aria-describedby", id("unit"));
  const dayBoxes = WEEKDAYS.map((day) => h("input", { type: "checkbox", id: id(`day-${day}`), value: day }));
  const days = h(
    "fieldset",
    { class: "days" },
    h("legend", {}, "On"),
    WEEKDAYS.map((day, i) => h("span", { class: "day" }, dayBoxes[i], h("label", { for: id(`day-${day}`) }, WEEKDAY_SHORT[day]))),
  );
  const ends = h("select", { id: id("ends") }, option("never", "Never"), option("until", "On a date"), option("count", "After a number of times"));
  const until = h("input", { id: id("until"), type: "date" });
  const count = h("input", { id: id("count"), type: "number", min: 1, max: 999, step: 1, value: "1", inputmode: "numeric" });
  const custom = h("input", { id: id("custom"), autocomplete: "off", spellcheck: "false", "aria-describedby": id("custom-hint") });
  const intervalField = field("interval", "Every", h("span", { class: "inline" }, interval, unit));
  const endsField = field("ends", "Ends", ends);
  const untilField = field("until", "End date", until);
  const countField = field("count", "Times", count);
  const customField = h(
    "div",
    { class: "field" },
    h("label", { for: id("custom") }, "Rule (RFC 5545)"),
    custom,
    h("p", { class: "hint", id: id("custom-hint") }, "E.g. FREQ=MONTHLY;BYDAY=-1FR (the last Friday of each month)."),
  );
  const element = h(
    "fieldset",
    { class: "recurrence", "aria-describedby": id("hint") },
    h("legend", {}, "Repeats"),
    h("div", { class: "row" }, field("kind", "Frequency", kind), intervalField, endsField, untilField, countField),
    days,
    customField,
    h("p", { class: "hint", id: id("hint") }, "A repeating task needs a due date."),
  );
  const units = { daily: ["day", "days"], weekly: ["week", "weeks"], monthly: ["month", "months"], yearly: ["year", "years"] };
  const sync = () => {
    const chosen = kind.value;
    const repeats = chosen !== "never" && chosen !== "custom";
    intervalField.hidden = !repeats || chosen === "weekdays";
    const n = Number(interval.value);
    unit.textContent = units[chosen] ? units[chosen][n === 1 ? 0 : 1] : "";
    days.hidden = chosen !== "weekly";
    endsField.hidden = !repeats;
    untilField.hidden = !repeats || ends.value !== "until";
    countField.hidden = !repeats || ends.value !== "count";
    until.required = !untilField.hidden;
    customField.hidden = chosen !== "custom";
  };
  const set = (rule) => {
    const choice = parseRule(rule ?? "");
    kind.value = choice ? choice.kind : "custom";
    custom.value = choice ? "" : rule;
    interval.value = String(choice?.interval ?? 1);
    for (const box of dayBoxes) box.checked = Boolean(choice?.days.includes(box.value));
    ends.value = choice?.ends ?? "never";
    until.value = choice?.until ?? "";
    count.value = String(choice?.count ?? 1);
    sync();
  };
  const value = () => {
    if (kind.value === "custom") return custom.value.trim();
    const positive = (input) => Math.max(1, Math.floor(Number(input.value) || 1));
    return buildRule({
      kind: kind.value,
      interval: positive(interval),
      days: dayBoxes.filter((box) => box.checked).map((box) => box.value),
      ends: ends.value,
      until: until.value,
      count: positive(count),
    });
  };
  element.addEventListener("change", sync);
  element.addEventListener("input", sync);
  set(initial);
  return { element, value, set };
}

// ------------------------------------------------------------- messages

/** An error answer of the service (problem+json), or a failure to reach it. */
class Problem extends Error {
  constructor(status, body = {}, headers = new Headers()) {
    super(body.detail ?? `HTTP ${status}`);
    this.status = status;
    this.detail = body.detail ?? body.title ?? `The service answered ${status}.`;
    this.errors = Array.isArray(body.errors) ? body.errors : [];
    this.headers = headers;
  }
}

async function problemOf(response) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    // not JSON: the status says enough
  }
  return new Problem(response.status, body, response.headers);
}

function clearAlert() {
  const alert = $("alert");
  alert.hidden = true;
  alert.replaceChildren();
}

/** Shows an error (a Problem: its detail and each field's message) or a notice. */
function showAlert(what, kind = "error") {
  const alert = $("alert");
  alert.className = kind === "error" ? "alert" : "alert info";
  const problem = what instanceof Problem ? what : null;
  const text = problem ? problem.detail : what instanceof Error ? what.message : String(what);
  alert.replaceChildren(h("p", {}, text));
  if (problem && problem.errors.length > 0) {
    alert.append(h("ul", {}, problem.errors.map((e) => h("li", { dataset: { field: e.field } }, `${e.field}: ${e.message}`))));
  }
  if (problem) alert.dataset.status = String(problem.status);
  else delete alert.dataset.status;
  alert.hidden = false;
}

function showBanner(text) {
  const banner = h(
    "div",
    { class: "banner", role: "status" },
    h("span", {}, text),
    h("button", { type: "button", class: "secondary", onclick: () => banner.remove() }, "Dismiss"),
  );
  $("banners").append(banner);
}

/** A failed action: a refused token sends the user back to sign in. */
function report(error) {
  if (error?.name === "AbortError") return;
  if (error instanceof Problem && error.status === 401) {
    signOut();
    showAlert(new Problem(401, { detail: `The token was refused (${error.detail}). Sign in again.` }));
    return;
  }
  showAlert(error);
}

// ------------------------------------------------------------ the API

const userPath = () => `/api/${encodeURIComponent(state.userId)}`;

/** A fetch with the bearer token; a non-2xx answer throws its Problem. */
async function api(method, path, { body, headers = {}, renewed = false } = {}) {
  const init = { method, headers: { authorization: `Bearer ${state.token}`, ...zoneHeader(), ...headers }, cache: "no-store" };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new Problem(0, { detail: "The service cannot be reached." });
  }
  if (response.status === 401 && state.dev && !renewed) {
    await renewDevToken();
    return api(method, path, { body, headers, renewed: true });
  }
  if (!response.ok) throw await problemOf(response);
  return response;
}

async function devToken(userId) {
  let response;
  try {
    response = await fetch("/_dev/token", {
      method: "POST",
      headers: { "content-type": "application/json", ...zoneHeader() },
      body: JSON.stringify({ user_id: userId }),
    });
  } catch {
    throw new Problem(0, { detail: "The service cannot be reached." });
  }
  if (!response.ok) throw await problemOf(response);
  return response.json();
}

async function renewDevToken() {
  const { token } = await devToken(state.userId);
  state.token = token;
  save();
}

// ------------------------------------------------------------ sign-in

function save() {
  // The list shown too: a reload shows it again.
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ token: state.token, userId: state.userId, dev: state.dev, list: state.list }));
}

async function signIn(token, userId, dev) {
  state.token = token;
  state.userId = userId;
  state.dev = dev;
  clearAlert();
  try {
    // Where to follow from: the feed's head, read before the list, so
    // nothing committed in between is missed (it is replayed instead).
    state.lastEventId = await feedHead();
  } catch (error) {
    state.token = null;
    if (error instanceof Problem && error.status === 401) {
      showAlert(new Problem(401, { detail: `The token was refused: ${error.detail}` }, error.headers));
    } else {
      showAlert(error);
    }
    return;
  }
  save();
  $("session-user").textContent = userId;
  $("session").hidden = false;
  $("sign-in").hidden = true;
  $("tasks").hidden = false;
  $("token").value = "";
  document.body.dataset.signedIn = "";
  updateNotifyButton();
  if (state.list !== "all") {
    state.filter.sort = "position";
    $("filter-sort").value = "position";
  }
  renderLists();
  await Promise.all([reload(), loadTags(), loadLists()]).catch(report);
  follow();
}

function signOut() {
  state.stream?.abort();
  state.stream = null;
  state.token = null;
  state.tasks = [];
  state.list = "all";
  state.lists = [];
  if (state.filter.sort === "position") state.filter.sort = "created";
  $("filter-sort").value = state.filter.sort;
  state.etags.clear();
  // Reads in flight show nothing; changes waiting for them go.
  state.generation += 1;
  state.pending = [];
  state.stale = false;
  clearTimeout(state.rereadTimer);
  state.rereadTimer = null;
  sessionStorage.removeItem(STORAGE_KEY);
  delete document.body.dataset.signedIn;
  $("session").hidden = true;
  $("tasks").hidden = true;
  $("sign-in").hidden = false;
  $("task-list").replaceChildren();
  $("set-aside-list").replaceChildren();
  $("set-aside").hidden = true;
  setLive("off");
}

/** The user's latest event id (X-Last-Event-Id), also from a 410. */
async function feedHead() {
  try {
    const response = await api("GET", `${userPath()}/events?limit=1`);
    return Number(response.headers.get("x-last-event-id") ?? 0);
  } catch (error) {
    if (error instanceof Problem && error.status === 410) {
      return Number(error.headers.get("x-last-event-id") ?? 0);
    }
    throw error;
  }
}

// ------------------------------------------------------------ the list

/** The status the list asks for: "Today" lists pending tasks, whatever the status filter says. */
const effectiveStatus = () => (state.filter.view === "today" ? "pending" : state.filter.status);

function listQuery(limit = PAGE_SIZE) {
  const { view, sort, order, q, tags } = state.filter;
  const status = effectiveStatus();
  const query = new URLSearchParams();
  // Dates, read by the service in X-Timezone: the browser's days.
  if (view === "today") query.set("due_before", localDateFromToday(1));
  if (view === "upcoming") query.set("due_after", localDateFromToday(1));
  if (state.list !== "all") query.set("list_id", String(state.list));
  if (status !== "all") query.set("status", status);
  if (sort !== "created") query.set("sort", sort);
  if (order) query.set("order", order);
  if (q.trim()) query.set("q", q.trim());
  for (const tag of tags) query.append("tag", tag);
  query.set("limit", String(limit));
  return `${userPath()}/tasks?${query}`;
}

/** The URL of a list page asking for `limit` rows (a `Link` keeps the limit of the request it answers). */
function withLimit(url, limit) {
  return /[?&]limit=/.test(url)
    ? url.replace(/([?&])limit=[^&#]*/, `$1limit=${limit}`)
    : `${url}${url.includes("?") ? "&" : "?"}limit=${limit}`;
}

/** The next page after a list response, asking for PAGE_SIZE rows, or null. */
function nextPage(response) {
  const link = nextLink(response);
  return link ? withLimit(link, PAGE_SIZE) : null;
}

/**
 * One read of the list: `fetchRows()` resolves to what `show(result)` puts
 * on the page. Changes that arrive meanwhile wait, then apply on top of
 * it; a read that a later load (or sign-out) overtook shows nothing.
 */
async function readList(fetchRows, show) {
  const generation = state.generation;
  state.gone.clear();
  const loading = fetchRows();
  state.loading = loading;
  try {
    const result = await loading;
    if (generation === state.generation) show(result);
  } finally {
    if (state.loading === loading) {
      state.loading = null;
      state.pending.splice(0).forEach(applyEvent);
      if (state.stale) rereadSoon();
    }
  }
}

/**
 * Reads the first `rows` rows of the list for the current filter (more than
 * one request's worth by following `Link`) and shows them as they come, in
 * the service's order.
 */
function load(rows) {
  state.generation += 1;
  state.stale = false;
  return readList(
    async () => {
      let response = await api("GET", listQuery(Math.min(rows, MAX_LIMIT)));
      const tasks = await response.json();
      const total = Number(response.headers.get("x-total-count") ?? tasks.length);
      let next = nextLink(response);
      while (next && tasks.length < rows) {
        response = await api("GET", withLimit(next, Math.min(rows - tasks.length, MAX_LIMIT)));
        tasks.push(...(await response.json()));
        next = nextLink(response);
      }
      return { tasks, total, next: next ? withLimit(next, PAGE_SIZE) : null };
    },
    ({ tasks, total, next }) => {
      state.tasks = tasks.filter((task) => !state.gone.has(task.id));
      state.total = Math.max(0, total - (tasks.length - state.tasks.length));
      state.next = next;
      renderList();
    },
  );
}

/** Loads the first page for the current filter (a new filter, sort or search). */
function reload() {
  state.window = PAGE_SIZE;
  return load(PAGE_SIZE);
}

/** Reads the rows the list holds again: the service puts each task where it belongs. */
function reread() {
  return load(state.window);
}

/** Reads the list again soon: one read for the changes of a burst. */
function rereadSoon() {
  state.stale = true;
  if (state.rereadTimer !== null) return;
  state.rereadTimer = setTimeout(() => {
    state.rereadTimer = null;
    // A read in flight reads again when it ends, if still needed.
    if (state.stale && state.token && !state.loading) reread().catch(report);
  }, REREAD_MS);
}

/**
 * At the browser's midnight "Today" and "Upcoming" start from another
 * date, and all-day tasks may turn overdue: the list is read again.
 */
function rereadAtMidnight() {
  const now = new Date();
  const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
  setTimeout(() => {
    if (state.token) rereadSoon();
    rereadAtMidnight();
  }, midnight - now + 1000);
}

async function loadMore() {
  while (state.loading) await state.loading.catch(() => {});
  if (!state.next) return;
  const url = state.next;
  state.window = Math.max(state.window, state.tasks.length) + PAGE_SIZE;
  await readList(
    async () => {
      const response = await api("GET", url);
      return { response, page: await response.json() };
    },
    ({ response, page }) => {
      const known = new Set(state.tasks.map((t) => t.id));
      for (const task of page) {
        if (!known.has(task.id) && !state.gone.has(task.id)) state.tasks.push(task);
      }
      // Subtasks on this page go under parents on earlier ones.
      renderList();
      state.total = Number(response.headers.get("x-total-count") ?? state.total);
      state.next = nextPage(response);
      renderCount();
    },
  );
}

/** The count and the tag cloud, after changes (debounced). */
const refreshMeta = debounce(async () => {
  try {
    const response = await api("GET", listQuery(1));
    state.total = Number(response.headers.get("x-total-count") ?? state.total);
    renderCount();
    await Promise.all([loadTags(), loadLists()]);
  } catch (error) {
    report(error);
  }
}, 300);

async function loadTags() {
  const response = await api("GET", `${userPath()}/tags`);
  renderTags(await response.json());
}

// The field of a task that each `sort` orders by.
const SORT_FIELD = { position: "position", created: "created_at", updated: "updated_at", title: "title", due_date: "due_date", priority: "priority" };

/**
 * Whether a change leaves a listed task where it is: the same sort key, and
 * nothing the filter reads changed. Where a task goes otherwise is for the
 * service to say.
 */
function staysPut(before, after) {
  const { view, sort, q, tags } = state.filter;
  const status = effectiveStatus();
  const field = SORT_FIELD[sort];
  if (before[field] !== after[field]) return false;
  // Subtasks show under their parent, and a list view lists its own tasks.
  if ((before.parent_id ?? null) !== (after.parent_id ?? null)) return false;
  if (inListView() && (before.list_id ?? null) !== (after.list_id ?? null)) return false;
  if (view !== "all" && before.due_date !== after.due_date) return false;
  if (status !== "all" && before.completed !== after.completed) return false;
  if (q.trim() && (before.title !== after.title || before.description !== after.description)) return false;
  if (tags.length > 0 && before.tags.join("\n") !== after.tags.join("\n")) return false;
  return true;
}

/** A change to apply: now, or once the read of the list in flight has ended. */
function receive(event) {
  if (state.loading && event.type !== "task.deleted") state.pending.push(event);
  else applyEvent(event);
}

/** Shows a version of a task that this page has just read or written. */
const show = (task) => receive({ type: "task.updated", task_id: task.id, task });

/**
 * Shows a task's new version: in place when it stays put; a task that may
 * have moved, or entered or left the list, has the list read again (and
 * meanwhile shows its new content where it was).
 */
function place(task) {
  const index = state.tasks.findIndex((t) => t.id === task.id);
  const current = index >= 0 ? state.tasks[index] : null;
  // An older version (a replayed event) never replaces a newer one.
  if (current && current.updated_at > task.updated_at) return;
  const known = state.etags.get(task.id);
  if (known && known.updatedAt !== task.updated_at) state.etags.delete(task.id);
  if (!current || !staysPut(current, task)) rereadSoon();
  if (!current || current.updated_at === task.updated_at) return;
  state.tasks[index] = task;
  const oldRow = rowOf(task.id);
  if (!oldRow) return;
  keepingFocus(() => {
    const row = renderTask(task, oldRow, Number(oldRow.dataset.depth ?? 0));
    oldRow.replaceWith(row);
    row.classList.add("flash");
  });
}

function remove(id) {
  const listed = state.tasks.some((t) => t.id === id);
  state.tasks = state.tasks.filter((t) => t.id !== id);
  state.etags.delete(id);
  if (state.loading) state.gone.add(id);
  rowOf(id)?.remove();
  tidySetAside();
  if (listed) {
    state.total = Math.max(0, state.total - 1);
    renderCount();
  }
}

/** A task's row: in the list, or set aside with an edit form open. */
const rowOf = (id) => $("tasks").querySelector(`li.task[data-id="${id}"]`);

function remember(task, response) {
  const etag = response.headers.get("etag");
  if (etag) state.etags.set(task.id, { etag, updatedAt: task.updated_at });
}

/**
 * The ETag of the version of `task` the page shows. Rows from a list or an
 * event come without one: the task is read once, and if it has moved on
 * meanwhile, the page shows the new version and the action stops, as a
 * 412 would.
 */
async function etagOf(task) {
  const known = state.etags.get(task.id);
  if (known && known.updatedAt === task.updated_at) return known.etag;
  const response = await api("GET", `${userPath()}/tasks/${task.id}`);
  const fresh = await response.json();
  remember(fresh, response);
  if (fresh.updated_at !== task.updated_at) {
    show(fresh);
    throw new Problem(412, { detail: "the task has changed since this page showed it" });
  }
  return state.etags.get(task.id).etag;
}

/** A 412: says the task changed elsewhere, and shows its current version. */
async function changedElsewhere(id) {
  showAlert(
    new Problem(412, {
      detail: "This task was changed elsewhere (another tab, device or client) since you opened it. It has been reloaded: check it, then make your change again.",
    }),
  );
  try {
    const response = await api("GET", `${userPath()}/tasks/${id}`);
    const task = await response.json();
    remember(task, response);
    show(task);
    return task;
  } catch (error) {
    if (error instanceof Problem && error.status === 404) remove(id);
    else report(error);
    return null;
  }
}

// ------------------------------------------------------------ writes

async function createTask(form) {
  const data = new FormData(form);
  const body = { title: data.get("title"), priority: data.get("priority") };
  const description = String(data.get("description")).trim();
  if (description) body.description = description;
  const due = dueOf(String(data.get("due_date") ?? ""), String(data.get("due_time") ?? ""));
  if (due) body.due_date = due;
  if (TIME_ZONE) body.time_zone = TIME_ZONE;
  const remind = fromLocalInput(data.get("remind_at"));
  if (remind) body.remind_at = remind;
  const tags = tagsOf(String(data.get("tags")));
  if (tags.length) body.tags = tags;
  const recurrence = newRecurrence.value();
  if (recurrence) body.recurrence = recurrence;
  // A new task goes into the list shown.
  if (typeof state.list === "number") body.list_id = state.list;
  let response;
  try {
    response = await api("POST", `${userPath()}/tasks`, { body, headers: { "idempotency-key": randomKey() } });
  } catch (error) {
    // A zone this browser knows and the service does not (its zone database
    // is older): the task is made without one, so it is in UTC.
    const zoneRefused = error instanceof Problem && error.status === 422 && error.errors.length > 0 && error.errors.every((e) => e.field === "time_zone");
    if (!zoneRefused || !body.time_zone) throw error;
    delete body.time_zone;
    response = await api("POST", `${userPath()}/tasks`, { body, headers: { "idempotency-key": randomKey() } });
  }
  const task = await response.json();
  remember(task, response);
  show(task);
  form.reset();
  newRecurrence.set("");
  clearAlert();
  refreshMeta();
}

async function setCompleted(task, completed, checkbox) {
  try {
    const etag = await etagOf(task);
    const response = await api("PATCH", `${userPath()}/tasks/${task.id}/complete`, {
      body: { completed },
      headers: { "if-match": etag },
    });
    const updated = await response.json();
    remember(updated, response);
    show(updated);
    clearAlert();
    refreshMeta();
  } catch (error) {
    checkbox.checked = task.completed;
    if (error instanceof Problem && error.status === 412) await changedElsewhere(task.id);
    else report(error);
  }
}

async function deleteTask(task) {
  try {
    const etag = await etagOf(task);
    await api("DELETE", `${userPath()}/tasks/${task.id}`, { headers: { "if-match": etag } });
    remove(task.id);
    clearAlert();
    refreshMeta();
  } catch (error) {
    if (error instanceof Problem && error.status === 412) await changedElsewhere(task.id);
    else if (error instanceof Problem && error.status === 404) remove(task.id);
    else report(error);
  }
}

/** The edit form's fields, as the API names them, from a task. */
function formValues(task) {
  return {
    title: task.title,
    description: task.description ?? "",
    priority: task.priority,
    ...dueFields(task),
    remind_at: toLocalInput(task.remind_at),
    tags: task.tags.join(", "),
    recurrence: task.recurrence ?? "",
  };
}

/** What changed between two sets of form values, as a PATCH body. */
function changes(before, after) {
  const body = {};
  for (const [name, value] of Object.entries(after)) {
    if (value === before[name]) continue;
    if (name === "due_date" || name === "due_time") body.due_date = dueOf(after.due_date ?? "", after.due_time ?? "");
    else if (name === "remind_at") body[name] = fromLocalInput(value);
    else if (name === "tags") body.tags = tagsOf(value);
    else if (name === "description" || name === "recurrence") body[name] = value.trim() === "" ? null : value;
    else body[name] = value;
  }
  return body;
}

async function openEditor(task) {
  const row = rowOf(task.id);
  if (!row || row.querySelector("form")) return;
  let etag;
  try {
    etag = await etagOf(task);
  } catch (error) {
    if (error instanceof Problem && error.status === 412) await changedElsewhere(task.id);
    else report(error);
    return;
  }
  const body = rowOf(task.id)?.querySelector(".task-body");
  if (!body || body.querySelector("form")) return;
  // The form holds the version its ETag belongs to: if the row has moved
  // on meanwhile, saving is a 412, never a silent overwrite.
  const form = editForm(task, etag);
  body.append(form);
  form.querySelector("input").focus();
}

function editForm(task, etag) {
  const id = task.id;
  const before = formValues(task);
  // Closing the form also lets go of its row if that was set aside.
  const close = () => {
    form.remove();
    tidySetAside();
  };
  const field = (name, label, control, hint) =>
    h("div", { class: "field" }, h("label", { for: `edit-${name}-${id}` }, label), control, hint ?? null);
  const input = (name, attributes = {}) =>
    // The type before the value: a value set on a text input may not
    // survive the change to datetime-local.
    h("input", { id: `edit-${name}-${id}`, name, autocomplete: "off", ...attributes, value: before[name] });
  const priority = h(
    "select",
    { id: `edit-priority-${id}`, name: "priority" },
    ["low", "medium", "high"].map((p) => h("option", { value: p, selected: p === before.priority }, p[0].toUpperCase() + p.slice(1))),
  );
  const repeats = recurrencePicker(`edit-recurrence-${id}`, before.recurrence);
  const form = h(
    "form",
    { class: "task-form card", dataset: { etag }, "aria-label": `Edit “${task.title}”` },
    field("title", "Title", input("title", { required: true, maxlength: 200 })),
    field(
      "description",
      "Description",
      h("textarea", { id: `edit-description-${id}`, name: "description", rows: 2, maxlength: 1000, value: before.description }),
    ),
    h(
      "div",
      { class: "row" },
      field("priority", "Priority", priority),
      field("due_date", "Due date", input("due_date", { type: "date" })),
      field(
        "due_time",
        "Due time",
        input("due_time", { type: "time", "aria-describedby": `edit-due_time-hint-${id}` }),
        h("p", { class: "hint", id: `edit-due_time-hint-${id}` }, "Optional: without one, the task is due all day."),
      ),
      field("remind_at", "Remind at", input("remind_at", { type: "datetime-local" })),
    ),
    field("tags", "Tags", input("tags"), h("p", { class: "hint" }, "Separated by commas.")),
    repeats.element,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit" }, "Save"),
      h("button", { type: "button", class: "secondary", onclick: close }, "Cancel"),
    ),
  );
  pairDueFields(form.elements.due_date, form.elements.due_time);
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const after = Object.fromEntries([...new FormData(form)].map(([k, v]) => [k, String(v)]));
    after.recurrence = repeats.value();
    const body = changes(before, after);
    if (Object.keys(body).length === 0) {
      close();
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const response = await api("PATCH", `${userPath()}/tasks/${id}`, {
        body,
        headers: { "if-match": form.dataset.etag },
      });
      const updated = await response.json();
      remember(updated, response);
      close();
      show(updated);
      clearAlert();
      refreshMeta();
    } catch (error) {
      button.disabled = false;
      if (error instanceof Problem && error.status === 412) {
        close();
        const fresh = await changedElsewhere(id);
        if (fresh) openEditor(fresh);
      } else {
        report(error);
      }
    }
  });
  return form;
}

// ------------------------------------------------------------ lists

/** The list view shown: "all" (every task), "none" (the inbox) or a list's id. */
const inListView = () => state.list !== "all";

/** Manual order applies in a list view sorted by "My order": drag and the move buttons. */
const manualOrder = () => inListView() && state.filter.sort === "position";

async function loadLists() {
  const [response, inbox] = await Promise.all([
    api("GET", `${userPath()}/lists`),
    api("GET", `${userPath()}/tasks?list_id=none&status=pending&limit=1`),
  ]);
  state.lists = await response.json();
  state.inboxPending = Number(inbox.headers.get("x-total-count") ?? 0);
  if (typeof state.list === "number" && !state.lists.some((list) => list.id === state.list)) {
    // Deleted (here or elsewhere): its tasks went to the inbox.
    selectList("none");
    return;
  }
  renderLists();
}

const loadListsSoon = debounce(() => {
  if (state.token) loadLists().catch(report);
}, 200);

function renderLists() {
  const entry = (key, name, pending) =>
    h(
      "li",
      {},
      h(
        "button",
        {
          type: "button",
          class: "list-entry",
          dataset: { list: String(key) },
          "aria-current": state.list === key ? "true" : false,
          "aria-label": pending === null ? name : `${name}, ${pending} pending`,
          onclick: () => selectList(key),
        },
        h("span", { class: "list-name" }, name),
        pending === null ? null : h("span", { class: "n", "aria-hidden": "true" }, pending),
      ),
    );
  $("list-nav").replaceChildren(
    entry("all", "All tasks", null),
    entry("none", "Inbox", state.inboxPending ?? 0),
    ...state.lists.map((list) => entry(list.id, list.name, list.pending)),
  );
  const current = currentList();
  $("list-tools").hidden = !current;
  if (!current) {
    $("rename-list-form").hidden = true;
    $("delete-list-confirm").hidden = true;
  }
  $("tasks-title").textContent = current ? current.name : state.list === "none" ? "Inbox" : "All tasks";
}

const currentList = () => (typeof state.list === "number" ? state.lists.find((list) => list.id === state.list) ?? null : null);

/** Shows a list's tasks ("all", "none" for the inbox, or a list's id); a list view starts in "My order". */
function selectList(key) {
  state.list = key;
  const sort = $("filter-sort");
  if (key !== "all") state.filter.sort = "position";
  else if (state.filter.sort === "position") state.filter.sort = "created";
  sort.value = state.filter.sort;
  $("rename-list-form").hidden = true;
  $("delete-list-confirm").hidden = true;
  if (state.token) save();
  renderLists();
  reload().catch(report);
}

async function createList(form) {
  const name = String(new FormData(form).get("name")).trim();
  const response = await api("POST", `${userPath()}/lists`, { body: { name } });
  const list = await response.json();
  form.reset();
  clearAlert();
  if (!state.lists.some((l) => l.id === list.id)) state.lists.push(list);
  selectList(list.id);
  loadListsSoon();
}

async function renameList(form) {
  const list = currentList();
  if (!list) return;
  const name = String(new FormData(form).get("name")).trim();
  const response = await api("PATCH", `${userPath()}/lists/${list.id}`, { body: { name } });
  Object.assign(list, await response.json());
  form.hidden = true;
  clearAlert();
  renderLists();
  $(`list-nav`).querySelector(`button[data-list="${list.id}"]`)?.focus();
}

async function deleteList(deleteTasks) {
  const list = currentList();
  if (!list) return;
  await api("DELETE", `${userPath()}/lists/${list.id}${deleteTasks ? "?delete_tasks=true" : ""}`);
  state.lists = state.lists.filter((l) => l.id !== list.id);
  clearAlert();
  selectList("none");
  loadListsSoon();
  $("list-nav").querySelector('button[data-list="none"]')?.focus();
}

function wireLists() {
  const guarded = (fn) => async (event) => {
    event?.preventDefault();
    try {
      await fn(event);
    } catch (error) {
      report(error);
    }
  };
  $("new-list").addEventListener("submit", guarded((event) => createList(event.target)));
  $("rename-list-form").addEventListener("submit", guarded((event) => renameList(event.target)));
  $("rename-list").addEventListener("click", () => {
    const form = $("rename-list-form");
    $("delete-list-confirm").hidden = true;
    form.hidden = false;
    $("rename-list-name").value = currentList()?.name ?? "";
    $("rename-list-name").focus();
  });
  $("rename-list-cancel").addEventListener("click", () => {
    $("rename-list-form").hidden = true;
    $("rename-list").focus();
  });
  $("delete-list").addEventListener("click", () => {
    const list = currentList();
    if (!list) return;
    $("rename-list-form").hidden = true;
    $("delete-list-question").textContent = `Delete the list “${list.name}”? Its ${list.tasks} task${list.tasks === 1 ? "" : "s"} can move to the Inbox or go with it.`;
    $("delete-list-confirm").hidden = false;
    $("delete-list-cancel").focus();
  });
  $("delete-list-cancel").addEventListener("click", () => {
    $("delete-list-confirm").hidden = true;
    $("delete-list").focus();
  });
  $("delete-list-keep").addEventListener("click", guarded(() => deleteList(false)));
  $("delete-list-all").addEventListener("click", guarded(() => deleteList(true)));
}

// ------------------------------------------------------- order, subtasks

/**
 * The rows in the order to show them: the service's order, with each
 * subtask right under its parent (among its siblings in the service's
 * order) when the parent is loaded. `depth` indents it.
 */
function treeOrder(tasks) {
  const loaded = new Set(tasks.map((task) => task.id));
  const children = new Map();
  const roots = [];
  for (const task of tasks) {
    if (task.parent_id !== null && task.parent_id !== undefined && loaded.has(task.parent_id)) {
      if (!children.has(task.parent_id)) children.set(task.parent_id, []);
      children.get(task.parent_id).push(task);
    } else {
      roots.push(task);
    }
  }
  const out = [];
  const visit = (task, depth) => {
    out.push({ task, depth });
    for (const child of children.get(task.id) ?? []) visit(child, Math.min(depth + 1, 4));
  };
  for (const task of roots) visit(task, 0);
  return out;
}

/** A task's loaded siblings (same parent), in the service's order. */
const siblingsOf = (task) => state.tasks.filter((t) => (t.parent_id ?? null) === (task.parent_id ?? null));

/** Whether `task` is `ancestor` or under it (among the loaded rows). */
function isWithin(task, ancestor) {
  const byId = new Map(state.tasks.map((t) => [t.id, t]));
  for (let at = task; at; at = byId.get(at.parent_id)) if (at.id === ancestor.id) return true;
  return false;
}

/** POST .../move: `task` right after `afterId` (null: first) under `parentId`. */
async function moveTask(task, parentId, afterId) {
  try {
    const response = await api("POST", `${userPath()}/tasks/${task.id}/move`, { body: { parent_id: parentId, after_id: afterId } });
    const moved = await response.json();
    remember(moved, response);
    show(moved);
    clearAlert();
  } catch (error) {
    report(error);
  }
}

/** Move up (-1) or down (+1) among its siblings. */
function moveBy(task, step) {
  const siblings = siblingsOf(task);
  const index = siblings.findIndex((t) => t.id === task.id);
  if (step < 0 && index > 0) return moveTask(task, task.parent_id ?? null, index >= 2 ? siblings[index - 2].id : null);
  if (step > 0 && index >= 0 && index < siblings.length - 1) return moveTask(task, task.parent_id ?? null, siblings[index + 1].id);
  return Promise.resolve();
}

/** A drop of `dragged` on `target`'s row: before it or after it, as its sibling. */
function dropOn(dragged, target, before) {
  if (isWithin(target, dragged)) return Promise.resolve();
  const siblings = siblingsOf(target).filter((t) => t.id !== dragged.id);
  const index = siblings.findIndex((t) => t.id === target.id);
  const afterId = before ? (index > 0 ? siblings[index - 1].id : null) : target.id;
  return moveTask(dragged, target.parent_id ?? null, afterId);
}

/** The drag-and-drop handlers of a row in manual order. */
function dragHandlers(task) {
  const half = (event) => {
    const box = event.currentTarget.getBoundingClientRect();
    return event.clientY < box.top + box.height / 2;
  };
  const clear = (row) => row.classList.remove("drop-before", "drop-after");
  return {
    draggable: "true",
    ondragstart: (event) => {
      // A drag from inside a form (a text selection) is not a move.
      if (event.target.closest?.("form")) return;
      state.dragging = task.id;
      event.dataTransfer.setData("text/plain", String(task.id));
      event.dataTransfer.effectAllowed = "move";
      event.currentTarget.classList.add("dragging");
    },
    ondragend: (event) => {
      state.dragging = null;
      event.currentTarget.classList.remove("dragging");
    },
    ondragover: (event) => {
      if (state.dragging === null || state.dragging === task.id) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      const row = event.currentTarget;
      clear(row);
      row.classList.add(half(event) ? "drop-before" : "drop-after");
    },
    ondragleave: (event) => clear(event.currentTarget),
    ondrop: (event) => {
      const row = event.currentTarget;
      clear(row);
      const dragged = state.tasks.find((t) => t.id === state.dragging);
      state.dragging = null;
      if (!dragged || dragged.id === task.id) return;
      event.preventDefault();
      dropOn(dragged, task, half(event));
    },
  };
}

/** "Move up" and "Move down": manual order from the keyboard (at either end they do nothing). */
function moveButtons(task) {
  return [
    h("button", { type: "button", id: `move-up-${task.id}`, class: "secondary", "aria-label": `Move ${task.title} up`, onclick: () => moveBy(task, -1) }, "Move up"),
    h("button", { type: "button", id: `move-down-${task.id}`, class: "secondary", "aria-label": `Move ${task.title} down`, onclick: () => moveBy(task, 1) }, "Move down"),
  ];
}

/** A small form under a task: the title of a new subtask. */
function openSubtaskForm(task) {
  const row = rowOf(task.id);
  const body = row?.querySelector(".task-body");
  if (!body || body.querySelector("form.subtask-form")) {
    body?.querySelector("form.subtask-form input")?.focus();
    return;
  }
  const inputId = `subtask-title-${task.id}`;
  const form = h(
    "form",
    { class: "subtask-form", "aria-label": `New subtask of “${task.title}”` },
    h("div", { class: "field" }, h("label", { for: inputId }, "Subtask title"), h("input", { id: inputId, name: "title", required: true, maxlength: 200, autocomplete: "off" })),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit" }, "Save subtask"),
      h("button", { type: "button", class: "secondary", onclick: () => form.remove() }, "Cancel subtask"),
    ),
  );
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") form.remove();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const body_ = { title: String(new FormData(form).get("title")), parent_id: task.id };
      if (TIME_ZONE) body_.time_zone = TIME_ZONE;
      const response = await api("POST", `${userPath()}/tasks`, { body: body_, headers: { "idempotency-key": randomKey() } });
      const created = await response.json();
      remember(created, response);
      form.remove();
      show(created);
      clearAlert();
      refreshMeta();
    } catch (error) {
      button.disabled = false;
      report(error);
    }
  });
  body.append(form);
  form.querySelector("input").focus();
}

// ------------------------------------------------------------ rendering

function renderTask(task, oldRow = null, depth = 0) {
  const titleId = `task-title-${task.id}`;
  const overdue = isOverdue(task);
  const checkbox = h("input", {
    type: "checkbox",
    id: `done-${task.id}`,
    checked: task.completed,
    "aria-label": `Done: ${task.title}`,
    onchange: (event) => setCompleted(task, event.target.checked, event.target),
  });
  const meta = h(
    "div",
    { class: "meta" },
    h("span", { class: `priority priority-${task.priority}` }, `${task.priority} priority`),
    task.due_date ? h("span", { class: overdue ? "due overdue" : "due" }, `${overdue ? "overdue: " : "due "}${dueText(task)}`) : null,
    task.recurrence ? h("span", { class: "repeats", title: task.recurrence }, `repeats ${describeRule(task.recurrence)}`) : null,
    task.remind_at && !task.completed ? h("span", {}, `reminder ${formatWhen(task.remind_at)}`) : null,
    task.completed_at ? h("span", {}, `done ${formatWhen(task.completed_at)}`) : null,
  );
  const tags = task.tags.length
    ? h(
        "div",
        { class: "chips", "aria-label": "Tags" },
        task.tags.map((tag) =>
          h("button", { type: "button", class: "chip", dataset: { tag }, "aria-label": `Filter by tag ${tag}`, onclick: () => toggleTag(tag, true) }, tag),
        ),
      )
    : null;
  const body = h(
    "div",
    { class: "task-body" },
    h("div", { class: "task-title", id: titleId }, task.title),
    task.description ? h("p", { class: "task-description" }, task.description) : null,
    meta,
    tags,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", id: `edit-${task.id}`, class: "secondary", "aria-label": `Edit ${task.title}`, onclick: () => openEditor(task) }, "Edit"),
      h("button", { type: "button", id: `delete-${task.id}`, class: "danger", "aria-label": `Delete ${task.title}`, onclick: () => deleteTask(task) }, "Delete"),
      depth < 3
        ? h("button", { type: "button", id: `subtask-${task.id}`, class: "secondary", "aria-label": `Add a subtask to ${task.title}`, onclick: () => openSubtaskForm(task) }, "Subtask")
        : null,
      manualOrder() ? moveButtons(task) : null,
    ),
  );
  // An open edit form survives a live update of its row (its ETag stays
  // the one it was opened with, so saving it then is a 412).
  for (const form of oldRow?.querySelectorAll(".task-body > form") ?? []) body.append(form);
  return h(
    "li",
    {
      class: task.completed ? "task done" : "task",
      dataset: { id: task.id, depth: String(depth) },
      "aria-labelledby": titleId,
      ...(manualOrder() ? dragHandlers(task) : {}),
    },
    checkbox,
    body,
  );
}

/**
 * Shows state.tasks, in their order. An edit form open on a task that is
 * still listed moves with it; one on a task that has left the list (changed
 * elsewhere, or no longer in the filter) is set aside with its row, so no
 * edit in progress is lost.
 */
function renderList() {
  const list = $("task-list");
  keepingFocus(() => {
    const listed = new Set(state.tasks.map((task) => task.id));
    for (const row of list.querySelectorAll("li.task")) {
      if (!listed.has(Number(row.dataset.id)) && row.querySelector("form")) $("set-aside-list").append(row);
    }
    list.replaceChildren(...treeOrder(state.tasks).map(({ task, depth }) => renderTask(task, rowOf(task.id), depth)));
    tidySetAside();
  });
  renderCount();
  renderActiveTags();
}

/** The set-aside rows keep only those with a form still open (and not listed). */
function tidySetAside() {
  const aside = $("set-aside-list");
  for (const row of aside.querySelectorAll("li.task")) {
    if (!row.querySelector("form") || $("task-list").querySelector(`li.task[data-id="${row.dataset.id}"]`)) row.remove();
  }
  $("set-aside").hidden = aside.children.length === 0;
}

/**
 * Runs `redraw`, which replaces rows, so that the focus (and the caret of a
 * field being typed in) stays where it was: on the same element where that
 * is still on the page, else on the element with its id.
 */
function keepingFocus(redraw) {
  const active = $("tasks").contains(document.activeElement) ? document.activeElement : null;
  let caret = null;
  try {
    if (typeof active?.selectionStart === "number") caret = [active.selectionStart, active.selectionEnd, active.selectionDirection];
  } catch {
    // a control without a caret
  }
  redraw();
  if (!active || document.activeElement === active) return;
  const target = active.isConnected ? active : active.id ? document.getElementById(active.id) : null;
  if (!target) return;
  target.focus({ preventScroll: true });
  if (caret && target === active) {
    try {
      target.setSelectionRange(...caret);
    } catch {
      // a control without a caret
    }
  }
}

function renderCount() {
  const shown = state.tasks.length;
  $("count").textContent =
    state.total === 0 ? "No tasks match." : `Showing ${shown} of ${state.total} task${state.total === 1 ? "" : "s"}.`;
  $("more").hidden = !state.next;
}

function renderTags(tags) {
  const active = new Set(state.filter.tags);
  $("tag-cloud").replaceChildren(
    ...tags.map((tag) =>
      h(
        "button",
        {
          type: "button",
          class: "chip",
          dataset: { tag: tag.name },
          "aria-pressed": active.has(tag.name) ? "true" : "false",
          "aria-label": `${tag.name}: ${tag.pending} pending of ${tag.tasks}`,
          onclick: () => toggleTag(tag.name),
        },
        tag.name,
        h("span", { class: "n", "aria-hidden": "true" }, tag.tasks),
      ),
    ),
  );
}

function renderActiveTags() {
  const box = $("active-tags");
  box.hidden = state.filter.tags.length === 0;
  box.replaceChildren(
    ...state.filter.tags.map((tag) =>
      h("button", { type: "button", class: "chip", "aria-pressed": "true", "aria-label": `Remove the tag filter ${tag}`, onclick: () => toggleTag(tag) }, `tag: ${tag} ×`),
    ),
  );
  for (const chip of $("tag-cloud").querySelectorAll("button[data-tag]")) {
    chip.setAttribute("aria-pressed", state.filter.tags.includes(chip.dataset.tag) ? "true" : "false");
  }
}

/** Shows a view ("all", "today", "upcoming"): its button pressed, the list read for it. */
function setView(view) {
  state.filter.view = view;
  for (const button of $("views").querySelectorAll("button[data-view]")) {
    button.setAttribute("aria-pressed", button.dataset.view === view ? "true" : "false");
  }
  // Today lists pending tasks: the status select says so, and keeps its own choice for later.
  const status = $("filter-status");
  status.disabled = view === "today";
  status.value = view === "today" ? "pending" : state.filter.status;
  reload().catch(report);
}

function toggleTag(tag, only = false) {
  const tags = state.filter.tags;
  if (only) {
    if (tags.includes(tag)) return;
    tags.push(tag);
  } else if (tags.includes(tag)) {
    tags.splice(tags.indexOf(tag), 1);
  } else {
    tags.push(tag);
  }
  reload().catch(report);
}

// ------------------------------------------------------------ live

function setLive(stateName, text) {
  const live = $("live");
  live.dataset.state = stateName;
  live.textContent = text ?? { off: "Live: off", connecting: "Live: connecting", open: "Live: on" }[stateName] ?? "Live";
}

/**
 * Reads a Server-Sent Events body (the HTML standard's format): lines of
 * `field: value`, an empty line ends an event, `:` starts a comment (the
 * keep-alive). Calls `onEvent({ id, type, data })` per event; `id` also
 * becomes the position to resume from. Resolves when the stream ends.
 */
async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let data = [];
  let type = "";
  const line = (text) => {
    if (text === "") {
      if (data.length > 0) onEvent({ id: state.lastEventId, type: type || "message", data: data.join("\n") });
      data = [];
      type = "";
      return;
    }
    if (text.startsWith(":")) return;
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") type = value;
    else if (field === "data") data.push(value);
    else if (field === "id" && !value.includes("\0") && /^\d+$/.test(value)) state.lastEventId = Number(value);
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    for (;;) {
      const at = buffer.search(/[\r\n]/);
      // A CR at the very end may be the first half of a CRLF.
      if (at < 0 || (buffer[at] === "\r" && at === buffer.length - 1)) break;
      const width = buffer[at] === "\r" && buffer[at + 1] === "\n" ? 2 : 1;
      line(buffer.slice(0, at));
      buffer = buffer.slice(at + width);
    }
  }
}

/**
 * Follows the user's change stream until sign-out: `Authorization` and
 * `Last-Event-ID` on every connection; reconnects with back-off (1 s,
 * doubling to 30 s, with jitter) when it fails or ends (the token's
 * expiry ends it); a 410 (the position is no longer kept) reloads the list
 * and restarts from the head the service names.
 */
async function follow() {
  state.stream?.abort();
  const controller = new AbortController();
  state.stream = controller;
  const { signal } = controller;
  let delay = RETRY_FIRST_MS;
  while (!signal.aborted) {
    setLive("connecting");
    let wait = true;
    try {
      const response = await fetch(`${userPath()}/events`, {
        headers: {
          authorization: `Bearer ${state.token}`,
          ...zoneHeader(),
          accept: "text/event-stream",
          "last-event-id": String(state.lastEventId),
        },
        cache: "no-store",
        signal,
      });
      if (response.status === 410) {
        state.lastEventId = Number(response.headers.get("x-last-event-id") ?? 0);
        await Promise.all([reload(), loadTags()]);
        wait = false;
      } else if (response.status === 401 && state.dev) {
        await renewDevToken();
        wait = false;
      } else if (response.status === 401) {
        report(await problemOf(response));
        return;
      } else if (!response.ok || !(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
        const problem = await problemOf(response);
        setLive("retrying", `Live: ${problem.detail}`);
      } else {
        setLive("open");
        delay = RETRY_FIRST_MS;
        await readEvents(response.body, (message) => {
          try {
            receive(JSON.parse(message.data));
          } catch (error) {
            console.warn("an event that is not JSON", message, error);
          }
        });
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof Problem && error.status === 401) {
        report(error);
        return;
      }
    }
    if (signal.aborted) return;
    if (wait) {
      const ms = Math.round(delay * (0.8 + Math.random() * 0.4));
      setLive("retrying", `Live: reconnecting in ${Math.ceil(ms / 1000)} s`);
      await sleep(ms);
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }
}

function applyEvent(event) {
  switch (event.type) {
    case "task.created":
    case "task.updated":
      if (event.task) place(event.task);
      break;
    case "task.deleted":
      remove(event.task_id);
      break;
    case "list.created":
    case "list.updated":
    case "list.deleted":
      loadListsSoon();
      return;
    case "task.reminder":
      // A reminder changes no task: a listed one shows its latest version.
      if (event.task) {
        if (state.tasks.some((t) => t.id === event.task.id)) place(event.task);
        remind(event.task);
      }
      break;
    default:
      return;
  }
  refreshMeta();
}

/** A reminder: a notification where the user allowed them, a banner otherwise. */
function remind(task) {
  const due = task.due_date ? ` (due ${dueText(task)})` : "";
  if ("Notification" in window && Notification.permission === "granted") {
    new Notification(`Reminder: ${task.title}`, { body: `${task.title}${due}`, tag: `task-${task.id}` });
  } else {
    showBanner(`Reminder: ${task.title}${due}`);
  }
}

function updateNotifyButton() {
  $("notify").hidden = !("Notification" in window) || Notification.permission !== "default";
}

// ------------------------------------------------------------ start

/** Offers the development sign-in where the service's document lists the route. */
async function offerDevTokens() {
  try {
    const response = await fetch("/api/openapi.json", { headers: zoneHeader() });
    const document_ = await response.json();
    $("dev-form").hidden = !document_.paths?.["/_dev/token"];
  } catch {
    $("dev-form").hidden = true;
  }
}

function wire() {
  $("dev-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const userId = $("dev-user").value.trim();
    try {
      const { token, user_id: user } = await devToken(userId);
      await signIn(token, user, true);
    } catch (error) {
      showAlert(error);
    }
  });
  $("token-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = $("token").value.trim().replace(/^bearer\s+/i, "");
    const userId = $("token-user").value.trim() || jwtSubject(token);
    if (!userId) {
      showAlert(new Problem(0, { detail: "This token names no user (no sub claim): enter the user id." }));
      $("token-user").focus();
      return;
    }
    await signIn(token, userId, false);
  });
  $("sign-out").addEventListener("click", signOut);
  $("notify").addEventListener("click", async () => {
    await Notification.requestPermission();
    updateNotifyButton();
  });
  $("new-task").addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = event.target.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await createTask(event.target);
    } catch (error) {
      report(error);
    } finally {
      button.disabled = false;
    }
  });
  pairDueFields($("new-due"), $("new-due-time"));
  $("new-recurrence-box").replaceWith(newRecurrence.element);
  wireLists();
  const filters = $("filters");
  const apply = () => {
    const data = new FormData(filters);
    Object.assign(state.filter, {
      // Disabled (the Today view), the status select keeps the choice it had.
      status: $("filter-status").disabled ? state.filter.status : String(data.get("status")),
      sort: String(data.get("sort")),
      order: String(data.get("order")),
      q: String(data.get("q")),
    });
    reload().catch(report);
  };
  filters.addEventListener("change", apply);
  filters.querySelector("#filter-q").addEventListener("input", debounce(apply, 300));
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    apply();
  });
  for (const button of $("views").querySelectorAll("button[data-view]")) {
    button.addEventListener("click", () => setView(button.dataset.view));
  }
  $("more").addEventListener("click", () => loadMore().catch(report));
}

const newRecurrence = recurrencePicker("new-recurrence");
wire();
rereadAtMidnight();
offerDevTokens();
const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "null");
if (saved?.token && saved?.userId) {
  if (saved.list === "none" || Number.isInteger(saved.list)) state.list = saved.list;
  signIn(saved.token, saved.userId, Boolean(saved.dev));
}
