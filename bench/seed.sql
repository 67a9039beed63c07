-- Seeds :users users with :per_user tasks each, as plain SQL (psql -v).
-- Rows are what the service itself writes: lowercase ASCII titles, so
-- search_text = lower(title); ids run user by user (user k owns ids
-- k*per_user+1 .. (k+1)*per_user), which the load scripts rely on.
TRUNCATE tasks RESTART IDENTITY;
INSERT INTO tasks (user_id, title, description, completed, priority, due_date,
                   completed_at, created_at, updated_at, version, search_text)
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
         || CASE WHEN n % 2 = 0 THEN E'\n' || 'some details for task ' || n ELSE '' END
FROM generate_series(0, :users - 1) AS u, generate_series(1, :per_user) AS n
ORDER BY u, n;
ANALYZE tasks;
