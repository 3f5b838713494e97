#!/usr/bin/env bash
# The whole test suite, from a fresh clone: restores, builds, runs every test project, then
# checks that the README's run command serves /health/live. Installs what it needs itself.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
root=$(pwd)
log=$(mktemp)
results=$(mktemp -d)
trap 'rm -rf "$log" "$results"' EXIT

echo "== prerequisites"
# Scale-out tests start real redis-server processes (each on its own free loopback port, stopped
# by the PID the test recorded); install the Debian package when it is missing.
if ! command -v redis-server >/dev/null 2>&1; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq redis-server >/dev/null
  # The package starts a system-wide service on 6379; the tests never use it.
  ($sudo_cmd service redis-server stop >/dev/null 2>&1 || true)
fi
redis-server --version
# The load-balancer tests run deploy/haproxy/signaling.cfg in a real haproxy (in the foreground on a
# free loopback port, stopped by its recorded PID); install the Debian package when it is missing.
haproxy_bin=$(command -v haproxy || echo /usr/sbin/haproxy)
if [ ! -x "$haproxy_bin" ]; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq haproxy >/dev/null
  # The package may start a system-wide service with /etc/haproxy/haproxy.cfg; the tests never use it.
  ($sudo_cmd service haproxy stop >/dev/null 2>&1 || true)
fi
"$haproxy_bin" -v | sed -n 1p
# The metrics tests run a real Prometheus (in the foreground on a free loopback port with a generated
# configuration, stopped by its recorded PID); install the Debian package when it is missing.
prometheus_bin=$(command -v prometheus || echo /usr/bin/prometheus)
if [ ! -x "$prometheus_bin" ]; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  # The package may start a system-wide service on 9090; the tests never use it.
  ($sudo_cmd service prometheus stop >/dev/null 2>&1 || true)
fi
"$prometheus_bin" --version 2>&1 | sed -n 1p

echo "== build"
dotnet build Signaling.sln -c Release -warnaserror 2>&1 | tail -n 3

echo "== tests"
status=0
dotnet test Signaling.sln -c Release --no-build --logger "console;verbosity=normal" \
  --logger "trx;LogFileName=tests.trx" --results-directory "$results" 2>&1 | tee "$log" || status=$?

echo "== run command smoke test"
smoke_status=0
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
smoke_dir=$(mktemp -d)
"$root/scripts/run.sh" --urls "http://127.0.0.1:$port" --Signaling:Storage:Sqlite:Path="$smoke_dir/smoke.db" >"$smoke_dir/out.log" 2>&1 &
pid=$!
ok=0
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$port/health/live" >/dev/null 2>&1; then ok=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 1
done
# scripts/run.sh execs dotnet run, which starts the app as its child: stop both by recorded PID.
pkill -TERM -P "$pid" 2>/dev/null || true
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
if [ "$ok" = 1 ]; then
  echo "run command: /health/live answered 200"
else
  echo "run command: /health/live did not answer; its output:"; cat "$smoke_dir/out.log"; smoke_status=1
fi
rm -rf "$smoke_dir"

echo "== end-to-end tests (samples/e2e/run.sh)"
# The samples against a real service in headless Chromium, and the README's tour and docs/migrating.md's
# snippets with node. The script prints "e2e: N passed, M failed"; its counts go into the dotnet log in
# the same "Passed: N" / "Failed: M" form, so the totals below include them. A run that ends without
# that line counts as one failure.
e2e_log=$(mktemp)
"$root/samples/e2e/run.sh" 2>&1 | tee "$e2e_log" || true
e2e_line=$(grep -E '^e2e: [0-9]+ passed, [0-9]+ failed$' "$e2e_log" | tail -n 1 || true)
if [ -n "$e2e_line" ]; then
  echo "$e2e_line" | awk '{print "Passed: " $2; print "Failed: " $4}' >>"$log"
else
  echo "Failed: 1" >>"$log"
fi
rm -f "$e2e_log"

echo "== soak (1 minute; the 10-minute soak is bench/soak.sh on its own)"
# 2,000 connections join, relay numbered messages and leave in waves against a service the script
# starts and stops by PID; it exits non-zero on any lost or misrouted message, on RSS or descriptor
# growth past its bound, or when /api/stats does not come back to zero.
soak_ok=0
SOAK_DURATION=60 "$root/bench/soak.sh" && soak_ok=1

# CI keeps only the end of the output: repeat each failed test with its message and stack here.
"$root/scripts/failed-tests.py" "$results" || true

# One plain closing line for CI: totals over every test project, the browser tests, the smoke test and the soak.
passed=$( (grep -oE 'Passed: +[0-9]+' "$log" || true) | awk '{s+=$2} END {print s+0}')
failed=$( (grep -oE 'Failed: +[0-9]+' "$log" || true) | awk '{s+=$2} END {print s+0}')
[ "$ok" = 1 ] && passed=$((passed + 1)) || failed=$((failed + 1))
[ "$soak_ok" = 1 ] && passed=$((passed + 1)) || failed=$((failed + 1))
echo "tests: $passed passed, $failed failed"
if [ "$status" -ne 0 ] || [ "$smoke_status" -ne 0 ] || [ "$soak_ok" -ne 1 ] || [ "$failed" -ne 0 ]; then exit 1; fi
