#!/usr/bin/env bash
# Relay benchmark, side by side in one run: our service single-instance (SQLite), two instances
# behind Redis with every pair split across them, a raw Kestrel WebSocket relay (the transport
# floor), the PeerJS server and nextcloud-spreed-signaling (behind a fake Nextcloud backend).
# Prints a Markdown table and keeps it in bench/results/.
#
#   bench/run.sh                       # defaults below
#   BENCH_DURATION=60 BENCH_PAIRS=200 bench/run.sh
#   BENCH_TARGETS="single raw" bench/run.sh
#
# Env: BENCH_TARGETS (any of single cross raw peerjs spreed, in the order given; default all but
# spreed), BENCH_SPREED_VERSION (Debian version of nextcloud-spreed-signaling to fetch; default the
# candidate apt offers), BENCH_DURATION
# (s, 20), BENCH_WARMUP (s of load before the first measured relay or fan-out row on each freshly
# started server, 30: the warm rows), BENCH_NEXT_WARMUP (s before each later row on the same, already
# warm server, 5), BENCH_COLD (s, 10: relay's cold row, measured from the first message on a freshly
# started server that just got its connections, no warm-up; with it connect gets a cold row too,
# on a fresh server with no connect warm-up; 0 leaves both out), BENCH_PAIRS (100), BENCH_RATE (paced
# total msg/s for the light-load rows, one row per value, "5000 1000"), BENCH_PROCESSES (load
# generator processes, 1; "auto" = one per CPU the generator may use, BENCH_PIN's or the machine's),
# BENCH_IDLE (s of the no-client baseline, 10).
# Every row reports the generator's own CPU over its measured window (as a share of the cores it may
# use, and the busiest generator process's share of one core) and says "generator-bound" when a
# process passed 80 % of a core or the whole generator 80 % of its cores: such a row's rate is
# partly the generator's, so only its server CPU per message compares servers.
#
# Scenarios besides relay (docs/benchmarks.md), each run for every target, each on a freshly
# started server: BENCH_SCENARIOS (any of relay fanout connect density, in that order of loops;
# "relay fanout connect"; density is heavy and opt-in), BENCH_FANOUT_SIZES (members per room, one
# row set per size, "10 50"), BENCH_FANOUT_MEMBERS (members per row over all rooms, 200),
# BENCH_FANOUT_RATE (paced rows, media state updates/s over all rooms, "100"), BENCH_CONNECTIONS
# (connect, 2000), BENCH_CONNECT_WARMUP (connect: connections opened, joined and closed per
# generator process before the measured ones, 500), BENCH_ROOM_SIZE (connect and density rooms, 4),
# BENCH_DENSITY_MAX (density, connections per server process, 19000), BENCH_SETTLE (s before idle
# RSS is read, 5).
# BENCH_PIN="<server cpus>:<generator cpus>" (e.g. "0:1"): every server, Redis and the fake
# backend run under `taskset -c <server cpus>` and the generator under `taskset -c <generator
# cpus>`, so the load generator never takes CPU from the server it measures (and each server gets
# only those cores; .NET, node and Go all size themselves to the affinity they start with).
# BENCH_PROTOCOLS: the hub protocols of this service's relay rows (single and cross), any of json
# messagepack; each load gets one row per protocol, side by side ("json messagepack").
# BENCH_HUB_ENV: extra NAME=value settings for our service's processes only (not the generator or
# the peers), for A/B runs of runtime knobs, e.g. BENCH_HUB_ENV="DOTNET_gcServer=1".
# BENCH_HUB_BUILD: production (default; the self-contained ReadyToRun composite publish operators
# run, see bench/hub-build.sh) or jit (the framework-dependent `dotnet build` output).
#
#   BENCH_SCENARIOS="fanout connect" BENCH_TARGETS="single peerjs" bench/run.sh
#   BENCH_SCENARIOS=density BENCH_TARGETS="single cross" bench/run.sh
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
duration=${BENCH_DURATION:-20}
warmup=${BENCH_WARMUP:-30}
next_warmup=${BENCH_NEXT_WARMUP:-5}
cold=${BENCH_COLD:-10}
for knob in warmup next_warmup cold; do
  [[ ${!knob} =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "BENCH_${knob^^} must be a number of seconds, e.g. 10 (got '${!knob}')" >&2; exit 2; }
done
pairs=${BENCH_PAIRS:-100}
rates=${BENCH_RATE:-5000 1000}
processes=${BENCH_PROCESSES:-1}
processes_asked=$processes
idle=${BENCH_IDLE:-10}
targets=${BENCH_TARGETS:-single cross raw peerjs}
for t in $targets; do
  case $t in single|cross|raw|peerjs|spreed) ;; *) echo "unknown target '$t' in BENCH_TARGETS (known: single cross raw peerjs spreed)" >&2; exit 2 ;; esac
