#!/usr/bin/env bash
# Restart storm: N connections in rooms of 4 (each with its own JWT) on the service; the instance
# gets SIGTERM, and once it has exited a new process starts on the same port and the same store;
# every client it held reconnects as @microsoft/signalr's withAutomaticReconnect() does (negotiate,
# WebSocket, handshake; retries after 0, 2, 10 and 30 s, each delay ±STORM_JITTER, then gives up)
# and rejoins its room. Reports, from the new process's first 200 on /health/live, when the last
# client was back, the failures, the new process's CPU, and whether every room has all its members
# active again (asked of the service). Exits non-zero if a client gave up or a room is short.
#
#   bench/storm.sh                                  # 10,000 connections, SQLite
#   STORM_STORE=redis bench/storm.sh                # 2 instances behind one Redis, restart one
#   STORM_CONNECTIONS=200 STORM_OUT=- bench/storm.sh   # the smoke scripts/test.sh runs
#
# Env: STORM_CONNECTIONS (10000), STORM_STORE (sqlite | redis: two instances, members 0 and 2 of
# every room on the restarted one, 1 and 3 on the other), STORM_PROCESSES (generator processes;
# one per 5,000 connections, at least 2), STORM_JITTER (0.2: each retry delay × a uniform factor in
# [0.8, 1.2]), STORM_HUB_ENV (NAME=value settings for the service processes only, for A/B runs),
# STORM_HUB_ARGS (extra --Key=Value settings for the service processes), STORM_OUT (results file;
# default bench/results/<UTC time>-storm-<store>.md; "-" for none), STORM_NO_BUILD=1 (skip the build),
# STORM_LOGS (a directory the service logs are copied to at the end), STORM_HUB_DLL (the service
# build to run instead of this tree's, for A/B runs of two builds), BENCH_HUB_BUILD (production, the
# default: the self-contained ReadyToRun composite publish; jit: the `dotnet build` output).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
connections=${STORM_CONNECTIONS:-10000}
store=${STORM_STORE:-sqlite}
case $store in sqlite|redis) ;; *) echo "STORM_STORE must be sqlite or redis" >&2; exit 2 ;; esac
processes=${STORM_PROCESSES:-$(( (connections + 4999) / 5000 ))}
((processes >= 2)) || processes=2
jitter=${STORM_JITTER:-0.2}
out=${STORM_OUT:-bench/results/$(date -u +%Y%m%dT%H%M%SZ)-storm-$store.md}
# Any 32+ byte key: the generator mints every client's HS256 token with it.
key="storm-only-signing-key-$(date +%s)-0123456789abcdef"

