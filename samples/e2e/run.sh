#!/usr/bin/env bash
# End-to-end tests against a real service: the samples in a browser, and the README's tour and
# docs/migrating.md's snippets run with node. Installs Chromium and the npm packages when missing,
# builds and starts the hub (Development, free loopback port, temporary SQLite file), runs the tests
# with a time limit, stops the hub by its PID.
# Last line: "e2e: N passed, M failed"; exit code non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
root=$(pwd)
timeout_seconds=${E2E_TIMEOUT_SECONDS:-300}

echo "== e2e prerequisites"
if [ ! -x /usr/bin/chromium ]; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi
/usr/bin/chromium --version 2>/dev/null
(cd samples && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

echo "== e2e build"
dotnet build Signaling.Hub/Signaling.Hub.csproj -c Release -warnaserror 2>&1 | tail -n 2
# The .NET sample device is part of the dashboard scenario; build it now so the test only starts it.
if [ -f samples/DotNetClient/DotNetClient.csproj ]; then
  dotnet build samples/DotNetClient/DotNetClient.csproj -c Release -warnaserror 2>&1 | tail -n 2
fi

work=$(mktemp -d)
hub_pid=""
stop_hub() {
  if [ -n "$hub_pid" ]; then
    kill -TERM "$hub_pid" 2>/dev/null || true
    wait "$hub_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop_hub EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
echo "== e2e service on $base"
# Run the built dll directly (not dotnet run) so the recorded PID is the service itself.
# STUN is disabled: there is no internet here, and host candidates on this machine suffice.
(cd Signaling.Hub && ASPNETCORE_ENVIRONMENT=Development exec dotnet bin/Release/net10.0/Signaling.Hub.dll \
  --urls "$base" \
  --Signaling:Storage:Sqlite:Path="$work/e2e.db" \
  --Signaling:Ice:StunUrls:0= \
  >"$work/hub.log" 2>&1) &
hub_pid=$!
ready=0
for _ in $(seq 1 60); do
  if curl -fsS "$base/health/live" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$hub_pid" 2>/dev/null || break
  sleep 1
done
if [ "$ready" != 1 ]; then
  echo "the service did not start; its output:"; cat "$work/hub.log"
  echo "e2e: 0 passed, 1 failed"
  exit 1
fi

echo "== e2e tests"
status=0
E2E_BASE_URL="$base" E2E_REPO_ROOT="$root" timeout --kill-after=10 "$timeout_seconds" \
  node --test --test-reporter=spec --test-concurrency=1 samples/e2e/*.test.mjs 2>&1 | tee "$work/tests.log" || status=$?

passed=$( (grep -oE '^ℹ pass [0-9]+' "$work/tests.log" || true) | awk '{s+=$3} END {print s+0}')
failed=$( (grep -oE '^ℹ fail [0-9]+' "$work/tests.log" || true) | awk '{s+=$3} END {print s+0}')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # Killed by the time limit or crashed before reporting: count it as one failure.
  echo "e2e: the test run ended with status $status"; failed=1
fi
if [ "$failed" -ne 0 ]; then
  echo "== service log (last 40 lines)"; tail -n 40 "$work/hub.log"
fi
skipped=$( (grep -oE '^ℹ skipped [0-9]+' "$work/tests.log" || true) | awk '{s+=$3} END {print s+0}')
[ "$skipped" -eq 0 ] || echo "e2e: $skipped skipped (the reasons are in the list above)"
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
