#!/usr/bin/env bash
# Runs the service with the embedded SQLite store (data/signaling.db) in Development:
# a dev signing key, POST /api/dev/tokens, http://localhost:5000. Extra arguments go to the app,
# e.g. ./scripts/run.sh --urls http://127.0.0.1:8080
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
# The sample pages (/samples/browser-call/, /samples/admin-dashboard/) load @microsoft/signalr
# from samples/node_modules: install it once. Without npm the service still runs, pages aside.
if [ ! -d samples/node_modules/@microsoft/signalr ] && command -v npm >/dev/null 2>&1; then
  (cd samples && npm ci --no-audit --no-fund --loglevel=error) || echo "npm ci failed: the sample pages will not load" >&2
fi
# dotnet run prints nothing while it builds, which on a first run (restore included) takes a while.
echo "Building Signaling.Hub, then starting it (the first run restores and builds: a minute or two; it is up at 'Now listening on')" >&2
exec dotnet run --project Signaling.Hub --launch-profile Signaling.Hub -- "$@"
