// A frontend's use of the API through types generated from its OpenAPI
// document: `run.mjs` writes ./generated/schema.d.ts with openapi-typescript
// from the running service's /api/openapi.json, then `tsc` (strict, see
// tsconfig.json) checks this file against it, and the emitted JavaScript runs
// `journey` against that same service.
//
// It calls every operation of the document with typed parameters and bodies
// (OPERATIONS below must list exactly the document's operations, or this does
// not compile), names the schemas a frontend names, and holds a few calls
// that must NOT compile: if the generated types ever degraded to `any`, or a
// parameter, enum or schema were renamed or dropped, the compile fails.
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema.d.ts";

// The schemas a frontend names. A renamed or removed schema breaks the build.
export type Task = components["schemas"]["Task"];
export type CreateTask = components["schemas"]["CreateTask"];
export type UpdateTask = components["schemas"]["UpdateTask"];
export type SetCompletion = components["schemas"]["SetCompletion"];
export type Problem = components["schemas"]["Problem"];
export type FieldError = components["schemas"]["FieldError"];
export type Priority = components["schemas"]["Priority"];
export type StatusFilter = components["schemas"]["StatusFilter"];
export type SortField = components["schemas"]["SortField"];
export type SortOrder = components["schemas"]["SortOrder"];
export type Tag = components["schemas"]["Tag"];
export type TagName = components["schemas"]["TagName"];
export type RenameTag = components["schemas"]["RenameTag"];
export type Event = components["schemas"]["Event"];
export type List = components["schemas"]["List"];
export type CreateList = components["schemas"]["CreateList"];
export type MoveTask = components["schemas"]["MoveTask"];
export type DevTokenResponse = components["schemas"]["DevTokenResponse"];

// Compile-time assertions: `Expect<Equal<A, B>>` fails unless A and B are
// the same type.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

// What a frontend relies on in a task and in a problem.
export type TaskShape = Expect<
  Equal<
    Task,
    {
      id: number;
      user_id: string;
      title: string;
      description: string | null;
      completed: boolean;
      priority: Priority;
      due_date: string | null;
      completed_at: string | null;
      created_at: string;
      updated_at: string;
      tags: string[];
      recurrence: string | null;
      next_id: number | null;
      remind_at: string | null;
      time_zone: string | null;
      all_day: boolean;
      list_id: number | null;
      parent_id: number | null;
      position: string;
    }
  >
>;
export type ListShape = Expect<
  Equal<
    List,
    {
      id: number;
      name: string;
      color: string | null;
      position: string;
      tasks: number;
      pending: number;
      created_at: string;
      updated_at: string;
    }
  >
>;
export type TaskBodyShape = Expect<
  Equal<
    Pick<CreateTask, "tags" | "recurrence" | "remind_at">,
    { tags?: TagName[] | null; recurrence?: string | null; remind_at?: string | null }
  >
>;
export type UpdateBodyShape = Expect<
  Equal<Pick<UpdateTask, "tags" | "recurrence" | "remind_at">, Pick<CreateTask, "tags" | "recurrence" | "remind_at">>
>;
export type TagShape = Expect<Equal<Tag, { name: string; tasks: number; pending: number }>>;
export type TagNameShape = Expect<Equal<TagName, string>>;
export type RenameTagShape = Expect<Equal<RenameTag, { name: TagName }>>;
export type PriorityValues = Expect<Equal<Priority, "low" | "medium" | "high">>;
export type StatusValues = Expect<Equal<StatusFilter, "all" | "pending" | "completed">>;
export type SortValues = Expect<
  Equal<SortField, "created" | "updated" | "title" | "due_date" | "priority" | "position">
>;
export type OrderValues = Expect<Equal<SortOrder, "asc" | "desc">>;
// An event of the change feed; its 200 is JSON, or the same URL as a stream.
export type EventType = components["schemas"]["EventType"];
export type EventTypeValues = Expect<
  Equal<
    EventType,
    "task.created" | "task.updated" | "task.deleted" | "task.reminder" | "list.created" | "list.updated" | "list.deleted"
  >
>;
// A task's event has `task_id` and `task`, a list's `list_id` and `list`.
export type EventShape = Expect<
  Equal<
    Event,
    {
      id: number;
      type: EventType;
      task_id?: number;
      task?: Task | null;
      list_id?: number;
      list?: List | null;
      at: string;
    }
  >
