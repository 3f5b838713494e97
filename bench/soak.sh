#!/usr/bin/env bash
# Soak: a few thousand connections join rooms, relay numbered messages and leave, in waves, for a
# bounded time against one service process this script starts; then checks that nothing was lost
# or misrouted, that the server's RSS and open descriptors are back within a bound, and that
# GET /api/stats is back to zero active connections and peers. Exits non-zero on any of those.
#
#   bench/soak.sh                          # 10 minutes, 2,000 connections
#   SOAK_DURATION=60 bench/soak.sh         # the 1-minute run scripts/test.sh includes
#
# Env: SOAK_DURATION (s, 600), SOAK_CONNECTIONS (2000), SOAK_RATE (numbered msg/s offered by all
# connections together, 2000), SOAK_HOLD (s a wave stays in its rooms, 10), SOAK_COHORTS (4),
# SOAK_MAX_RSS_GROWTH_MIB (512: end minus start, see docs/reliability.md), SOAK_MAX_FD_GROWTH (64:
# SQLite pools connections, three descriptors each, and assemblies load lazily; the server's
# sockets are bounded separately, at +4), SOAK_HUB_ENV (NAME=value settings for the service process
# only, for A/B runs of runtime knobs, e.g. SOAK_HUB_ENV="DOTNET_GCConserveMemory=5").
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
duration=${SOAK_DURATION:-600}
connections=${SOAK_CONNECTIONS:-2000}
rate=${SOAK_RATE:-2000}
hold=${SOAK_HOLD:-10}
cohorts=${SOAK_COHORTS:-4}
max_rss=${SOAK_MAX_RSS_GROWTH_MIB:-512}
max_fd=${SOAK_MAX_FD_GROWTH:-64}
# Any 32+ byte key: the generator mints its own HS256 tokens with it.
key="soak-only-signing-key-$(date +%s)-0123456789abcdef"

work=$(mktemp -d /tmp/signaling-soak.XXXXXX)
hub_pid=""
cleanup() {
  # Stop exactly the process this script started, by its PID.
  if [[ -n $hub_pid ]]; then
    kill "$hub_pid" 2>/dev/null || true
    wait "$hub_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

log() { echo "[soak] $*" >&2; }

dotnet build Signaling.Hub/Signaling.Hub.csproj -c Release -warnaserror -nologo -v q >&2
dotnet build bench/Signaling.Bench/Signaling.Bench.csproj -c Release -warnaserror -nologo -v q >&2
hub_dll=$root/Signaling.Hub/bin/Release/net10.0/Signaling.Hub.dll
bench_dll=$root/bench/Signaling.Bench/bin/Release/net10.0/Signaling.Bench.dll

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
url="http://127.0.0.1:$port"
# Rooms left empty are removed after 30 s instead of 5 min, so the janitor's cleanup runs during
# the soak and the end sample shows whether removed rooms really free their memory.
# shellcheck disable=SC2086 # SOAK_HUB_ENV is a list of NAME=value words
env ${SOAK_HUB_ENV:-} ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production \
  dotnet "$hub_dll" --urls "$url" \
  --Logging:LogLevel:Default=Warning \
  --Signaling:Jwt:SigningKey="$key" \
  --Signaling:Storage:Sqlite:Path="$work/signaling.db" \
  --Signaling:Files:Directory="$work/files" \
  --Signaling:Rooms:EmptyRoomTimeout=00:00:30 \
  >"$work/hub.log" 2>&1 &
hub_pid=$!
ready=0
for _ in $(seq 1 150); do
  if curl -sf -o /dev/null "$url/health/ready"; then ready=1; break; fi
  kill -0 "$hub_pid" 2>/dev/null || break
  sleep 0.2
done
if [[ $ready != 1 ]]; then log "the service did not become ready:"; cat "$work/hub.log" >&2; exit 1; fi
log "service pid $hub_pid at $url; soaking for ${duration} s with $connections connections"

status=0
dotnet "$bench_dll" soak --url "$url" --signing-key "$key" --hub-pid "$hub_pid" \
  --connections "$connections" --duration "$duration" --rate "$rate" --hold "$hold" --cohorts "$cohorts" \
  --max-rss-growth-mib "$max_rss" --max-fd-growth "$max_fd" || status=$?

if ! kill -0 "$hub_pid" 2>/dev/null; then log "the service died during the soak"; status=1; fi
if grep -qE '^(fail|crit)' "$work/hub.log"; then
  log "the service logged errors:"; grep -E -A3 '^(fail|crit)' "$work/hub.log" | head -40 >&2
fi
exit "$status"
