#!/usr/bin/env bash
# Cold-start A/B: how fast a freshly started hub relays and connects, against the same process once
# warm, for two or more builds or runtime settings, alternated (A, B, A, B) in one run so the
# machine's load hits every variant alike. Prints a Markdown table and keeps it in bench/results/.
#
#   bench/cold-ab.sh NAME=DIR[,ENV=value...] NAME=DIR[,ENV=value...] ...
#
# DIR holds a Signaling.Hub.dll (a `dotnet publish` output or bin/Release/net10.0); the settings
# after the commas go to that variant's hub process only, e.g.
#
#   dotnet publish Signaling.Hub -c Release -r linux-x64 --self-contained false -o /tmp/jit
#   dotnet publish Signaling.Hub -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o /tmp/r2r
#   bench/cold-ab.sh jit=/tmp/jit r2r=/tmp/r2r r2r-nopgo=/tmp/r2r,DOTNET_TieredPGO=0
#
# For every round and variant, each on a freshly started hub (pinned like bench/run.sh's
# BENCH_PIN, default 0:1: hub on CPU 0, generator on CPU 1):
#   send:    100 pairs relay with send() (--no-ack): the first 10 s after they are connected
#            (cold, no warm-up), then on the same process 30 s more load and 20 s measured (warm);
#   invoke:  the same with invoke() (a completion per message);
#   connect: 2,000 connections joined in rooms of 4, no warm-up (cold connect+join).
# Also per hub: wall time from exec to the first 200 from /health/ready, and the hub's CPU by then.
#
# Env: COLD_AB_ROUNDS (2), COLD_AB_MODES (any of send invoke connect; all), COLD_AB_PAIRS (100),
# COLD_AB_COLD (s, 10), COLD_AB_WARMUP (s, 30), COLD_AB_WARM (s, 20), COLD_AB_CONNECTIONS (2000),
# COLD_AB_PIN ("0:1"; empty: not pinned).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
rounds=${COLD_AB_ROUNDS:-2}
modes=${COLD_AB_MODES:-send invoke connect}
pairs=${COLD_AB_PAIRS:-100}
cold=${COLD_AB_COLD:-10}
warmup=${COLD_AB_WARMUP:-30}
warm=${COLD_AB_WARM:-20}
connections=${COLD_AB_CONNECTIONS:-2000}
pin=${COLD_AB_PIN-0:1}
(($# >= 1)) || { sed -n '2,12p' "$0" >&2; exit 2; }
for m in $modes; do
  case $m in send|invoke|connect) ;; *) echo "unknown mode '$m' in COLD_AB_MODES (known: send invoke connect)" >&2; exit 2 ;; esac
