-- W3: checkid_immediate in stateless mode (no assoc_handle) for the signed-in user at a realm
-- they always allow: 302 to return_to with openid.mode=id_res, signed with a private association.
-- args[2] is the request path, args[3] the file prefix under which each thread records the
-- Location of every positive answer: those assertions are W4's input, each checked once.
local common = dofile(string.match(debug.getinfo(1, "S").source, "^@(.*/)") .. "common.lua")

local req, out
function init(args)
  common.init(args)
  req = wrk.format("GET", args[2], { ["Cookie"] = common.cookie() })
  out = common.recorder(args[3])
end

function request()
  return req
end

function check(status, headers, body)
  local reason, location = common.check_id_res(status, headers)
  if reason ~= nil then return reason end
  if out ~= nil then out:write(location, "\n") end
  return nil
end
