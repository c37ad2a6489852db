-- W0: the bare Fastify "hello" route (bench/hello-server.ts).
local common = dofile(string.match(debug.getinfo(1, "S").source, "^@(.*/)") .. "common.lua")

function init(args)
  common.init(args)
end

wrk.method = "GET"
wrk.path = "/hello"

function check(status, headers, body)
  if status ~= 200 then return "status" end
  if body ~= "hello" then return "body" end
  return nil
end
