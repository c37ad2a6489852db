-- W2: associate (OpenID 2.0 §8), POSTed as an RP does. args[2] names the bodies file run.ts made
-- ("w2-dh.txt": DH-SHA256 with the spec's default modulus, each line its own dh_consumer_public
-- from a pool of RP key pairs; "w2-plain.txt": HMAC-SHA256 no-encryption over HTTPS) and
-- args[3] the session: "dh" expects dh_server_public and enc_mac_key, "plain" a mac_key.
local common = dofile(string.match(debug.getinfo(1, "S").source, "^@(.*/)") .. "common.lua")

local bodies, n, session
local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
function init(args)
  common.init(args)
  bodies = common.read_lines(dir .. "/" .. args[2])
  session = args[3]
  n = id or 0
end

function request()
  n = n + 1
  return wrk.format("POST", "/openid", headers, bodies[(n % #bodies) + 1])
end

function check(status, headers, body)
  if status ~= 200 then return "status" end
  if common.contains(body, "\nerror:") or string.sub(body, 1, 6) == "error:" then return "error answer" end
  if not common.contains(body, "assoc_handle:") then return "no assoc_handle" end
  if session == "dh" then
    if not (common.contains(body, "dh_server_public:") and common.contains(body, "enc_mac_key:")) then return "no DH answer" end
  elseif not common.contains(body, "\nmac_key:") then
    return "no mac_key"
  end
  return nil
end