done
wants() { [[ " $targets " == *" $1 "* ]]; }
scenarios=${BENCH_SCENARIOS:-relay fanout connect}
for s in $scenarios; do
  case $s in relay|fanout|connect|density) ;; *) echo "unknown scenario '$s' in BENCH_SCENARIOS (known: relay fanout connect density)" >&2; exit 2 ;; esac
done
protocols=${BENCH_PROTOCOLS:-json messagepack}
for p in $protocols; do
  case $p in json|messagepack) ;; *) echo "unknown protocol '$p' in BENCH_PROTOCOLS (known: json messagepack)" >&2; exit 2 ;; esac
done
# The label suffix of a relay row of this service: JSON rows keep the labels of earlier results.
protocol_label() { [[ $1 == json ]] || echo ", MessagePack"; }
fanout_sizes=${BENCH_FANOUT_SIZES:-10 50}
fanout_members=${BENCH_FANOUT_MEMBERS:-200}
fanout_rates=${BENCH_FANOUT_RATE:-100}
connections=${BENCH_CONNECTIONS:-2000}
connect_warmup=${BENCH_CONNECT_WARMUP:-500}
pin=${BENCH_PIN:-}
# Prefixes for server and generator commands; `env` (which execs its command, so $! stays the
# process watched) when nothing is pinned.
pin_server=(env)
pin_gen=(env)
if [[ -n $pin ]]; then
  [[ $pin =~ ^[0-9,-]+:[0-9,-]+$ ]] || { echo "BENCH_PIN must look like 0:1 (server cpus:generator cpus)" >&2; exit 2; }
  pin_server=(taskset -c "${pin%%:*}")
  pin_gen=(taskset -c "${pin##*:}")
fi
if [[ $processes == auto ]]; then
  # taskset's list may be a range ("0-1"): let nproc count what the generator will get.
  processes=$("${pin_gen[@]}" nproc)
fi
[[ $processes =~ ^[1-9][0-9]*$ ]] || { echo "BENCH_PROCESSES must be a positive number or auto" >&2; exit 2; }
room_size=${BENCH_ROOM_SIZE:-4}
density_max=${BENCH_DENSITY_MAX:-19000}
settle=${BENCH_SETTLE:-5}
# Rooms must hold the largest fan-out room (the hub's default capacity is 10).
max_members=10
for n in $fanout_sizes $room_size; do ((n > max_members)) && max_members=$n; done
# The scenario the current run_target call measures (see the loop at the end).
scenario=relay
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

if wants cross && ! command -v redis-server >/dev/null 2>&1; then
  log "installing redis-server"
  sudo_cmd=""; [[ $(id -u) == 0 ]] || sudo_cmd=sudo
  $sudo_cmd apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq redis-server >/dev/null
  # The package starts a system instance we do not use.
  ($sudo_cmd service redis-server stop >/dev/null 2>&1 || true)
fi

# shellcheck source=bench/hub-build.sh
source "$root/bench/hub-build.sh"
prepare_hub "$root" "$work/hub"
bench_dll=$root/bench/Signaling.Bench/bin/Release/net10.0/Signaling.Bench.dll
raw_dll=$root/bench/RawRelay/bin/Release/net10.0/RawRelay.dll
peerjs_dir=$root/bench/peers/peerjs
spreed_backend_dll=$root/bench/SpreedBackend/bin/Release/net10.0/SpreedBackend.dll
spreed_dir=$root/bench/peers/spreed

