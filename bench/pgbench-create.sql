-- The statements the service runs for POST /api/{user}/tasks (a title
-- only), in its transaction: the task, then its event in the outbox with
-- the per-user head (src/models/events.rs, APPEND_POSTGRES). The NOTIFY
-- for other instances is sent after the commit, batched, outside it.
-- (The task's JSON has a space after each colon: pgbench would read
-- `:null` as a variable.)
\set u random(0, :users - 1)
BEGIN;
INSERT INTO "tasks" ("created_at", "updated_at", "user_id", "title", "description", "completed", "priority", "due_date", "completed_at", "version", "search_text", "tags", "recurrence", "next_id", "remind_at") VALUES (now(), now(), 'bench-user-' || lpad(:u::text, 5, '0'), 'bench', NULL, false, 1, NULL, NULL, 1, 'bench', '', NULL, NULL, NULL) RETURNING "created_at", "updated_at", "id", "user_id", "title", "description", "completed", "priority", "due_date", "completed_at", "version", "search_text", "tags", "recurrence", "next_id", "remind_at";
WITH head AS (INSERT INTO "event_heads" ("user_id", "last_id") VALUES ('bench-user-' || lpad(:u::text, 5, '0'), 1) ON CONFLICT ("user_id") DO UPDATE SET "last_id" = "event_heads"."last_id" + 1 RETURNING "last_id"), event AS (INSERT INTO "task_events" ("user_id", "id", "kind", "task_id", "task", "at") SELECT 'bench-user-' || lpad(:u::text, 5, '0'), "last_id", 'task.created', 0, '{"created_at": "2026-11-30T12:00:00.000+00:00","updated_at": "2026-11-30T12:00:00.000+00:00","id": 0,"user_id": "bench-user-00000","title": "bench task","description": null,"completed": false,"priority": 1,"due_date": null,"completed_at": null,"version": 1,"tags": "","recurrence": null,"next_id": null,"remind_at": null,"reminded_for": null}', now() FROM head RETURNING "id") SELECT "id" FROM event;
COMMIT;
