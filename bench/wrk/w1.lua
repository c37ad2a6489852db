-- W1: GET the claimed identifier with Accept: application/xrds+xml (Yadis 1.0 §6.2.4): the XRDS
-- document with the OpenID 2.0 signon service. args[2] is the identifier's path.
local common = dofile(string.match(debug.getinfo(1, "S").source, "^@(.*/)") .. "common.lua")

local req
function init(args)
  common.init(args)
  req = wrk.format("GET", args[2], { ["Accept"] = "application/xrds+xml" })
end

function request()
  return req
end

function check(status, headers, body)
  if status ~= 200 then return "status" end
  if not common.contains(common.header(headers, "content-type"), "application/xrds+xml") then return "content-type" end
  if not common.contains(body, "<Type>http://specs.openid.net/auth/2.0/signon</Type>") then return "no 2.0 signon service" end
  return nil
end