>;
export type FeedContent = Expect<
  Equal<
    paths["/api/{user_id}/events"]["get"]["responses"][200]["content"],
    { "application/json": Event[]; "text/event-stream": string }
  >
>;
export type ProblemShape = Expect<
  Equal<
    Pick<Problem, "type" | "title" | "status" | "detail">,
    { type: string; title: string; status: number; detail: string }
  >
>;
export type ProblemErrors = Expect<Equal<NonNullable<Problem["errors"]>, FieldError[]>>;
export type FieldErrorShape = Expect<Equal<FieldError, { field: string; message: string }>>;

// Every operation of the document, as "METHOD /path": computed from the
// generated `paths`, so an operation added to (or removed from) the document
// without a call here (or the call's removal) fails the compile.
type Method = "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace";
export type Operation = {
  [P in keyof paths]: {
    [M in Method]: paths[P][M] extends undefined ? never : `${Uppercase<M>} ${P & string}`;
  }[Method];
}[keyof paths];

export const OPERATIONS = [
  "GET /api/{user_id}/tasks",
  "POST /api/{user_id}/tasks",
  "GET /api/{user_id}/tasks/{id}",
  "PUT /api/{user_id}/tasks/{id}",
  "PATCH /api/{user_id}/tasks/{id}",
  "DELETE /api/{user_id}/tasks/{id}",
  "PATCH /api/{user_id}/tasks/{id}/complete",
  "POST /api/{user_id}/tasks/{id}/move",
  "GET /api/{user_id}/lists",
  "POST /api/{user_id}/lists",
  "GET /api/{user_id}/lists/{id}",
  "PATCH /api/{user_id}/lists/{id}",
  "DELETE /api/{user_id}/lists/{id}",
  "GET /api/{user_id}/tags",
  "PATCH /api/{user_id}/tags/{name}",
  "DELETE /api/{user_id}/tags/{name}",
  "GET /api/{user_id}/events",
  // In the document only where the route exists: in development with the
  // development secret, as run.mjs starts the service.
  "POST /_dev/token",
] as const satisfies readonly Operation[];
export type EveryOperationListed = Expect<Equal<(typeof OPERATIONS)[number], Operation>>;

export type Check = (name: string, ok: boolean, detail?: string) => void;

/** The query of a `Link: <...>; rel="next"` header's target, if any. */
function nextQuery(link: string | null, baseUrl: string): URLSearchParams | undefined {
  const target = link?.match(/<([^>]+)>\s*;\s*rel="?next"?/)?.[1];
  return target === undefined ? undefined : new URL(target, baseUrl).searchParams;
}

/** The `cursor` of a `Link: <...>; rel="next"` header, if any. */
function nextCursor(link: string | null, baseUrl: string): string | undefined {
  return nextQuery(link, baseUrl)?.get("cursor") ?? undefined;
}

/** The `after` of a `Link: <...>; rel="next"` header of the feed, if any. */
function nextAfter(link: string | null, baseUrl: string): number | undefined {
  const after = nextQuery(link, baseUrl)?.get("after");
  return after === null || after === undefined || !/^[0-9]+$/.test(after) ? undefined : Number(after);
}

/**
 * Calls every operation once or more against a running service, as `userId`
 * with `token`, reporting through `check`. Returns the operations called, as
 * "METHOD /schema/path" (recorded by an openapi-fetch middleware).
 */
