-- W6-auth: the OpenID Connect authorization request (OpenID Connect Core 1.0 §3.1.2.1, with PKCE
-- S256, RFC 7636 §4.3) of the signed-in person for a client they always allow: our session and
-- oidc-provider's cookies (the file "oidc-cookie"), no page, a 303 to the redirect_uri with a code
-- (§3.1.2.5) and iss (RFC 9207 §2), and no error (§3.1.2.6). The Connect counterpart of W3.
-- args[2] is the request path, args[3] the redirect_uri, args[4] the file prefix under which each
-- thread records the Location of every answer: those codes are W6's input, each exchanged once.
local common = dofile(string.match(debug.getinfo(1, "S").source, "^@(.*/)") .. "common.lua")

local req, redirect_uri, out
function init(args)
  common.init(args)
  req = wrk.format("GET", args[2], { ["Cookie"] = common.cookie("oidc-cookie") })
  redirect_uri = args[3]
  out = common.recorder(args[4])
end

function request()
  return req
end

function check(status, headers, body)
  if status ~= 303 then return "status" end
  local location = common.header(headers, "location")
  if location == nil or string.sub(location, 1, #redirect_uri + 1) ~= redirect_uri .. "?" then return "not to the redirect_uri" end
  if string.find(location, "[?&]error=") then return "error answer" end
  if not string.find(location, "[?&]code=") then return "no code" end
  if not string.find(location, "[?&]iss=") then return "no iss" end
  if out ~= nil then out:write(location, "\n") end
  return nil
end
