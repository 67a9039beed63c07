-- Seeds :users users with :per_user tasks each, as plain SQL (psql -v).
-- Rows are what the service itself writes: lowercase ASCII titles, so
-- search_text = lower(title); ids run user by user (user k owns ids
-- k*per_user+1 .. (k+1)*per_user), which the load scripts rely on.
-- Tags as the service writes them: every 2nd task `home`, every 5th `work`
-- (so `tag=work` lists 10 of a user's 50), in `task_tags` and joined in
-- `tasks.tags`.
TRUNCATE tasks RESTART IDENTITY CASCADE;
INSERT INTO tasks (user_id, title, description, completed, priority, due_date,
                   completed_at, created_at, updated_at, version, search_text, tags, position)
SELECT 'bench-user-' || lpad(u::text, 5, '0'),
       'task ' || n || ' of user ' || u,
       CASE WHEN n % 2 = 0 THEN 'some details for task ' || n ELSE NULL END,
       n % 4 = 0,
       (n % 3)::smallint,
       CASE WHEN n % 3 = 0 THEN NULL ELSE now() + (n || ' days')::interval END,
       CASE WHEN n % 4 = 0 THEN now() ELSE NULL END,
       now() - ((:per_user - n) || ' minutes')::interval,
       now() - ((:per_user - n) || ' minutes')::interval,
       1,
       lower('task ' || n || ' of user ' || u)
         || CASE WHEN n % 2 = 0 THEN E'\n' || 'some details for task ' || n ELSE '' END,
       concat_ws(E'\n', CASE WHEN n % 2 = 0 THEN 'home' END, CASE WHEN n % 5 = 0 THEN 'work' END),
       -- Positions in creation order, as migration 8 gives existing tasks.
       'c' || substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', n / 3844 % 62 + 1, 1)
           || substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', n / 62 % 62 + 1, 1)
           || substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', n % 62 + 1, 1)
FROM generate_series(0, :users - 1) AS u, generate_series(1, :per_user) AS n
ORDER BY u, n;
INSERT INTO task_tags (task_id, user_id, name)
SELECT id, user_id, unnest(string_to_array(tags, E'\n')) FROM tasks WHERE tags <> '';
-- The feed as the service writes it: every task's `task.created` event
-- with the task as the model's JSON (`task`; the service writes the same
-- fields in its own order and spacing), ids 1..per_user per user, and the
-- heads (skipped with -v events=0).
TRUNCATE task_events, event_heads;
\if :events
INSERT INTO task_events (user_id, id, kind, task_id, task, at)
SELECT user_id, row_number() OVER (PARTITION BY user_id ORDER BY id), 'task.created', id,
       jsonb_build_object(
         'created_at', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+00:00"'),
         'updated_at', to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+00:00"'),
         'id', id, 'user_id', user_id, 'title', title, 'description', description,
         'completed', completed, 'priority', priority,
         'due_date', to_char(due_date AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+00:00"'),
         'completed_at', to_char(completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+00:00"'),
         'version', version, 'tags', tags, 'recurrence', recurrence, 'next_id', next_id,
         'remind_at', to_char(remind_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+00:00"'),
         'reminded_for', NULL
       )::text, created_at
FROM tasks t ORDER BY user_id, id;
INSERT INTO event_heads (user_id, last_id)
SELECT user_id, count(*) FROM task_events GROUP BY user_id;
VACUUM ANALYZE task_events;
\endif
-- Vacuumed and analysed now, so autovacuum does not run (and compete for
-- the two cores) in the middle of the scenarios right after seeding.
VACUUM ANALYZE tasks;
VACUUM ANALYZE task_tags;