done
names=() dirs=() envs=()
for v in "$@"; do
  [[ $v == *=* ]] || { echo "variant '$v' must look like NAME=DIR[,ENV=value...]" >&2; exit 2; }
  name=${v%%=*} rest=${v#*=}
  dir=${rest%%,*}
  [[ -f $dir/Signaling.Hub.dll ]] || { echo "variant $name: no Signaling.Hub.dll in $dir" >&2; exit 2; }
  env_list=""; [[ $rest == *,* ]] && env_list=${rest#*,}
  names+=("$name"); dirs+=("$(cd "$dir" && pwd)"); envs+=("${env_list//,/ }")
done

pin_server=(env) pin_gen=(env)
if [[ -n $pin ]]; then
  [[ $pin =~ ^[0-9,-]+:[0-9,-]+$ ]] || { echo "COLD_AB_PIN must look like 0:1 (hub cpus:generator cpus)" >&2; exit 2; }
  pin_server=(taskset -c "${pin%%:*}")
  pin_gen=(taskset -c "${pin##*:}")
fi
key="bench-only-signing-key-$(date +%s)-0123456789abcdef"
work=$(mktemp -d /tmp/signaling-cold-ab.XXXXXX)
hub_pid=""
cleanup() {
  # Stop exactly what this script started, by PID.
  if [[ -n $hub_pid ]]; then kill "$hub_pid" 2>/dev/null || true; wait "$hub_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
log() { echo "[cold-ab] $*" >&2; }

log "building the generator (Release)"
dotnet build bench/Signaling.Bench -c Release -nologo -v q >&2
bench_dll=$root/bench/Signaling.Bench/bin/Release/net10.0/Signaling.Bench.dll

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
cpu_seconds() {
  awk -v tck="$(getconf CLK_TCK)" '{ print ($14 + $15) / tck }' "/proc/$1/stat"
}

# start_hub <variant index> <run name>: sets hub_pid, hub_url, ready_ms, ready_cpu.
start_hub() {
  local i=$1 name=$2 port; port=$(free_port)
  # A self-contained publish runs through its own host (its runtime is in DIR), the rest with dotnet.
  local launch=(dotnet "${dirs[$i]}/Signaling.Hub.dll")
  grep -q includedFrameworks "${dirs[$i]}/Signaling.Hub.runtimeconfig.json" && launch=("${dirs[$i]}/Signaling.Hub")
  mkdir -p "$work/$name"
  local t0; t0=$(date +%s%N)
  # Same settings as bench/run.sh's hub (limiter raised so a closed loop measures relay cost).
  # shellcheck disable=SC2086 # the variant's settings are a list of NAME=value words
  "${pin_server[@]}" env ${envs[$i]} ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production \
    "${launch[@]}" --urls "http://127.0.0.1:$port" \
    --Logging:LogLevel:Default=Warning \
    --Signaling:Jwt:SigningKey="$key" \
    --Signaling:Storage:Sqlite:Path="$work/$name/db" \
    --Signaling:Files:Directory="$work/$name/files" \
    --Signaling:RateLimits:HubPermitsPerSecond=1000000 \
    --Signaling:RateLimits:HubBurst=1000000 \
    >"$work/$name.log" 2>&1 &
  hub_pid=$!
  hub_url="http://127.0.0.1:$port"
  # Polled from the generator's CPU so the probe does not take the hub's.
  for _ in $(seq 1 1500); do
    if "${pin_gen[@]}" curl -sf -o /dev/null "$hub_url/health/ready"; then
      ready_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
      ready_cpu=$(cpu_seconds "$hub_pid")
      return 0
    fi
    sleep 0.02
  done
  cat "$work/$name.log" >&2; log "$name: not ready"; exit 1
}
stop_hub() {
  kill "$hub_pid" 2>/dev/null || true
  wait "$hub_pid" 2>/dev/null || true
  hub_pid=""
}

# Markdown cell <n> (1-based, after the leading |) of a row.
cell() { awk -F'|' -v n="$(($2 + 1))" '{ gsub(/^ +| +$/, "", $n); print $n }' <<<"$1"; }

raw_rows=()
summary=()
mkdir -p bench/results
out=bench/results/cold-ab-$(date -u +%Y%m%dT%H%M%SZ).md
# Rows land here as they are measured, so an interrupted run keeps what it had.
partial=$out.partial
# gen <args>: one generator run; a failed run (non-zero exit) still yields its row, or a stub.
gen() {
  local row
  row=$("${pin_gen[@]}" dotnet "$bench_dll" "$@") || log "generator exited with $? (row kept if printed)"
  [[ -n $row ]] || row="| (no row) |"
  echo "$row" >>"$partial"
  echo "$row"
}
loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq 1 "$rounds"); do
  for i in "${!names[@]}"; do
    v=${names[$i]}
    for mode in $modes; do
      run="$v-$mode-$round"
      start_hub "$i" "$run"
      log "$run: ready in $ready_ms ms ($ready_cpu s CPU), load $(cut -d' ' -f1 /proc/loadavg)"
      if [[ $mode == connect ]]; then
        row=$(gen connect --url "$hub_url" --target signaling --signing-key "$key" \
          --connections "$connections" --connect-warmup 0 --room-size 4 --settle 1 --watch "hub=$hub_pid" \
          --label "$v, cold connect, round $round")
        raw_rows+=("$row")
        summary+=("| $v | $round | connect (failed $(cell "$row" 11)) | $ready_ms | $ready_cpu | $(cell "$row" 6) | $(cell "$row" 13) | | | | |")
      else
        ack=(); [[ $mode == send ]] && ack=(--no-ack)
        cold_row=$(gen relay --url "$hub_url" --target signaling --signing-key "$key" \
          ${ack[@]+"${ack[@]}"} --pairs "$pairs" --warmup 0 --duration "$cold" --watch "hub=$hub_pid" \
          --label "$v, $mode, cold (first ${cold} s), round $round")
        warm_row=$(gen relay --url "$hub_url" --target signaling --signing-key "$key" \
          ${ack[@]+"${ack[@]}"} --pairs "$pairs" --warmup "$warmup" --duration "$warm" --watch "hub=$hub_pid" \
          --label "$v, $mode, warm (after ${warmup} s more), round $round")
        raw_rows+=("$cold_row" "$warm_row")
        c=$(cell "$cold_row" 4) w=$(cell "$warm_row" 4)
        cu=$(cell "$cold_row" 9) wu=$(cell "$warm_row" 9)
        ratio=$(awk -v c="$c" -v w="$w" 'BEGIN { if (w > 0) printf "%.2f", c / w; else print "–" }')
        cpu_ratio=$(awk -v c="$cu" -v w="$wu" 'BEGIN { if (c > 0) printf "%.2f", w / c; else print "–" }')
        summary+=("| $v | $round | $mode | $ready_ms | $ready_cpu | $c | $cu | $w | $wu | $ratio | $cpu_ratio |")
      fi
      stop_hub
    done
  done
done

{
  echo "# Cold-start A/B, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), .NET SDK $(dotnet --version)"
  echo "- load average before: $loadavg_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- ${pin:+pinned: hub on CPU ${pin%%:*}, generator on CPU ${pin##*:}; }pairs $pairs, cold = the first ${cold} s after connecting (no warm-up), warm = the same process after ${warmup} s more load, ${warm} s measured; connect: $connections connections, rooms of 4, no warm-up"
  for i in "${!names[@]}"; do
    echo "- ${names[$i]}: ${dirs[$i]}${envs[$i]:+ with ${envs[$i]}}"
  done
  echo "- command: COLD_AB_ROUNDS=$rounds COLD_AB_MODES='$modes' COLD_AB_PAIRS=$pairs COLD_AB_COLD=$cold COLD_AB_WARMUP=$warmup COLD_AB_WARM=$warm COLD_AB_CONNECTIONS=$connections COLD_AB_PIN='$pin' bench/cold-ab.sh $*"
  echo
  echo "Cold / warm by CPU = warm server µs per message / cold: the cold rate relative to the warm one"
  echo "that a hub with a core to itself would show (the hub's core is shared when the machine is busy)."
  echo "Connect rows: connected/s and server µs per connect+join in the cold columns."
  echo
  echo "| variant | round | row | start to ready, ms | hub CPU to ready, s | cold msg/s | cold server µs/msg | warm msg/s | warm server µs/msg | cold / warm, msg/s | cold / warm, by CPU |"
  echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${summary[@]}"
  echo
  echo "## Rows as the generator printed them"
  echo
  dotnet "$bench_dll" md-header
  printf '%s\n' "${raw_rows[@]}" | grep -v 'cold connect'
  echo
  dotnet "$bench_dll" md-header connect
  printf '%s\n' "${raw_rows[@]}" | grep 'cold connect' || true
} | tee "$out"
rm -f "$partial"
log "kept in $out"
