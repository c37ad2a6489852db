#!/usr/bin/env bash
# Smoke test of the built service as an operator runs it (node dist/main.js and the admin CLI in
# a directory of their own): TLS start-up with a generated certificate, health and readiness, the
# admin CLI beside the running server (shared embedded database) and a sign-in, graceful SIGTERM,
# the HTTPS-only refusal behind a plain-HTTP listener, and a misspelled configuration key stopping
# start-up.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "smoke: FAIL: $*" >&2; [ -f "$work/server.log" ] && tail -20 "$work/server.log" >&2; exit 1; }
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
wait_for() { for _ in $(seq 1 150); do if eval "$1" >/dev/null 2>&1; then return 0; fi; sleep 0.2; done; return 1; }

cd "$work"
port=$(free_port)
cat > tls.yaml <<YAML
domains:
  - name: localhost
    base_url: https://localhost:$port
server:
  host: 127.0.0.1
  port: $port
  tls: auto
YAML

echo "smoke: TLS listener with a generated certificate on port $port"
OPENID_PROVIDER_CONFIG=tls.yaml node "$repo/dist/main.js" > server.log 2>&1 &
pids+=($!); server=$!
wait_for "curl -sf --cacert data/tls/cert.pem https://localhost:$port/healthz" || fail "no answer on https://localhost:$port/healthz"
[ "$(curl -s --cacert data/tls/cert.pem https://localhost:$port/healthz)" = '{"status":"ok"}' ] || fail "healthz body"
[ "$(curl -s --cacert data/tls/cert.pem https://localhost:$port/readyz)" = '{"status":"ok","database":"ok"}' ] || fail "readyz body"
curl -sI --cacert data/tls/cert.pem "https://localhost:$port/healthz" | grep -qi '^strict-transport-security: max-age=' || fail "no HSTS header"
grep -q '"msg":"generated a self-signed development certificate' server.log || fail "certificate generation not logged"
grep -q '"fingerprint256":"' server.log || fail "certificate fingerprint not logged"
grep -q '"database":"embedded PGlite in ./data/pglite"' server.log || fail "database in use not logged"

echo "smoke: with no account yet, the log says how to create one"
grep -q "no account yet: create one with: echo 'a long passphrase' | OPENID_PROVIDER_CONFIG=$work/tls.yaml npm run cli -- user add romeo --domain localhost --password-stdin" server.log || fail "no first-account hint"

echo "smoke: the admin CLI adds a user while the server holds the embedded database (its socket)"
grep -q '"msg":"embedded database shared with the admin CLI on a Unix socket' server.log || fail "embedded database not shared"
[ "$(stat -c %a data/pglite/.s.PGSQL.5432)" = 600 ] || fail "socket mode $(stat -c %a data/pglite/.s.PGSQL.5432)"
echo 'a good password' | OPENID_PROVIDER_CONFIG=tls.yaml node "$repo/dist/cli.js" user add romeo --password-stdin | grep -q "created romeo@localhost" || fail "CLI user add while the server runs"
csrf=$(curl -s -c jar -b jar --cacert data/tls/cert.pem "https://localhost:$port/login" | grep -o 'name="csrf" value="[^"]*"' | sed 's/.*value="//; s/"$//')
[ "$(curl -s -c jar -b jar --cacert data/tls/cert.pem -o /dev/null -w '%{http_code} %{redirect_url}' --data-urlencode "csrf=$csrf" -d username=romeo --data-urlencode 'password=a good password' "https://localhost:$port/login")" = "303 https://localhost:$port/openid/romeo" ] || fail "sign-in of the user just added"

echo "smoke: graceful shutdown on SIGTERM"
kill -TERM "$server"
for _ in $(seq 1 100); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
kill -0 "$server" 2>/dev/null && fail "still running 10 s after SIGTERM"
wait "$server" && code=0 || code=$?
[ "$code" = 0 ] || fail "exit code $code after SIGTERM"
grep -q '"msg":"stopped"' server.log || fail "no 'stopped' line"

echo "smoke: the CLI works once the server is stopped (it opens the directory itself)"
[ ! -e data/pglite/.s.PGSQL.5432 ] || fail "socket left behind"
echo 'a good password' | OPENID_PROVIDER_CONFIG=tls.yaml node "$repo/dist/cli.js" user add juliet --password-stdin | grep -q "created juliet@localhost" || fail "CLI user add"

echo "smoke: plain-HTTP listener, https_only on: POST /openid from a non-proxy gets tls_required"
port2=$(free_port)
cat > plain.yaml <<YAML
domains:
  - name: localhost
    base_url: https://localhost
server:
  host: 127.0.0.1
  port: $port2
  trusted_proxies: [10.0.0.0/8]
database:
  embedded_dir: ./data/plain
YAML
OPENID_PROVIDER_CONFIG=plain.yaml node "$repo/dist/main.js" > server.log 2>&1 &
pids+=($!); server=$!
wait_for "curl -sf http://127.0.0.1:$port2/healthz" || fail "no answer on http://127.0.0.1:$port2/healthz"
body=$(curl -s -X POST -H 'Host: localhost' -H 'X-Forwarded-Proto: https' -d 'openid.mode=associate' "http://127.0.0.1:$port2/openid" -w ' %{http_code} %{content_type}')
echo "$body" | grep -q '"code":"tls_required"' || fail "POST /openid over plain HTTP: $body"
echo "$body" | grep -q ' 403 application/problem+json' || fail "status/content type: $body"
kill -TERM "$server"; wait "$server" || true

echo "smoke: a misspelled key stops start-up, naming the key"
printf 'domains:\n  - name: localhost\n    base_url: https://localhost\nsecurty:\n  https_only: false\n' > typo.yaml
set +e
OPENID_PROVIDER_CONFIG=typo.yaml node "$repo/dist/main.js" > typo.out 2> typo.err
code=$?
set -e
[ "$code" = 2 ] || fail "exit code $code for a bad config (expected 2)"
grep -q 'securty: unknown option' typo.err || fail "message: $(cat typo.err)"
grep -q "$work/typo.yaml" typo.err || fail "message does not name the file: $(cat typo.err)"

echo "smoke: all checks passed"
