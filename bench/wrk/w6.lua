-- W6: the token request (OpenID Connect Core 1.0 §3.1.3.1, RFC 6749 §4.1.3) of distinct W6-auth
-- codes, each sent once with the run's code_verifier (RFC 7636 §4.5): the thread's own list
-- (args[2]: file prefix, "-<thread id>.txt"), every line a form body. The client authenticates
-- with client_secret_basic (RFC 6749 §2.3.1), the header read from the file "oidc-client-auth".
-- Each must answer 200 with an ID token and a Bearer access token (§3.1.3.3). A code sent twice
-- is refused (RFC 6749 §4.1.2), and oidc-provider then revokes the grant and all it issued: the
-- "always allow" and every code not yet spent. When a thread's list runs out it drains and stops
-- (common.exhausted); run.ts times the run to then.
local common = dofile(string.match(debug.getinfo(1, "S").source, "^@(.*/)") .. "common.lua")

local bodies
local headers = { ["Content-Type"] = "application/x-www-form-urlencoded", ["Accept"] = "application/json" }
function init(args)
  common.init(args)
  headers["Authorization"] = common.read_value("oidc-client-auth")
  bodies = common.read_lines(dir .. "/" .. args[2] .. "-" .. tostring(id) .. ".txt")
end

function request()
  return common.send_once("POST", "/oidc/token", headers, bodies)
end

function check(status, headers, body)
  if status ~= 200 then return "status" end
  if not common.contains(body, '"id_token":"') then return "no id_token" end
  if not common.contains(body, '"access_token":"') then return "no access_token" end
  if not common.contains(body, '"token_type":"Bearer"') then return "not a Bearer token" end
  return nil
end