work=$(mktemp -d /tmp/signaling-storm.XXXXXX)
pids=()
cleanup() {
  # Stop exactly what this script started, by PID, last started first: Redis (started first) goes
  # only once the services that use it have stopped, so their logs do not end in Redis errors.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
  if [[ -n ${STORM_LOGS:-} ]]; then mkdir -p "$STORM_LOGS" && cp "$work"/*.log "$work/storm.out" "$STORM_LOGS"/ 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

log() { echo "[storm] $(date -u +%H:%M:%S.%3N) $*" >&2; }
now_ms() { date +%s%3N; }
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
forget_pid() {
  local kept=()
  for p in "${pids[@]}"; do [[ $p == "$1" ]] || kept+=("$p"); done
  pids=(${kept[@]+"${kept[@]}"})
}

if [[ ${STORM_NO_BUILD:-} != 1 ]]; then
  log "building Release"
  dotnet build Signaling.Hub/Signaling.Hub.csproj -c Release -warnaserror -nologo -v q >&2
  dotnet build bench/Signaling.Bench/Signaling.Bench.csproj -c Release -warnaserror -nologo -v q >&2
fi
if [[ -n ${STORM_HUB_DLL:-} ]]; then
  hub_cmd=(dotnet "$STORM_HUB_DLL")
else
  # shellcheck source=bench/hub-build.sh
  source "$root/bench/hub-build.sh"
  prepare_hub "$root" "$work/hub"
fi
bench_dll=$root/bench/Signaling.Bench/bin/Release/net10.0/Signaling.Bench.dll

store_args=()
if [[ $store == redis ]]; then
  command -v redis-server >/dev/null 2>&1 || { log "STORM_STORE=redis needs redis-server (apt-get install redis-server)"; exit 1; }
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --dir "$work" >"$work/redis.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  store_args=(--Signaling:Storage:Provider=Redis --Signaling:Redis:ConnectionString="127.0.0.1:$redis_port" --Signaling:Redis:KeyPrefix=storm:)
fi

# start_hub <name> <port>: starts one service process, sets $hub_pid; the same name is the same store.
# The HTTP limiter (600 requests/min per address) would refuse the final room count, made from one
# address; hub connections are not rate limited.
start_hub() {
  local name=$1 port=$2
  mkdir -p "$work/$name"
  # shellcheck disable=SC2086 # STORM_HUB_ENV and STORM_HUB_ARGS are lists of words
  env ${STORM_HUB_ENV:-} ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production \
    "${hub_cmd[@]}" --urls "http://127.0.0.1:$port" \
    --Logging:LogLevel:Default=Warning \
    --Signaling:Jwt:SigningKey="$key" \
    --Signaling:Storage:Sqlite:Path="$work/$name/db" \
    --Signaling:Files:Directory="$work/$name/files" \
    --Signaling:RateLimits:HttpPermitsPerMinute=1000000 \
    ${store_args[@]+"${store_args[@]}"} ${STORM_HUB_ARGS:-} >>"$work/$name.log" 2>&1 &
  hub_pid=$!
  pids+=("$hub_pid")
}

wait_ready() {
  for _ in $(seq 1 300); do
    curl -sf -o /dev/null "$1/health/ready" && return 0
    sleep 0.2
  done
  log "no answer from $1/health/ready"; return 1
}

port1=$(free_port)
start_hub hub1 "$port1"; old_pid=$hub_pid
urls=(--url "http://127.0.0.1:$port1")
wait_ready "http://127.0.0.1:$port1" || { cat "$work/hub1.log" >&2; exit 1; }
if [[ $store == redis ]]; then
  port2=$(free_port)
  start_hub hub2 "$port2"
  urls+=(--url "http://127.0.0.1:$port2")
  wait_ready "http://127.0.0.1:$port2" || { cat "$work/hub2.log" >&2; exit 1; }
fi
log "service pid $old_pid on port $port1 ($store); connecting $connections clients from $processes generator processes"

mkfifo "$work/control"
exec 3<>"$work/control"
label=$store
[[ $store == sqlite ]] || label="$store, 2 instances, one restarted"
dotnet "$bench_dll" storm "${urls[@]}" --signing-key "$key" --connections "$connections" \
  --processes "$processes" --jitter "$jitter" --label "$label" <"$work/control" >"$work/storm.out" &
gen_pid=$!
pids+=("$gen_pid")
until grep -q '^CONNECTED' "$work/storm.out" 2>/dev/null; do
  kill -0 "$gen_pid" 2>/dev/null || { log "the generator stopped before all clients were connected"; exit 1; }
  sleep 0.2
done

log "all connected; SIGTERM to $old_pid"
sigterm_ms=$(now_ms)
kill -TERM "$old_pid"
wait "$old_pid" || true
exit_ms=$(now_ms)
forget_pid "$old_pid"
start_ms=$(now_ms)
start_hub hub1 "$port1"
echo "RESTART $hub_pid $sigterm_ms $exit_ms $start_ms" >&3
log "new service pid $hub_pid on port $port1"

status=0
wait "$gen_pid" || status=$?
forget_pid "$gen_pid"
report=$(sed -n '/^CONNECTED/,$p' "$work/storm.out" | tail -n +2)
if [[ $out != - ]]; then
  mkdir -p "$(dirname "$out")"
  {
    echo "# Restart storm, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(git rev-parse --short HEAD)"
    echo
    echo "Command: \`STORM_CONNECTIONS=$connections STORM_STORE=$store STORM_PROCESSES=$processes STORM_JITTER=$jitter bench/storm.sh\`; $(nproc) cores."
    echo
    echo "$report"
  } >"$out"
  log "results in $out"
fi
echo "$report"
if grep -qE '^(fail|crit)' "$work"/hub*.log; then
  log "the service logged errors:"; grep -hE -A3 '^(fail|crit)' "$work"/hub*.log | head -40 >&2
fi
exit "$status"