if wants peerjs; then
  command -v npm >/dev/null 2>&1 || { log "peerjs needs node and npm"; exit 1; }
  # The lockfile pins the exact server measured; npm ci reinstalls only when it changed.
  if [[ ! -f $peerjs_dir/node_modules/peer/package.json || $peerjs_dir/package-lock.json -nt $peerjs_dir/node_modules/.package-lock.json ]]; then
    log "installing the PeerJS server (npm ci in bench/peers/peerjs)"
    (cd "$peerjs_dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
  peerjs_version=$(node -p "require('$peerjs_dir/node_modules/peer/package.json').version")
fi

if wants spreed; then
  # Debian's package, unpacked into a gitignored cache rather than installed: no system service,
  # no postinst, no root needed once it is there. Re-fetched only when the wanted version changes.
  spreed_pkg=nextcloud-spreed-signaling${BENCH_SPREED_VERSION:+=$BENCH_SPREED_VERSION}
  spreed_bin=$spreed_dir/root/usr/bin/nextcloud-spreed-signaling-server
  if [[ ! -x $spreed_bin || ( -n ${BENCH_SPREED_VERSION:-} && $(cat "$spreed_dir/root/VERSION" 2>/dev/null) != "$BENCH_SPREED_VERSION" ) ]]; then
    log "fetching $spreed_pkg (apt-get download, unpacked in bench/peers/spreed)"
    rm -rf "$spreed_dir"; mkdir -p "$spreed_dir"
    # A fresh machine may have no package lists yet: update once and try again.
    if ! (cd "$spreed_dir" && apt-get download -q "$spreed_pkg" >"$work/apt.log" 2>&1); then
      sudo_cmd=""; [[ $(id -u) == 0 ]] || sudo_cmd=sudo
      $sudo_cmd apt-get update -qq >/dev/null
      (cd "$spreed_dir" && apt-get download -q "$spreed_pkg" >"$work/apt.log" 2>&1) || { cat "$work/apt.log" >&2; exit 1; }
    fi
    spreed_deb=$(ls "$spreed_dir"/nextcloud-spreed-signaling_*.deb)
    dpkg-deb -x "$spreed_deb" "$spreed_dir/root"
    dpkg-deb -f "$spreed_deb" Version >"$spreed_dir/root/VERSION"
  fi
  spreed_version=$(cat "$spreed_dir/root/VERSION")
fi

rand_hex() {
  python3 -c "import secrets; print(secrets.token_hex($1))"
}

# Starts one hub; sets $hub_pid and $hub_url. Extra args are ASP.NET Core --Key=Value settings.
start_hub() {
  local name=$1; shift
  local port; port=$(free_port)
  mkdir -p "$work/$name"
  # The rate limiter (200 calls/s, burst 1000 per connection by default) would throttle a closed
  # loop: raised here so the bench measures relay cost, not the limiter.
  # shellcheck disable=SC2086 # BENCH_HUB_ENV is a list of NAME=value words
  "${pin_server[@]}" env ${BENCH_HUB_ENV:-} ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production \
    "${hub_cmd[@]}" --urls "http://127.0.0.1:$port" \
    --Logging:LogLevel:Default=Warning \
    --Signaling:Jwt:SigningKey="$key" \
    --Signaling:Storage:Sqlite:Path="$work/$name/db" \
    --Signaling:Files:Directory="$work/$name/files" \
    --Signaling:RateLimits:HubPermitsPerSecond=1000000 \
    --Signaling:RateLimits:HubBurst=1000000 \
    --Signaling:Rooms:MaxParticipants="$max_members" \
    "$@" >"$work/$name.log" 2>&1 &
  hub_pid=$!
  pids+=("$hub_pid")
  hub_url="http://127.0.0.1:$port"
  wait_http "$hub_url/health/ready" || { cat "$work/$name.log" >&2; exit 1; }
  log "$name pid $hub_pid at $hub_url"
}

start_redis() {
  redis_port=$(free_port)
  "${pin_server[@]}" redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --dir "$work" >"$work/redis.log" 2>&1 &
  redis_pid=$!
  pids+=("$redis_pid")
  for _ in $(seq 1 50); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  log "redis pid $redis_pid on port $redis_port"
}

# The raw floor: Kestrel WebSockets, no SignalR. Sets $raw_pid and $raw_url.
start_raw() {
  local port; port=$(free_port)
  ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production \
    "${pin_server[@]}" dotnet "$raw_dll" --urls "http://127.0.0.1:$port" --Logging:LogLevel:Default=Warning \
    >"$work/raw.log" 2>&1 &
  raw_pid=$!
  pids+=("$raw_pid")
  raw_url="http://127.0.0.1:$port"
  wait_http "$raw_url/health" || { cat "$work/raw.log" >&2; exit 1; }
  log "raw pid $raw_pid at $raw_url"
}

# The PeerJS server's own CLI, run by node directly (not npx) so the PID watched is the server's.
# Its concurrent_limit (5,000 clients) is raised for the same reason as our rate limiter; it has
# no rate or size limit of its own, and the generator heartbeats well inside alive_timeout (60 s).
start_peerjs() {
  local port; port=$(free_port)
  "${pin_server[@]}" node "$peerjs_dir/node_modules/peer/dist/bin/peerjs.js" --host 127.0.0.1 --port "$port" \
    --concurrent_limit 1000000 >"$work/peerjs.log" 2>&1 &
  peerjs_pid=$!
  pids+=("$peerjs_pid")
  peerjs_url="http://127.0.0.1:$port"
  wait_http "$peerjs_url/" || { cat "$work/peerjs.log" >&2; exit 1; }
  log "peerjs pid $peerjs_pid at $peerjs_url"
}

# nextcloud-spreed-signaling standalone, with the fake Nextcloud (bench/SpreedBackend) it asks
# about every hello and room join. Sets $spreed_pid, $spreed_url, $spreed_backend_pid and
# $spreed_backend_url (what hellos carry).
start_spreed() {
  local secret; secret=$(rand_hex 32)
  local bport; bport=$(free_port)
  ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production \
    "${pin_server[@]}" dotnet "$spreed_backend_dll" --urls "http://127.0.0.1:$bport" --Logging:LogLevel:Default=Warning \
    --Spreed:Secret="$secret" >"$work/spreed-backend.log" 2>&1 &
  spreed_backend_pid=$!
  pids+=("$spreed_backend_pid")
  wait_http "http://127.0.0.1:$bport/health" || { cat "$work/spreed-backend.log" >&2; exit 1; }
  spreed_backend_url="http://127.0.0.1:$bport/ocs/v2.php/apps/spreed/api/v1/signaling/backend"

  local port; port=$(free_port)
  # Built from the package's sample server.conf, keeping only what a standalone, signaling-only
  # run needs: [nats] url ":loopback:" (in-process NATS; left empty it dials localhost:4222), no [mcu] (no
  # Janus: messages are relayed, not media), one backend with its own secret, default limits
  # (8 backend connections per host, 10 s backend timeout).
  cat >"$work/spreed.conf" <<EOF
[http]
listen = 127.0.0.1:$port

[app]
debug = false

[sessions]
hashkey = $(rand_hex 32)
blockkey = $(rand_hex 16)

[clients]
internalsecret = $(rand_hex 32)

[backend]
backends = bench
allowall = false
timeout = 10
connectionsperhost = 8

[bench]
url = http://127.0.0.1:$bport/
secret = $secret

[nats]
url = :loopback:

[mcu]
EOF
  "${pin_server[@]}" "$spreed_bin" -config "$work/spreed.conf" >"$work/spreed.log" 2>&1 &
  spreed_pid=$!
  pids+=("$spreed_pid")
  spreed_url="http://127.0.0.1:$port"
  wait_http "$spreed_url/api/v1/welcome" || { cat "$work/spreed.log" >&2; exit 1; }
  log "spreed pid $spreed_pid at $spreed_url, fake backend pid $spreed_backend_pid on port $bport"
}

# utime + stime of a live process, in seconds.
cpu_seconds() {
  awk -v tck="$(getconf CLK_TCK)" '{ print ($14 + $15) / tck }' "/proc/$1/stat"
}

rows=()
notes=()
# Extra generator arguments for the target being measured (set before each target's runs).
target_args=()
# 1 until the first loaded row on the server run_target just started: that row gets the full
# warm-up, later rows on the same (by then warm) server the short one.
server_fresh=1
# The like-for-like closed-loop row of each target, warm and cold, for the cold/warm ratio: set
# ratio_key around the run_relay / run_cold call of that row.
ratio_key=""
declare -A warm_row=() cold_row=()
# The delivered msg/s cell of a relay row.
row_rate() { awk -F'|' '{ gsub(/ /, "", $5); print $5 }' <<<"$1"; }
# run_relay <label> <watch list> <rate or 0> <url>...
run_relay() {
  [[ $scenario == relay ]] || return 0
  local label=$1 watch=$2 load=$3; shift 3
  local urls=()
  for u in "$@"; do urls+=(--url "$u"); done
  local rate_args=()
  [[ $load == 0 ]] || rate_args=(--rate "$load")
  local w; if ((server_fresh)); then w=$warmup; server_fresh=0; else w=$next_warmup; fi
  log "run: $label (warm-up $w s)"
  local row
  row=$("${pin_gen[@]}" dotnet "$bench_dll" relay "${urls[@]}" "${target_args[@]}" --pairs "$pairs" \
    --duration "$duration" --warmup "$w" --processes "$processes" \
    --watch "$watch" --label "$label" ${rate_args[@]+"${rate_args[@]}"})
  rows+=("$row")
  [[ $load != 0 || -z $ratio_key ]] || warm_row[$ratio_key]=$row
}

# The cold row: the first $cold s of load on a server started just before, measured from the
# first message (no warm-up), as clients find a server right after a restart or a deploy.
run_cold() {
  [[ $scenario == relay-cold ]] || return 0
  local label=$1 watch=$2; shift 2
  local urls=()
  for u in "$@"; do urls+=(--url "$u"); done
  log "cold: $label"
  local row
  row=$("${pin_gen[@]}" dotnet "$bench_dll" relay "${urls[@]}" "${target_args[@]}" --pairs "$pairs" \
    --duration "$cold" --warmup 0 --processes "$processes" \
    --watch "$watch" --label "$label, cold (first $cold s)")
  rows+=("$row")
  [[ -z $ratio_key ]] || cold_row[$ratio_key]=$row
}

# Background CPU of the targets with no client at all: the floor under the per-message figures.
run_idle() {
  [[ $scenario == relay ]] || return 0
  local label=$1 watch=$2 url=$3
  log "idle: $label"
  rows+=("$("${pin_gen[@]}" dotnet "$bench_dll" relay --url "$url" "${target_args[@]}" --pairs 0 --warmup 0 \
    --duration "$idle" --watch "$watch" --label "$label")")
}

fanout_rows=()
connect_rows=()
# run_scenarios <label> <watch list> <url>...: the current non-relay scenario against the target
# run_target just started (relay rows come from run_target's own run_idle / run_relay calls).
run_scenarios() {
  local label=$1 watch=$2; shift 2
  local urls=()
  for u in "$@"; do urls+=(--url "$u"); done
  case $scenario in
    fanout)
      local size rooms rate
      for size in $fanout_sizes; do
        rooms=$(( fanout_members / size > 0 ? fanout_members / size : 1 ))
        for rate in 0 $fanout_rates; do
          local w; if ((server_fresh)); then w=$warmup; server_fresh=0; else w=$next_warmup; fi
          log "fanout: $label, $rooms rooms of $size, rate $rate (warm-up $w s)"
          fanout_rows+=("$("${pin_gen[@]}" dotnet "$bench_dll" fanout "${urls[@]}" "${target_args[@]}" --rooms "$rooms" \
            --room-size "$size" --rate "$rate" --duration "$duration" --warmup "$w" \
            --processes "$processes" --watch "$watch" --label "$label")")
        done
      done
      ;;
    connect|connect-cold)
      # The cold row opens the first connections the fresh server ever sees; the warm one follows
      # BENCH_CONNECT_WARMUP connections per generator process, each on a server of its own.
      local cw=$connect_warmup
      [[ $scenario == connect ]] || cw=0
      log "connect: $label, $connections connections after $cw warm-up connections per process"
      connect_rows+=("$("${pin_gen[@]}" dotnet "$bench_dll" connect "${urls[@]}" "${target_args[@]}" --connections "$connections" \
        --connect-warmup "$cw" --room-size "$room_size" --settle "$settle" --processes "$processes" --watch "$watch" --label "$label")")
      ;;
    density)
      # Up to density_max per server process; the generator adds processes to stay under its own fd limit.
      log "density: $label, up to $density_max per server"
      connect_rows+=("$("${pin_gen[@]}" dotnet "$bench_dll" density "${urls[@]}" "${target_args[@]}" --max-per-server "$density_max" \
        --room-size "$room_size" --settle "$settle" --processes "$processes" --watch "$watch" --label "$label")")
      ;;
  esac
}

loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg)

run_target() {
  server_fresh=1
  case $1 in
    single)
      # One instance, embedded SQLite store, no Redis.
      target_args=(--target signaling --signing-key "$key" --no-ack)
      start_hub single
      ratio_key=single
      run_cold "single (SQLite), send()" "hub=$hub_pid" "$hub_url"
      ratio_key=""
      target_args=(--target signaling --signing-key "$key")
      run_idle "single (SQLite)" "hub=$hub_pid" "$hub_url"
      run_scenarios "single (SQLite)" "hub=$hub_pid" "$hub_url"
      for protocol in $protocols; do
        target_args=(--target signaling --signing-key "$key" --protocol "$protocol")
        run_relay "single (SQLite)$(protocol_label "$protocol")" "hub=$hub_pid" 0 "$hub_url"
      done
      # The peers have no per-message acknowledgement; ours answers every invoke() with a completion
      # (a second frame and send per relayed message). send() writes one frame per relayed message,
      # as the peers do: this is the row to compare with them.
      target_args=(--target signaling --signing-key "$key" --no-ack)
      ratio_key=single
      run_relay "single (SQLite), send()" "hub=$hub_pid" 0 "$hub_url"
      ratio_key=""
      for rate in $rates; do
        for protocol in $protocols; do
          target_args=(--target signaling --signing-key "$key" --protocol "$protocol")
          run_relay "single (SQLite)$(protocol_label "$protocol")" "hub=$hub_pid" "$rate" "$hub_url"
        done
      done
      target_args=(--target signaling --signing-key "$key")
      stop_pid "$hub_pid"
      ;;
    cross)
      # Two instances sharing Redis (store + backplane); every pair has A on one, B on the other.
      target_args=(--target signaling --signing-key "$key" --no-ack)
      start_redis
      local redis_args=(--Signaling:Storage:Provider=Redis --Signaling:Redis:ConnectionString="127.0.0.1:$redis_port" --Signaling:Redis:KeyPrefix=bench:)
      start_hub hub1 "${redis_args[@]}"; local hub1_pid=$hub_pid hub1_url=$hub_url
      start_hub hub2 "${redis_args[@]}"; local hub2_pid=$hub_pid hub2_url=$hub_url
      local watch="hub1=$hub1_pid,hub2=$hub2_pid,redis=$redis_pid"
      ratio_key=cross
      run_cold "cross-instance (2 × Redis), send()" "$watch" "$hub1_url" "$hub2_url"
      ratio_key=""
      target_args=(--target signaling --signing-key "$key")
      run_idle "cross-instance (2 × Redis)" "$watch" "$hub1_url"
      run_scenarios "cross-instance (2 × Redis)" "$watch" "$hub1_url" "$hub2_url"
      for protocol in $protocols; do
        target_args=(--target signaling --signing-key "$key" --protocol "$protocol")
        run_relay "cross-instance (2 × Redis)$(protocol_label "$protocol")" "$watch" 0 "$hub1_url" "$hub2_url"
      done
      target_args=(--target signaling --signing-key "$key" --no-ack)
      ratio_key=cross
      run_relay "cross-instance (2 × Redis), send()" "$watch" 0 "$hub1_url" "$hub2_url"
      ratio_key=""
      for rate in $rates; do
        for protocol in $protocols; do
          target_args=(--target signaling --signing-key "$key" --protocol "$protocol")
          run_relay "cross-instance (2 × Redis)$(protocol_label "$protocol")" "$watch" "$rate" "$hub1_url" "$hub2_url"
        done
      done
      target_args=(--target signaling --signing-key "$key")
      stop_pid "$hub1_pid"; stop_pid "$hub2_pid"; stop_pid "$redis_pid"
      ;;
    raw)
      target_args=(--target raw)
      start_raw
      local label="raw floor (Kestrel WebSocket)"
      ratio_key=raw
      run_cold "$label" "raw=$raw_pid" "$raw_url"
      ratio_key=""
      run_idle "$label" "raw=$raw_pid" "$raw_url"
      run_scenarios "$label" "raw=$raw_pid" "$raw_url"
      ratio_key=raw
      run_relay "$label" "raw=$raw_pid" 0 "$raw_url"
      ratio_key=""
      for rate in $rates; do
        run_relay "$label" "raw=$raw_pid" "$rate" "$raw_url"
      done
      stop_pid "$raw_pid"
      ;;
    peerjs)
      target_args=(--target peerjs)
      start_peerjs
      local label="PeerJS server $peerjs_version"
      ratio_key=peerjs
      run_cold "$label" "peerjs=$peerjs_pid" "$peerjs_url"
      ratio_key=""
      run_idle "$label" "peerjs=$peerjs_pid" "$peerjs_url"
      run_scenarios "$label" "peerjs=$peerjs_pid" "$peerjs_url"
      ratio_key=peerjs
      run_relay "$label" "peerjs=$peerjs_pid" 0 "$peerjs_url"
      ratio_key=""
      for rate in $rates; do
        run_relay "$label" "peerjs=$peerjs_pid" "$rate" "$peerjs_url"
      done
      stop_pid "$peerjs_pid"
      ;;
    spreed)
      # Relay and fan-out watch only the signaling server: the fake backend stands where Nextcloud
      # would be and is asked on hello and join, not per message (its CPU is noted below the
      # tables). Connect and density watch it too, as an auth backend: its CPU per connection is
      # part of what spreed's connect costs.
      start_spreed
      target_args=(--target spreed --spreed-backend "$spreed_backend_url")
      local label="nextcloud-spreed-signaling $spreed_version"
      local watch="spreed=$spreed_pid"
      [[ $scenario != connect* && $scenario != density ]] || watch+=",backend=$spreed_backend_pid"
      ratio_key=spreed
      run_cold "$label" "$watch" "$spreed_url"
      ratio_key=""
      run_idle "$label" "$watch" "$spreed_url"
      run_scenarios "$label" "$watch" "$spreed_url"
      ratio_key=spreed
      run_relay "$label" "$watch" 0 "$spreed_url"
      ratio_key=""
      for rate in $rates; do
        run_relay "$label" "$watch" "$rate" "$spreed_url"
      done
      [[ $scenario != relay ]] || notes+=("- fake Nextcloud backend (bench/SpreedBackend) CPU from its start to the end of the spreed relay runs (JIT, connects and joins included): $(cpu_seconds "$spreed_backend_pid") s")
      stop_pid "$spreed_pid"; stop_pid "$spreed_backend_pid"
      ;;
  esac
}