export async function journey(baseUrl: string, token: string, userId: string, check: Check): Promise<string[]> {
  const called = new Set<string>();
  const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
  client.use({
    onRequest({ request, schemaPath }) {
      called.add(`${request.method} ${schemaPath}`);
      return undefined;
    },
  });
  const path = { user_id: userId };

  // Create, with an Idempotency-Key and every field of the body.
  const body: CreateTask = {
    title: "Buy milk",
    description: "2 litres",
    priority: "high",
    due_date: "2026-12-24T09:00:00Z",
    completed: false,
  };
  const key = `openapi-client-${Date.now()}`;
  const created = await client.POST("/api/{user_id}/tasks", {
    params: { path, header: { "Idempotency-Key": key } },
    body,
  });
  const milk: Task | undefined = created.data;
  check(
    "client: POST creates a task (201, typed Task)",
    created.response.status === 201 && milk?.title === "Buy milk" && milk.priority === "high",
    `${created.response.status} ${JSON.stringify(created.data ?? created.error)}`,
  );
  if (milk === undefined) return [...called];
  const replay = await client.POST("/api/{user_id}/tasks", {
    params: { path, header: { "Idempotency-Key": key } },
    body,
  });
  check(
    "client: the same Idempotency-Key replays the first answer",
    replay.response.status === 201 && replay.data?.id === milk.id,
    `${replay.response.status} ${JSON.stringify(replay.data ?? replay.error)}`,
  );
  const bread = await client.POST("/api/{user_id}/tasks", { params: { path }, body: { title: "Buy bread" } });
  check("client: POST with only a title (201)", bread.response.status === 201, String(bread.response.status));

  // List with every query parameter: a page of one, then the next page.
  const query = { status: "pending", sort: "due_date", order: "asc", q: "buy", limit: 1 } as const;
  const first = await client.GET("/api/{user_id}/tasks", { params: { path, query } });
  const firstPage: Task[] | undefined = first.data;
  check(
    "client: GET lists the first page (200, X-Total-Count 2, the dated task first)",
    first.response.status === 200 &&
      first.response.headers.get("X-Total-Count") === "2" &&
      firstPage?.length === 1 &&
      firstPage[0]?.id === milk.id,
    `${first.response.status} ${first.response.headers.get("X-Total-Count")} ${JSON.stringify(first.data ?? first.error)}`,
  );
  const cursor = nextCursor(first.response.headers.get("Link"), baseUrl);
  check("client: the first page links to the next (rel=next with a cursor)", cursor !== undefined, String(first.response.headers.get("Link")));
  const second = await client.GET("/api/{user_id}/tasks", { params: { path, query: { ...query, cursor } } });
  check(
    "client: GET with the cursor gets the second page",
    second.response.status === 200 && second.data?.length === 1 && second.data[0]?.id === bread.data?.id,
    `${second.response.status} ${JSON.stringify(second.data ?? second.error)}`,
  );
  const invalid = await client.GET("/api/{user_id}/tasks", { params: { path, query: { limit: 0 } } });
  const problem: Problem | undefined = invalid.error;
  check(
    "client: an invalid limit is a typed 422 problem",
    invalid.response.status === 422 && problem?.status === 422 && (problem.errors ?? []).some((e) => e.field === "limit"),
    `${invalid.response.status} ${JSON.stringify(invalid.error)}`,
  );

  // Get, then a conditional get with its ETag.
  const id = milk.id;
  const got = await client.GET("/api/{user_id}/tasks/{id}", { params: { path: { ...path, id } } });
  const etag = got.response.headers.get("ETag") ?? "";
  check("client: GET one task (200, with an ETag)", got.response.status === 200 && got.data?.id === id && etag !== "", `${got.response.status} ${etag}`);
  const unchanged = await client.GET("/api/{user_id}/tasks/{id}", {
    params: { path: { ...path, id }, header: { "If-None-Match": etag } },
  });
  check("client: GET with If-None-Match is a 304", unchanged.response.status === 304, String(unchanged.response.status));

  // PUT with If-Match, then PATCH with a stale one and without.
  const putBody: UpdateTask = { title: "Buy oat milk", due_date: null };
  const put = await client.PUT("/api/{user_id}/tasks/{id}", {
    params: { path: { ...path, id }, header: { "If-Match": etag } },
    body: putBody,
  });
  check(
    "client: PUT with If-Match (200)",
    put.response.status === 200 && put.data?.title === "Buy oat milk" && put.data.due_date === null,
    `${put.response.status} ${JSON.stringify(put.data ?? put.error)}`,
  );
  const stale = await client.PATCH("/api/{user_id}/tasks/{id}", {
    params: { path: { ...path, id }, header: { "If-Match": etag } },
    body: { priority: "low" },
  });
  check(
    "client: PATCH with a stale If-Match is a typed 412 problem",
    stale.response.status === 412 && stale.error?.status === 412,
    `${stale.response.status} ${JSON.stringify(stale.data ?? stale.error)}`,
  );
  const patched = await client.PATCH("/api/{user_id}/tasks/{id}", {
    params: { path: { ...path, id } },
    body: { description: null, priority: "low" },
  });
  check(
    "client: PATCH (200)",
    patched.response.status === 200 && patched.data?.description === null && patched.data.priority === "low",
    `${patched.response.status} ${JSON.stringify(patched.data ?? patched.error)}`,
  );

  // Complete: no body toggles, a body sets.
  const toggled = await client.PATCH("/api/{user_id}/tasks/{id}/complete", { params: { path: { ...path, id } } });
  check(
    "client: PATCH /complete without a body toggles",
    toggled.response.status === 200 && toggled.data?.completed === true && toggled.data.completed_at !== null,
    `${toggled.response.status} ${JSON.stringify(toggled.data ?? toggled.error)}`,
  );
  const setBody: SetCompletion = { completed: false };
  const set = await client.PATCH("/api/{user_id}/tasks/{id}/complete", { params: { path: { ...path, id } }, body: setBody });
  check(
    "client: PATCH /complete with a body sets",
    set.response.status === 200 && set.data?.completed === false && set.data.completed_at === null,
    `${set.response.status} ${JSON.stringify(set.data ?? set.error)}`,
  );

  // Delete with If-Match; then it is a typed 404.
  const current = set.response.headers.get("ETag") ?? "*";
  const removed = await client.DELETE("/api/{user_id}/tasks/{id}", {
    params: { path: { ...path, id }, header: { "If-Match": current } },
  });
  check("client: DELETE with If-Match (204)", removed.response.status === 204, String(removed.response.status));
  const gone = await client.GET("/api/{user_id}/tasks/{id}", { params: { path: { ...path, id } } });
  check(
    "client: the deleted task is a typed 404 problem",
    gone.response.status === 404 && gone.error?.status === 404,
    `${gone.response.status} ${JSON.stringify(gone.data ?? gone.error)}`,
  );

  // Tags, a weekly task and a reminder: create with each new field.
  const weeklyBody: CreateTask = {
    title: "Team meeting",
    tags: [" Work", "home", "work"],
    due_date: "2026-12-07T09:00:00Z",
    recurrence: "FREQ=WEEKLY;BYDAY=MO",
    remind_at: "2026-12-07T08:45:00Z",
  };
  const weekly = await client.POST("/api/{user_id}/tasks", { params: { path }, body: weeklyBody });
  const meeting: Task | undefined = weekly.data;
  check(
    "client: POST with tags, a recurrence and remind_at (201, tags trimmed, lower-cased, deduplicated, sorted)",
    weekly.response.status === 201 &&
      meeting?.tags.join() === "home,work" &&
      meeting.recurrence === "FREQ=WEEKLY;BYDAY=MO" &&
      meeting.remind_at !== null &&
      Date.parse(meeting.remind_at) === Date.parse("2026-12-07T08:45:00Z") &&
      meeting.next_id === null,
    `${weekly.response.status} ${JSON.stringify(weekly.data ?? weekly.error)}`,
  );
  if (meeting === undefined || meeting.due_date === null) return [...called];
  const report = await client.POST("/api/{user_id}/tasks", { params: { path }, body: { title: "Write report", tags: ["work"] } });
  const retagBody: UpdateTask = { tags: ["Work", "writing"], recurrence: null, remind_at: "2026-12-01T09:00:00Z" };
  const retagged = await client.PATCH("/api/{user_id}/tasks/{id}", {
    params: { path: { ...path, id: report.data?.id ?? 0 } },
    body: retagBody,
  });
  check(
    "client: POST with one tag, then PATCH replaces the set and sets remind_at (201, 200)",
    report.response.status === 201 &&
      retagged.response.status === 200 &&
      retagged.data?.tags.join() === "work,writing" &&
      retagged.data.remind_at !== null,
    `${report.response.status} ${retagged.response.status} ${JSON.stringify(retagged.data ?? retagged.error)}`,
  );
  const undated = await client.POST("/api/{user_id}/tasks", { params: { path }, body: { title: "Water plants", recurrence: "FREQ=DAILY" } });
  check(
    "client: a recurrence without a due_date is a typed 422 problem",
    undated.response.status === 422 && (undated.error?.errors ?? []).some((e) => e.field === "recurrence"),
    `${undated.response.status} ${JSON.stringify(undated.data ?? undated.error)}`,
  );

  // The list with a repeated tag= (form, explode): tasks carrying both.
  const tagged = await client.GET("/api/{user_id}/tasks", { params: { path, query: { tag: ["work", "home"] } } });
  check(
    "client: GET with tag=work&tag=home lists the tasks carrying both",
    tagged.response.status === 200 &&
      new URL(tagged.response.url).searchParams.getAll("tag").join() === "work,home" &&
      tagged.response.headers.get("X-Total-Count") === "1" &&
      tagged.data?.length === 1 &&
      tagged.data[0]?.id === meeting.id,
    `${tagged.response.status} ${tagged.response.url} ${tagged.response.headers.get("X-Total-Count")} ${JSON.stringify(tagged.data ?? tagged.error)}`,
  );

  // Completing a repeating task creates its next occurrence.
  const done = await client.PATCH("/api/{user_id}/tasks/{id}/complete", { params: { path: { ...path, id: meeting.id } } });
  const nextId = done.data?.next_id;
  check(
    "client: PATCH /complete on a repeating task creates the next one (next_id a number)",
    done.response.status === 200 && done.data?.completed === true && typeof nextId === "number",
    `${done.response.status} ${JSON.stringify(done.data ?? done.error)}`,
  );
  if (typeof nextId !== "number") return [...called];
  const next = await client.GET("/api/{user_id}/tasks/{id}", { params: { path: { ...path, id: nextId } } });
  const nextDue = Date.parse(next.data?.due_date ?? "");
  const week = 7 * 24 * 3600 * 1000;
  check(
    "client: the next occurrence is due a whole number of weeks later, with the tags, rule and reminder lead",
    next.response.status === 200 &&
      next.data?.completed === false &&
      nextDue > Date.parse(meeting.due_date) &&
      (nextDue - Date.parse(meeting.due_date)) % week === 0 &&
      next.data.tags.join() === "home,work" &&
      next.data.recurrence === meeting.recurrence &&
      nextDue - Date.parse(next.data.remind_at ?? "") === 15 * 60 * 1000,
    `${next.response.status} ${JSON.stringify(next.data ?? next.error)}`,
  );

  // The tags with their counts; rename one, delete it, delete it again.
  const counts = (tags: Tag[] | undefined) => tags?.map((t) => `${t.name}:${t.tasks}/${t.pending}`).join();
  const listed = await client.GET("/api/{user_id}/tags", { params: { path } });
  const tags: Tag[] | undefined = listed.data;
  check(
    "client: GET /tags lists each tag with its counts (200, sorted by name)",
    listed.response.status === 200 && counts(tags) === "home:2/1,work:3/2,writing:1/1",
    `${listed.response.status} ${JSON.stringify(listed.data ?? listed.error)}`,
  );
  const renameBody: RenameTag = { name: "Household" };
  const renamed = await client.PATCH("/api/{user_id}/tags/{name}", {
    params: { path: { ...path, name: "home" } },
    body: renameBody,
  });
  const household: Tag | undefined = renamed.data;
  check(
    "client: PATCH /tags/{name} renames it on every task (200, typed Tag)",
    renamed.response.status === 200 && household?.name === "household" && household.tasks === 2 && household.pending === 1,
    `${renamed.response.status} ${JSON.stringify(renamed.data ?? renamed.error)}`,
  );
  const dropped = await client.DELETE("/api/{user_id}/tags/{name}", { params: { path: { ...path, name: "household" } } });
  check("client: DELETE /tags/{name} (204)", dropped.response.status === 204, String(dropped.response.status));
  const again = await client.DELETE("/api/{user_id}/tags/{name}", { params: { path: { ...path, name: "household" } } });
  const noTag: Problem | undefined = again.error;
  check(
    "client: deleting it again is a typed 404 problem",
    again.response.status === 404 && noTag?.status === 404,
    `${again.response.status} ${JSON.stringify(again.error)}`,
  );
  const left = await client.GET("/api/{user_id}/tags", { params: { path } });
  check(
    "client: GET /tags after the delete",
    left.response.status === 200 && counts(left.data) === "work:3/2,writing:1/1",
    `${left.response.status} ${JSON.stringify(left.data ?? left.error)}`,
  );

  // The change feed, as JSON: every write above is one event (two for the
  // completion that created the next occurrence, one per task for the tag
  // rename and delete), ids 1, 2, 3, ... As "type task_id", per write; the
  // events of one write may come in any order. A `task.reminder` is the
  // service's, not a write of the journey (the fixed remind_at dates above
  // fall due one day), so the comparison leaves those out.
  const both = [`task.updated ${meeting.id}`, `task.updated ${nextId}`];
  const writes: string[][] = [
    [`task.created ${milk.id}`],
    [`task.created ${bread.data?.id}`],
    [`task.updated ${milk.id}`], // PUT
    [`task.updated ${milk.id}`], // PATCH
    [`task.updated ${milk.id}`], // /complete, toggled
    [`task.updated ${milk.id}`], // /complete, set
    [`task.deleted ${milk.id}`],
    [`task.created ${meeting.id}`],
    [`task.created ${report.data?.id}`],
    [`task.updated ${report.data?.id}`],
    [`task.updated ${meeting.id}`, `task.created ${nextId}`], // completed, and its next occurrence
    both, // the rename of "home"
    both, // the delete of "household"
  ];
  const feed = await client.GET("/api/{user_id}/events", { params: { path, query: { after: 0, limit: 1000 } } });
  // The 200 is `Event[]` as JSON or a `string` as a stream: this call asked for JSON.
  const events: Event[] | undefined = Array.isArray(feed.data) ? feed.data : undefined;
  const lastId = events?.at(-1)?.id;
  const kinds = (events ?? []).filter((e) => e.type !== "task.reminder").map((e) => `${e.type} ${e.task_id}`);
  let at = 0;
  const seen = writes.map((write) => kinds.slice(at, (at += write.length)).sort().join());
  const expected = writes.map((write) => [...write].sort().join());
  check(
    "client: GET /events lists every write as an event (200, typed Event[], ids 1, 2, 3, ..., the types and tasks of the writes)",
    feed.response.status === 200 &&
      events !== undefined &&
      events.length > 0 &&
      events.every((e, i) => e.id === i + 1 && !Number.isNaN(Date.parse(e.at))) &&
      seen.join("|") === expected.join("|") &&
      at === kinds.length,
    `${feed.response.status} got ${JSON.stringify(kinds)} want ${JSON.stringify(writes.flat())} ${JSON.stringify(feed.error ?? events?.map((e) => e.id))}`,
  );
  const [createdMilk, , putMilk] = events ?? [];
  const deletedMilk = events?.find((e) => e.type === "task.deleted");
  check(
    "client: each event carries the task after its change (null for the deletion)",
    createdMilk?.type === "task.created" &&
      createdMilk.task?.title === "Buy milk" &&
      createdMilk.task.id === milk.id &&
      putMilk?.task?.title === "Buy oat milk" &&
      deletedMilk?.task_id === milk.id &&
      deletedMilk.task === null,
    JSON.stringify([createdMilk, putMilk, deletedMilk]),
  );
  check(
    "client: the whole feed in one page: X-Last-Event-Id is its last id, no Link",
    lastId !== undefined &&
      feed.response.headers.get("X-Last-Event-Id") === String(lastId) &&
      feed.response.headers.get("Link") === null,
    `${feed.response.headers.get("X-Last-Event-Id")} ${lastId} ${feed.response.headers.get("Link")}`,
  );
  const page = await client.GET("/api/{user_id}/events", { params: { path, query: { after: 0, limit: 2 } } });
  const after = nextAfter(page.response.headers.get("Link"), baseUrl);
  check(
    "client: a page of limit=2 holds events 1 and 2 and links to the next (rel=next, after=2)",
    page.response.status === 200 &&
      Array.isArray(page.data) &&
      page.data.map((e) => e.id).join() === "1,2" &&
      page.response.headers.get("X-Last-Event-Id") === String(lastId) &&
      after === 2,
    `${page.response.status} ${page.response.headers.get("Link")} ${JSON.stringify(page.data ?? page.error)}`,
  );
  const following = await client.GET("/api/{user_id}/events", { params: { path, query: { after, limit: 2 } } });
  check(
    "client: following the Link gets events 3 and 4",
    following.response.status === 200 && Array.isArray(following.data) && following.data.map((e) => e.id).join() === "3,4",
    `${following.response.status} ${JSON.stringify(following.data ?? following.error)}`,
  );
  const ahead = await client.GET("/api/{user_id}/events", { params: { path, query: { after: (lastId ?? 0) + 1 } } });
  const beyond: Problem | undefined = ahead.error;
  check(
    "client: after beyond the last id is a typed 410 problem",
    ahead.response.status === 410 && beyond?.status === 410,
    `${ahead.response.status} ${JSON.stringify(ahead.data ?? ahead.error)}`,
  );
  const badFeed = await client.GET("/api/{user_id}/events", { params: { path, query: { after: -1, limit: 1001 } } });
  const fields = (badFeed.error?.errors ?? []).map((e) => e.field).sort().join();
  check(
    "client: a negative after and a limit over 1000 are a typed 422 problem naming both",
    badFeed.response.status === 422 && badFeed.error?.status === 422 && fields === "after,limit",
    `${badFeed.response.status} ${JSON.stringify(badFeed.data ?? badFeed.error)}`,
  );

  // The web client's development sign-in: a token for a user id.
  const minted = await client.POST("/_dev/token", { body: { user_id: userId, ttl_seconds: 600 } });
  const devToken: DevTokenResponse | undefined = minted.data;
  check(
    "client: POST /_dev/token answers a typed token for the user",
    minted.response.status === 200 && devToken?.user_id === userId && devToken.token.split(".").length === 3,
    `${minted.response.status} ${JSON.stringify(minted.data ?? minted.error)}`,
  );
  const noUser = await client.POST("/_dev/token", { body: { user_id: "" } });
  check(
    "client: an empty user id is a typed 422 problem naming user_id",
    noUser.response.status === 422 && (noUser.error?.errors ?? []).some((e) => e.field === "user_id"),
    `${noUser.response.status} ${JSON.stringify(noUser.data ?? noUser.error)}`,
  );

  // A list, two tasks in it, a move, the list renamed, then deleted.
  const listBody: CreateList = { name: "Groceries", color: "#3b82f6" };
  const newList = await client.POST("/api/{user_id}/lists", { params: { path }, body: listBody });
  const groceries: List | undefined = newList.data;
  check(
    "client: POST /lists creates a typed List (201, Location)",
    newList.response.status === 201 && groceries?.name === "Groceries" && groceries.tasks === 0 &&
      (newList.response.headers.get("Location") ?? "").endsWith(`/lists/${groceries.id}`),
    `${newList.response.status} ${JSON.stringify(newList.data ?? newList.error)}`,
  );
  if (groceries === undefined) return [...called];
  const taken = await client.POST("/api/{user_id}/lists", { params: { path }, body: { name: "groceries" } });
  check(
    "client: the same name in another case is a typed 409 problem naming name",
    taken.response.status === 409 && (taken.error?.errors ?? []).some((e) => e.field === "name"),
    `${taken.response.status} ${JSON.stringify(taken.error)}`,
  );
  const eggs = await client.POST("/api/{user_id}/tasks", { params: { path }, body: { title: "eggs", list_id: groceries.id } });
  const flour = await client.POST("/api/{user_id}/tasks", { params: { path }, body: { title: "flour", list_id: groceries.id } });
  const moveBody: MoveTask = { after_id: null };
  const moved = await client.POST("/api/{user_id}/tasks/{id}/move", {
    params: { path: { ...path, id: flour.data?.id ?? 0 } },
    body: moveBody,
  });
  const inOrder = await client.GET("/api/{user_id}/tasks", {
    params: { path, query: { list_id: String(groceries.id), sort: "position" } },
  });
  check(
    "client: POST /move puts flour first; sort=position lists the list in that order",
    moved.response.status === 200 && moved.data?.list_id === groceries.id &&
      inOrder.data?.map((t) => t.title).join() === "flour,eggs" && eggs.data?.parent_id === null,
    `${moved.response.status} ${JSON.stringify(inOrder.data ?? inOrder.error)}`,
  );
  const shown = await client.GET("/api/{user_id}/lists/{id}", { params: { path: { ...path, id: groceries.id } } });
  const lists = await client.GET("/api/{user_id}/lists", { params: { path } });
  const recoloured = await client.PATCH("/api/{user_id}/lists/{id}", {
    params: { path: { ...path, id: groceries.id } },
    body: { name: "Food", color: null },
  });
  check(
    "client: GET /lists/{id} and /lists count its tasks; PATCH renames it",
    shown.data?.tasks === 2 && shown.data.pending === 2 && lists.data?.length === 1 &&
      recoloured.data?.name === "Food" && recoloured.data.color === null,
    JSON.stringify([shown.data ?? shown.error, lists.data ?? lists.error, recoloured.data ?? recoloured.error]),
  );
  const listDeleted = await client.DELETE("/api/{user_id}/lists/{id}", {
    params: { path: { ...path, id: groceries.id }, query: { delete_tasks: true } },
  });
  const afterDelete = await client.GET("/api/{user_id}/tasks", { params: { path, query: { list_id: String(groceries.id) } } });
  check(
    "client: DELETE /lists/{id}?delete_tasks=true (204) takes its tasks",
    listDeleted.response.status === 204 && afterDelete.data?.length === 0,
    `${listDeleted.response.status} ${JSON.stringify(afterDelete.data ?? afterDelete.error)}`,
  );
  return [...called];
}

