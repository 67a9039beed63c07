-- wrk script: requests of many users, each with that user's own token.
-- SCENARIO (env): list | list_tag | list_position | feed | mcp_list | get | create |
-- toggle | move | mix
-- (80 % reads, 20 % writes)
-- TOKENS (env): file of "user_id token" lines; PER_USER: tasks per user.
local scenario = os.getenv("SCENARIO") or "list"
local per_user = tonumber(os.getenv("PER_USER") or "50")
local users, tokens = {}, {}
for line in io.lines(os.getenv("TOKENS")) do
  local user, token = line:match("^(%S+) (%S+)$")
  users[#users + 1] = user
  tokens[#tokens + 1] = token
end

function init(args)
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0))
end

local function pick()
  local i = math.random(#users)
  local index = tonumber(users[i]:match("(%d+)$"))
  local id = index * per_user + math.random(per_user)
  return users[i], tokens[i], id
end

local function build(kind)
  local user, token, id = pick()
  local headers = { ["Authorization"] = "Bearer " .. token }
  if kind == "list" then
    return wrk.format("GET", "/api/" .. user .. "/tasks", headers)
  elseif kind == "list_tag" then
    return wrk.format("GET", "/api/" .. user .. "/tasks?tag=work", headers)
  elseif kind == "list_position" then
    -- The person's own order (fractional positions).
    return wrk.format("GET", "/api/" .. user .. "/tasks?sort=position", headers)
  elseif kind == "move" then
    -- One task right after another of the same user's (both in the inbox).
    local after = id - ((id - 1) % per_user) - 1 + math.random(per_user)
    if after == id then after = nil end
    headers["Content-Type"] = "application/json"
    local body = after and ('{"after_id":' .. after .. '}') or '{}'
    return wrk.format("POST", "/api/" .. user .. "/tasks/" .. id .. "/move", headers, body)
  elseif kind == "feed" then
    -- A page of the change feed: the user's 50 seeded events.
    return wrk.format("GET", "/api/" .. user .. "/events?after=0&limit=50", headers)
  elseif kind == "mcp_list" then
    -- The same list through the MCP endpoint: tools/call list_tasks.
    headers["Content-Type"] = "application/json"
    headers["Accept"] = "application/json, text/event-stream"
    headers["MCP-Protocol-Version"] = "2025-06-18"
    return wrk.format("POST", "/mcp", headers,
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_tasks","arguments":{}}}')
  elseif kind == "get" then
    return wrk.format("GET", "/api/" .. user .. "/tasks/" .. id, headers)
  elseif kind == "create" then
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", "/api/" .. user .. "/tasks", headers, '{"title":"bench task"}')
  else
    return wrk.format("PATCH", "/api/" .. user .. "/tasks/" .. id .. "/complete", headers)
  end
end

function request()
  if scenario ~= "mix" then
    return build(scenario)
  end
  local r = math.random(100)
  if r <= 40 then return build("list")
  elseif r <= 80 then return build("get")
  elseif r <= 90 then return build("create")
  else return build("toggle") end
end

function done(summary, latency, requests)
  local total_errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout + summary.errors.status
  io.write(string.format(
    'RESULT {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"errors":%d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, total_errors))
end
