-- Shared by the workload scripts (loaded with dofile from their own directory). Each wrk thread
-- runs its own Lua state: counters are per thread, and done() (main state) adds them up through
-- the thread objects setup() kept.
--
-- A workload script defines check(status, headers, body), which returns nil for the one answer
-- it expects and a short reason otherwise. Every other answer counts as an error: a wrong status,
-- a wrong body, a missing header. done() prints one line, "BENCH_RESULT {json}", that run.ts reads.
--
-- wrk passes the arguments after "--": args[1] is the data directory run.ts prepared (request
-- bodies, the session cookie: files, so that no secret appears on a command line).

local common = {}
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

-- Thread state, set in init().
dir = nil
checked = 0      -- answers that passed check()
unexpected = 0   -- answers that did not
ignored = 0      -- filler answers after a list ran out (see common.exhausted)
first_error = "" -- the first reason, with the status, for the report

function common.read_file(path)
  local f = assert(io.open(path, "r"), "cannot open " .. path)
  local text = f:read("*a")
  f:close()
  return text
end

function common.read_lines(path)
  local lines = {}
  local f = io.open(path, "r")
  if f == nil then return lines end
  for line in f:lines() do
    if line ~= "" then table.insert(lines, line) end
  end
  f:close()
  return lines
end

-- The file this thread records answers in, "<dir>/<prefix>-<thread id>.txt" (nil: no prefix).
function common.recorder(prefix)
  if prefix == nil then return nil end
  return assert(io.open(dir .. "/" .. prefix .. "-" .. tostring(id) .. ".txt", "w"))
end

-- A one-line file of the data directory, trailing whitespace trimmed.
function common.read_value(name)
  return (common.read_file(dir .. "/" .. name):gsub("%s+$", ""))
end

-- A cookie header value ("name=value; ..."): the file "cookie" (our session, W3/W5) unless named
-- ("oidc-cookie": ours and oidc-provider's, W6-auth).
function common.cookie(name)
  return common.read_value(name or "cookie")
end

-- Header lookup regardless of case (Fastify sends "location", Starman "Location").
function common.header(headers, name)
  local wanted = string.lower(name)
  -- Fastify's names are lower-case already: found without lowering every name of the answer
  -- (wrk shares the machine with the server; its own work per answer lowers every figure).
  local direct = headers[wanted]
  if direct ~= nil then return direct end
  for k, v in pairs(headers) do
    if string.lower(k) == wanted then return v end
  end
  return nil
end

function common.contains(text, part)
  return text ~= nil and string.find(text, part, 1, true) ~= nil
end

-- What every positive checkid answer passes (OpenID 2.0 §10.1): a 302 to return_to with
-- openid.mode=id_res, and no invalidate_handle (the RP's handle, if any, was honoured).
-- Returns the reason it fails, or nil and the Location.
function common.check_id_res(status, headers)
  if status ~= 302 then return "status" end
  local location = common.header(headers, "location")
  if not common.contains(location, "openid.mode=id_res") then return "not id_res" end
  if common.contains(location, "openid.invalidate_handle=") then return "invalidate_handle" end
  return nil, location
end

-- Single-use requests (W4, W6): a thread whose list runs out sends /healthz as filler (ignored)
-- until the answers to its last real requests are in, then says so on stdout (run.ts notes the
-- time: wrk itself keeps its clock running until -d) and stops.
local exhausting, stopped = false, false
local sent, answered = 0, 0

function common.sent()
  sent = sent + 1
end

local function stop_when_drained()
  if exhausting and not stopped and answered >= sent then
    stopped = true
    io.stdout:write("EXHAUSTED " .. tostring(id) .. "\n")
    io.stdout:flush()
    wrk.thread:stop()
  end
end

function common.exhausted()
  exhausting = true
  stop_when_drained()
  return wrk.format("GET", "/healthz")
end

-- wrk calls request() once on thread 0's state before the load starts, to count the requests
-- a call returns (script_verify_request), and discards the result: a single-use list must not
-- spend an entry on it.
local verified = false
function common.verification_call()
  if id == 0 and not verified then
    verified = true
    return true
  end
  return false
end

-- The next request of a single-use list (W4, W6): each body once, in order, then filler.
local next_body = 0
function common.send_once(method, path, headers, bodies)
  if common.verification_call() then return wrk.format(method, path, headers, bodies[1] or "") end
  next_body = next_body + 1
  if next_body > #bodies then return common.exhausted() end
  common.sent()
  return wrk.format(method, path, headers, bodies[next_body])
end

function common.init(args)
  dir = args[1]
end

function response(status, headers, body)
  if exhausting and status == 200 and common.contains(body, '"status":"ok"') then
    ignored = ignored + 1
    return
  end
  answered = answered + 1
  local reason = check(status, headers, body)
  if reason == nil then
    checked = checked + 1
  else
    unexpected = unexpected + 1
    if first_error == "" then
      first_error = "HTTP " .. tostring(status) .. ": " .. reason .. ": " .. string.sub(body or "", 1, 200)
    end
  end
  stop_when_drained()
end

local function json_string(s)
  s = string.gsub(s, '[%c"\\]', function(c)
    if c == '"' then return '\\"' elseif c == "\\" then return "\\\\" end
    return string.format("\\u%04x", string.byte(c))
  end)
  return '"' .. s .. '"'
end

function done(summary, latency, requests)
  local c, u, i, first = 0, 0, 0, ""
  for _, t in ipairs(threads) do
    c = c + t:get("checked")
    u = u + t:get("unexpected")
    i = i + t:get("ignored")
    local e = t:get("first_error")
    if first == "" and e ~= nil then first = e end
  end
  local e = summary.errors
  io.stdout:write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"checked":%d,"unexpected":%d,"ignored":%d,' ..
    '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},"non_2xx_3xx":%d,' ..
    '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d},"first_error":%s}\n',
    summary.requests, summary.duration, summary.bytes, c, u, i,
    e.connect, e.read, e.write, e.timeout, e.status,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    json_string(first)))
  io.stdout:flush()
end

return common
