#!/usr/bin/env bash
# Relay benchmark: our service single-instance (SQLite) vs. two instances behind Redis with
# every pair split across them. Prints a Markdown table and keeps it in bench/results/.
#
#   bench/run.sh                       # defaults below
#   BENCH_DURATION=60 BENCH_PAIRS=200 bench/run.sh
#
# Env: BENCH_DURATION (s, 20), BENCH_WARMUP (s, 5), BENCH_PAIRS (100), BENCH_RATE (paced
# total msg/s for the light-load rows, one row per value, "5000 1000"), BENCH_PROCESSES (load generator processes, 1),
# BENCH_IDLE (s of the no-client baseline, 10).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
duration=${BENCH_DURATION:-20}
warmup=${BENCH_WARMUP:-5}
pairs=${BENCH_PAIRS:-100}
rates=${BENCH_RATE:-5000 1000}
processes=${BENCH_PROCESSES:-1}
idle=${BENCH_IDLE:-10}
# Any 32+ byte key: the generator mints its own HS256 tokens with it.
key="bench-only-signing-key-$(date +%s)-0123456789abcdef"

work=$(mktemp -d /tmp/signaling-bench.XXXXXX)
pids=()
cleanup() {
  # Stop exactly what this script started, by PID.
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

log() { echo "[bench] $*" >&2; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_http() {
  local url=$1
  for _ in $(seq 1 150); do
    curl -sf -o /dev/null "$url" && return 0
    sleep 0.2
  done
  log "no answer from $url"; return 1
}

stop_pid() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local kept=()
  for p in "${pids[@]}"; do [[ $p == "$1" ]] || kept+=("$p"); done
  pids=("${kept[@]}")
}

log "building Release"
dotnet build Signaling.sln -c Release -warnaserror -nologo -v q >&2

if ! command -v redis-server >/dev/null 2>&1; then
  log "installing redis-server"
  sudo_cmd=""; [[ $(id -u) == 0 ]] || sudo_cmd=sudo
  $sudo_cmd apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq redis-server >/dev/null
  # The package starts a system instance we do not use.
  ($sudo_cmd service redis-server stop >/dev/null 2>&1 || true)
fi

hub_dll=$root/Signaling.Hub/bin/Release/net10.0/Signaling.Hub.dll
bench_dll=$root/bench/Signaling.Bench/bin/Release/net10.0/Signaling.Bench.dll

# Starts one hub; sets $hub_pid and $hub_url. Extra args are ASP.NET Core --Key=Value settings.
start_hub() {
  local name=$1; shift
  local port; port=$(free_port)
  mkdir -p "$work/$name"
  # The rate limiter (200 calls/s, burst 1000 per connection by default) would throttle a closed
  # loop: raised here so the bench measures relay cost, not the limiter.
  ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production \
    dotnet "$hub_dll" --urls "http://127.0.0.1:$port" \
    --Logging:LogLevel:Default=Warning \
    --Signaling:Jwt:SigningKey="$key" \
    --Signaling:Storage:Sqlite:Path="$work/$name/db" \
    --Signaling:Files:Directory="$work/$name/files" \
    --Signaling:RateLimits:HubPermitsPerSecond=1000000 \
    --Signaling:RateLimits:HubBurst=1000000 \
    "$@" >"$work/$name.log" 2>&1 &
  hub_pid=$!
  pids+=("$hub_pid")
  hub_url="http://127.0.0.1:$port"
  wait_http "$hub_url/health/ready" || { cat "$work/$name.log" >&2; exit 1; }
  log "$name pid $hub_pid at $hub_url"
}

start_redis() {
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --dir "$work" >"$work/redis.log" 2>&1 &
  redis_pid=$!
  pids+=("$redis_pid")
  for _ in $(seq 1 50); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  log "redis pid $redis_pid on port $redis_port"
}

rows=()
# run_relay <label> <watch list> <rate or 0> <url>...
run_relay() {
  local label=$1 watch=$2 load=$3; shift 3
  local urls=()
  for u in "$@"; do urls+=(--url "$u"); done
  local rate_args=()
  [[ $load == 0 ]] || rate_args=(--rate "$load")
  log "run: $label"
  local row
  row=$(dotnet "$bench_dll" relay "${urls[@]}" --signing-key "$key" --pairs "$pairs" \
    --duration "$duration" --warmup "$warmup" --processes "$processes" \
    --watch "$watch" --label "$label" ${rate_args[@]+"${rate_args[@]}"})
  rows+=("$row")
}

# Background CPU of the targets with no client at all: the floor under the per-message figures.
run_idle() {
  local label=$1 watch=$2 url=$3
  log "idle: $label"
  rows+=("$(dotnet "$bench_dll" relay --url "$url" --signing-key "$key" --pairs 0 --warmup 0 \
    --duration "$idle" --watch "$watch" --label "$label")")
}

loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg)

# (a) one instance, embedded SQLite store, no Redis.
start_hub single
run_idle "single (SQLite)" "hub=$hub_pid" "$hub_url"
run_relay "single (SQLite)" "hub=$hub_pid" 0 "$hub_url"
for rate in $rates; do
  run_relay "single (SQLite)" "hub=$hub_pid" "$rate" "$hub_url"
done
stop_pid "$hub_pid"

# (b) two instances sharing Redis (store + backplane); every pair has A on one, B on the other.
start_redis
redis_args=(--Signaling:Storage:Provider=Redis --Signaling:Redis:ConnectionString="127.0.0.1:$redis_port" --Signaling:Redis:KeyPrefix=bench:)
start_hub hub1 "${redis_args[@]}"; hub1_pid=$hub_pid; hub1_url=$hub_url
start_hub hub2 "${redis_args[@]}"; hub2_pid=$hub_pid; hub2_url=$hub_url
run_idle "cross-instance (2 × Redis)" "hub1=$hub1_pid,hub2=$hub2_pid,redis=$redis_pid" "$hub1_url"
run_relay "cross-instance (2 × Redis)" "hub1=$hub1_pid,hub2=$hub2_pid,redis=$redis_pid" 0 "$hub1_url" "$hub2_url"
for rate in $rates; do
  run_relay "cross-instance (2 × Redis)" "hub1=$hub1_pid,hub2=$hub2_pid,redis=$redis_pid" "$rate" "$hub1_url" "$hub2_url"
done
stop_pid "$hub1_pid"; stop_pid "$hub2_pid"; stop_pid "$redis_pid"

mkdir -p bench/results
out=bench/results/$(date -u +%Y%m%dT%H%M%SZ).md
{
  echo "# Relay benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(free -m | awk '/Mem:/ {print $2}') MiB RAM"
  echo "- .NET SDK $(dotnet --version), $(redis-server --version | cut -d' ' -f1-3)"
  echo "- load average before: $loadavg_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- pairs $pairs, warmup ${warmup} s, measured ${duration} s, generator processes $processes, paced rates: $rates msg/s"
  echo "- command: BENCH_DURATION=$duration BENCH_WARMUP=$warmup BENCH_PAIRS=$pairs BENCH_RATE='$rates' BENCH_PROCESSES=$processes BENCH_IDLE=$idle bench/run.sh"
  echo
  dotnet "$bench_dll" md-header
  printf '%s\n' "${rows[@]}"
} | tee "$out"
log "written to $out"
