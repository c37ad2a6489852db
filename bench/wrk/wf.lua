-- Wf: the provider's cheapest route, GET /healthz: TLS, Fastify, the provider's hooks (request id,
-- security headers, metrics, access log) and one Nest route that returns a constant. No workload
-- through the same pipeline can be faster; read W1-W5 against it as well as against W0.
local common = dofile(string.match(debug.getinfo(1, "S").source, "^@(.*/)") .. "common.lua")

function init(args)
  common.init(args)
end

wrk.method = "GET"
wrk.path = "/healthz"

function check(status, headers, body)
  if status ~= 200 then return "status" end
  if not common.contains(body, '"status":"ok"') then return "body" end
  return nil
end
