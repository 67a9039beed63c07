-- The statement the service runs for GET /api/{user}/tasks when one page
-- holds all of the user's tasks (taken from its query log, DB_LOGGING=true;
-- a list with more pages adds a COUNT(*) with the same filter).
\set u random(0, :users - 1)
SELECT "tasks"."created_at", "tasks"."updated_at", "tasks"."id", "tasks"."user_id", "tasks"."title", "tasks"."description", "tasks"."completed", "tasks"."priority", "tasks"."due_date", "tasks"."completed_at", "tasks"."version", "tasks"."search_text", "tasks"."tags", "tasks"."recurrence", "tasks"."next_id", "tasks"."remind_at" FROM "tasks" WHERE "tasks"."user_id" = 'bench-user-' || lpad(:u::text, 5, '0') ORDER BY "tasks"."created_at" DESC, "tasks"."id" DESC LIMIT 101;
