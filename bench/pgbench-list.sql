-- The statements the service runs for GET /api/{user}/tasks (taken from its
-- query log, DB_LOGGING=true): the total count, then the page.
\set u random(0, :users - 1)
SELECT COUNT(*) AS num_items FROM (SELECT "tasks"."created_at", "tasks"."updated_at", "tasks"."id", "tasks"."user_id", "tasks"."title", "tasks"."description", "tasks"."completed", "tasks"."priority", "tasks"."due_date", "tasks"."completed_at", "tasks"."version", "tasks"."search_text" FROM "tasks" WHERE "tasks"."user_id" = 'bench-user-' || lpad(:u::text, 5, '0')) AS "sub_query";
SELECT "tasks"."created_at", "tasks"."updated_at", "tasks"."id", "tasks"."user_id", "tasks"."title", "tasks"."description", "tasks"."completed", "tasks"."priority", "tasks"."due_date", "tasks"."completed_at", "tasks"."version", "tasks"."search_text" FROM "tasks" WHERE "tasks"."user_id" = 'bench-user-' || lpad(:u::text, 5, '0') ORDER BY "tasks"."created_at" DESC, "tasks"."id" DESC LIMIT 101;