# Scenario outermost: every scenario gets freshly started servers, so connect and density read
# their RSS baseline from a process that has held no connection yet.
# A cold pass (relay-cold, connect-cold) runs before its warm one, each target on a server of its own.
passes=()
for s in $scenarios; do
  [[ $cold != 0 && ( $s == relay || $s == connect ) ]] && passes+=("$s-cold")
  passes+=("$s")
done
for scenario in "${passes[@]}"; do
  for t in $targets; do
    run_target "$t"
  done
done

print_scenario_tables() {
  if ((${#fanout_rows[@]})); then
    echo
    echo "## fan-out (rooms of $fanout_sizes members, $fanout_members members per row, paced rows: $fanout_rates updates/s)"
    echo
    dotnet "$bench_dll" md-header fanout
    printf '%s\n' "${fanout_rows[@]}"
  fi
  if ((${#connect_rows[@]})); then
    echo
    echo "## connect / density (rooms of $room_size, connect: $connections connections, density: up to $density_max per server, settle ${settle} s)"
    echo
    dotnet "$bench_dll" md-header connect
    printf '%s\n' "${connect_rows[@]}"
    rss_vs_raw
  fi
}

# Under the relay table: which rows compare like for like, and cold ÷ warm per target.
relay_notes() {
  echo
  echo "- like for like: the peers and the raw floor write one frame per relayed message, as our \`send()\` rows (JSON) do; our rows without \`send()\` relay with \`invoke()\`, which adds a completion frame per message."
  local k cold_rate warm_rate bound
  for k in single cross raw peerjs spreed; do
    [[ -n ${cold_row[$k]:-} && -n ${warm_row[$k]:-} ]] || continue
    cold_rate=$(row_rate "${cold_row[$k]}"); warm_rate=$(row_rate "${warm_row[$k]}")
    bound=""
    [[ ${cold_row[$k]}${warm_row[$k]} != *'**yes**'* ]] || bound=" (a generator-bound row: see its generator columns)"
    echo "- cold ÷ warm, closed loop, $(awk -F'|' '{ sub(/^ +/, "", $2); sub(/ +$/, "", $2); print $2 }' <<<"${warm_row[$k]}"): $(awk -v c="$cold_rate" -v w="$warm_rate" 'BEGIN { printf (w > 0 ? "%.2f" : "–"), (w > 0 ? c / w : 0) }') ($cold_rate ÷ $warm_rate msg/s)$bound"
  done
}

# Under the connect table: each target's server KiB per idle connection ÷ the raw floor's, for
# rows of the same kind (cold, warm, density) in this run.
rss_vs_raw() {
  wants raw || return 0
  echo
  printf '%s\n' "${connect_rows[@]}" | awk -F'|' -v header="$(dotnet "$bench_dll" md-header connect | head -1)" '
    function trim(x) { sub(/^ +/, "", x); sub(/ +$/, "", x); return x }
    BEGIN { n = split(header, h, "|"); for (i = 1; i <= n; i++) if (trim(h[i]) == "server KiB/idle conn") col = i }
    { label[NR] = trim($2); kind[NR] = trim($3); kib[NR] = trim($col) + 0; if (label[NR] ~ /^raw floor/) raw[kind[NR]] = kib[NR] }
    END {
      for (r = 1; r <= NR; r++)
        if (label[r] !~ /^raw floor/ && raw[kind[r]] > 0)
          printf "- %s, %s: KiB per idle connection ÷ the raw floor'"'"'s = %.2f (%.1f ÷ %.1f)\n", label[r], kind[r], kib[r] / raw[kind[r]], kib[r], raw[kind[r]]
    }'
}

mkdir -p bench/results
out=bench/results/$(date -u +%Y%m%dT%H%M%SZ).md
{
  echo "# Relay benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(free -m | awk '/Mem:/ {print $2}') MiB RAM"
  echo "- .NET SDK $(dotnet --version)$(wants cross && echo ", $(redis-server --version | cut -d' ' -f1-3)")$(wants peerjs && echo ", node $(node --version), PeerJS server (npm peer) $peerjs_version")$(wants spreed && echo ", nextcloud-spreed-signaling $spreed_version (Debian package)")"
  echo "- targets: $targets"
  echo "- this service: ${BENCH_HUB_BUILD:-production} build (${hub_cmd[*]})"
  echo "- load average before: $loadavg_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- pairs $pairs, warm-up ${warmup} s before the first row on each server and ${next_warmup} s before each later one, measured ${duration} s, cold rows: first ${cold} s of a fresh server (0 = none), generator processes $processes ($processes_asked asked), paced rates: $rates msg/s"
  if [[ -n $pin ]]; then
    echo "- pinned: servers, Redis and the fake backend on CPU ${pin%%:*}, the generator on CPU ${pin##*:} (taskset)"
  fi
  echo "- scenarios: $scenarios"
  echo "- command: BENCH_SCENARIOS='$scenarios' BENCH_TARGETS='$targets' BENCH_PROTOCOLS='$protocols' BENCH_DURATION=$duration BENCH_WARMUP=$warmup BENCH_NEXT_WARMUP=$next_warmup BENCH_COLD=$cold BENCH_PAIRS=$pairs BENCH_RATE='$rates' BENCH_PROCESSES=$processes_asked BENCH_IDLE=$idle BENCH_FANOUT_SIZES='$fanout_sizes' BENCH_FANOUT_MEMBERS=$fanout_members BENCH_FANOUT_RATE='$fanout_rates' BENCH_CONNECTIONS=$connections BENCH_CONNECT_WARMUP=$connect_warmup BENCH_ROOM_SIZE=$room_size BENCH_DENSITY_MAX=$density_max BENCH_SETTLE=$settle${BENCH_HUB_ENV:+ BENCH_HUB_ENV='$BENCH_HUB_ENV'}${BENCH_HUB_BUILD:+ BENCH_HUB_BUILD=$BENCH_HUB_BUILD}${pin:+ BENCH_PIN=$pin}${BENCH_SPREED_VERSION:+ BENCH_SPREED_VERSION=$BENCH_SPREED_VERSION} bench/run.sh"
  echo
  if ((${#rows[@]})); then
    dotnet "$bench_dll" md-header
    printf '%s\n' "${rows[@]}"
    relay_notes
  fi
  print_scenario_tables
  echo
  echo "- generator-bound **yes**: over the row's measured window one generator process used more than 80 % of a core, or the whole generator more than 80 % of the CPUs it may use; the rate is then partly the generator's, so the row is no evidence for a throughput claim (its server CPU per message still compares servers)."
  if (( ${#notes[@]} )); then
    printf '%s\n' "${notes[@]}"
  fi
} | tee "$out"
log "written to $out"