/**
 * Never called: each call below must fail to compile. If one compiles, its
 * `@ts-expect-error` is unused, which is itself an error: the generated
 * types would then be too loose for a frontend to rely on.
 */
export async function mustNotCompile(client: ReturnType<typeof createClient<paths>>): Promise<void> {
  const path = { user_id: "u" };
  // @ts-expect-error: "done" is not a status
  await client.GET("/api/{user_id}/tasks", { params: { path, query: { status: "done" } } });
  // @ts-expect-error: "newest" is not a sort key
  await client.GET("/api/{user_id}/tasks", { params: { path, query: { sort: "newest" } } });
  // @ts-expect-error: limit is a number
  await client.GET("/api/{user_id}/tasks", { params: { path, query: { limit: "10" } } });
  // @ts-expect-error: user_id is required
  await client.GET("/api/{user_id}/tasks", { params: { path: {} } });
  // @ts-expect-error: a task needs a title
  await client.POST("/api/{user_id}/tasks", { params: { path }, body: { description: "no title" } });
  // @ts-expect-error: "urgent" is not a priority
  await client.POST("/api/{user_id}/tasks", { params: { path }, body: { title: "t", priority: "urgent" } });
  // @ts-expect-error: the id is an integer
  await client.GET("/api/{user_id}/tasks/{id}", { params: { path: { ...path, id: "7" } } });
  // @ts-expect-error: the id is required
  await client.DELETE("/api/{user_id}/tasks/{id}", { params: { path } });
  // @ts-expect-error: a title is a string
  await client.PUT("/api/{user_id}/tasks/{id}", { params: { path: { ...path, id: 1 } }, body: { title: 42 } });
  // @ts-expect-error: completed is a boolean
  await client.PATCH("/api/{user_id}/tasks/{id}/complete", { params: { path: { ...path, id: 1 } }, body: { completed: "yes" } });
  // @ts-expect-error: there is no GET on /complete
  await client.GET("/api/{user_id}/tasks/{id}/complete", { params: { path: { ...path, id: 1 } } });
  // @ts-expect-error: there is no such path
  await client.GET("/api/{user_id}/todos", { params: { path } });
  // @ts-expect-error: tags are an array
  await client.POST("/api/{user_id}/tasks", { params: { path }, body: { title: "t", tags: "work" } });
  // @ts-expect-error: a tag is a string
  await client.PATCH("/api/{user_id}/tasks/{id}", { params: { path: { ...path, id: 1 } }, body: { tags: [1] } });
  // @ts-expect-error: a recurrence is an RRULE string
  await client.POST("/api/{user_id}/tasks", { params: { path }, body: { title: "t", due_date: "2026-12-07", recurrence: 5 } });
  // @ts-expect-error: tag= is an array, even of one
  await client.GET("/api/{user_id}/tasks", { params: { path, query: { tag: "work" } } });
  // @ts-expect-error: a rename needs the new name
  await client.PATCH("/api/{user_id}/tags/{name}", { params: { path: { ...path, name: "work" } }, body: {} });
  // @ts-expect-error: the tag's name is required
  await client.DELETE("/api/{user_id}/tags/{name}", { params: { path } });
  // @ts-expect-error: there is no GET on one tag
  await client.GET("/api/{user_id}/tags/{name}", { params: { path: { ...path, name: "work" } } });
  // @ts-expect-error: after is an event id, a number
  await client.GET("/api/{user_id}/events", { params: { path, query: { after: "x" } } });
  // @ts-expect-error: Last-Event-ID is a header, a string
  await client.GET("/api/{user_id}/events", { params: { path, header: { "Last-Event-ID": 5 } } });
  // @ts-expect-error: the feed is read-only
  await client.POST("/api/{user_id}/events", { params: { path } });
  const { data } = await client.GET("/api/{user_id}/tasks/{id}", { params: { path: { ...path, id: 1 } } });
  // @ts-expect-error: a task has no `done` member
  void data?.done;
  const { data: tags } = await client.GET("/api/{user_id}/tags", { params: { path } });
  // @ts-expect-error: a tag's count is `tasks`
  void tags?.[0]?.count;
}
