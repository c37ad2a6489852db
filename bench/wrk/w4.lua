-- W4: check_authentication (OpenID 2.0 §11.4.2) of distinct W3 assertions, each sent once: the
-- thread's own list (args[2]: file prefix, "-<thread id>.txt"), every line a form body with the
-- assertion's fields and openid.mode=check_authentication. Each must answer is_valid:true. When
-- a thread's list runs out it drains and stops (common.exhausted); run.ts times the run to then.
local common = dofile(string.match(debug.getinfo(1, "S").source, "^@(.*/)") .. "common.lua")

local bodies
local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
function init(args)
  common.init(args)
  bodies = common.read_lines(dir .. "/" .. args[2] .. "-" .. tostring(id) .. ".txt")
end

function request()
  return common.send_once("POST", "/openid", headers, bodies)
end

function check(status, headers, body)
  if status ~= 200 then return "status" end
  if not common.contains(body, "is_valid:true\n") then return "not is_valid:true" end
  return nil
end
