-- W5: checkid_immediate in smart mode: the RP associated once (DH-SHA256, HMAC-SHA256) and sends
-- its assoc_handle; the provider signs each assertion with that shared association. args[2] is
-- the request path, args[3] "openid.assoc_handle=<handle>" as the Location carries it (not a secret: it travels in every URL), args[4] a file
-- prefix under which each thread records its first few Locations, whose signatures run.ts
-- verifies with the MAC key it decrypted.
local common = dofile(string.match(debug.getinfo(1, "S").source, "^@(.*/)") .. "common.lua")

local req, handle, out, kept
function init(args)
  common.init(args)
  req = wrk.format("GET", args[2], { ["Cookie"] = common.cookie() })
  handle = args[3]
  out = common.recorder(args[4])
  kept = 0
end

function request()
  return req
end

function check(status, headers, body)
  local reason, location = common.check_id_res(status, headers)
  if reason ~= nil then return reason end
  if not common.contains(location, handle) then return "not signed with the RP's association" end
  if out ~= nil and kept < 20 then
    kept = kept + 1
    out:write(location, "\n")
    out:flush()
  end
  return nil
end
