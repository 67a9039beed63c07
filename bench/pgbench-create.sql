-- The statement the service runs for POST /api/{user}/tasks.
\set u random(0, :users - 1)
INSERT INTO "tasks" ("created_at", "updated_at", "user_id", "title", "description", "completed", "priority", "due_date", "completed_at", "version", "search_text") VALUES (now(), now(), 'bench-user-' || lpad(:u::text, 5, '0'), 'bench', NULL, false, 1, NULL, NULL, 1, 'bench') RETURNING "created_at", "updated_at", "id", "user_id", "title", "description", "completed", "priority", "due_date", "completed_at", "version", "search_text";
