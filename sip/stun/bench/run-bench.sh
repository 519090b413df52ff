#!/usr/bin/env bash
# run-bench.sh — Binding-request throughput of phoneprov's STUN responder
# (sip/stun, served by sip/stun/internal/stunbench) next to the STUN peer of
# shared/peers/stunload/run-bench.sh (Debian's coturn, turnserver --stun-only),
# in the same run, driven by the same load generator (shared/peers/stunload,
# on pion/stun). Everything is on loopback; every run is bounded.
#
# Per configuration K x W (K sockets, W requests in flight each) and repeat,
# stunload sends N requests to coturn, then to phoneprov (order alternates per
# repeat), each run capped at MAX seconds. Prints responses/s, loss, p99 and
# server CPU (% of one core) per run, then the medians and the ratio
# phoneprov/coturn. Figures and logs go to $WORK/stun-phoneprov.
#
#   sip/stun/bench/run-bench.sh                      # defaults below
#   N=300000 CONFIGS="1x32 4x32 8x64" REPEATS=3 WORKERS=2 sip/stun/bench/run-bench.sh
#
# Needs: Go, coturn (installed with apt-get when missing), the module proxy
# for stunload's dependencies, and shared/ beside the repository (or SHARED).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
SHARED="${SHARED:-$REPO/../shared}"
source "$SHARED/peers/lib.sh"
D="$WORK/stun-phoneprov"; mkdir -p "$D"
N="${N:-300000}"; REPEATS="${REPEATS:-1}"; MAX="${MAX:-10}"
CONFIGS="${CONFIGS:-1x32 4x32}"
RELAY_THREADS="${RELAY_THREADS:-2}"        # coturn threads, as in the shared anchor
WORKERS="${WORKERS:-1}"                    # phoneprov reading goroutines (1 is fastest on one socket)
PEER_PORT="${PEER_PORT:-13479}"; OUR_PORT="${OUR_PORT:-13480}"

for p in "$PEER_PORT" "$OUR_PORT"; do
  if ss -Hlun "sport = :$p" | grep -q .; then echo "udp port $p is in use; set PEER_PORT/OUR_PORT"; exit 1; fi
done
command -v turnserver >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends coturn; }
(cd "$SHARED/peers/stunload" && go build -o "$D/stunload" .)
(cd "$REPO" && go build -o "$D/stunbench" ./sip/stun/internal/stunbench)

nruns=$(( $(echo $CONFIGS | wc -w) * REPEATS * 2 ))
budget=$(( nruns * (MAX + 70) + 60 ))       # serve long enough for every run and its wait_quiet
[ "$budget" -le 1800 ] || budget=1800
trap 'stop_pid "$D/turnserver.pid.run"; stop_pid "$D/stunbench.pid.run"; echo "servers stopped"' EXIT

turnserver -n --stun-only --no-auth --listening-ip=127.0.0.1 --listening-port="$PEER_PORT" \
  --no-tcp --no-tls --no-dtls --no-cli --relay-threads="$RELAY_THREADS" \
  --log-file="$D/turn.log" --simple-log --no-stdout-log --pidfile="$D/turnserver.pid" \
  > "$D/turn.stdout" 2>&1 &
echo $! > "$D/turnserver.pid.run"
"$D/stunbench" -addr "127.0.0.1:$OUR_PORT" -for "${budget}s" -workers "$WORKERS" > "$D/stunbench.log" 2>&1 &
echo $! > "$D/stunbench.pid.run"
wait_port udp "$PEER_PORT" 10 || { echo "turnserver did not start"; tail "$D/turn.log" "$D/turn.stdout"; exit 1; }
wait_port udp "$OUR_PORT" 10 || { echo "stunbench did not start"; cat "$D/stunbench.log"; exit 1; }
declare -A PID=([coturn]="$(cat "$D/turnserver.pid.run")" [phoneprov]="$(cat "$D/stunbench.pid.run")")
declare -A PORT=([coturn]="$PEER_PORT" [phoneprov]="$OUR_PORT")
for s in coturn phoneprov; do   # functional check: 10 answers each
  timeout 10 "$D/stunload" -server "127.0.0.1:${PORT[$s]}" -n 10 -k 1 -w 1 | sed "s/^/$s check: /"
done

OUTF="$D/stun.tsv"
printf "server\tconfig\trepeat\tok\tlost\tbad\telapsed_s\trate_rps\tp99_ms\tserver_cpu_pct\tcpu_us_per_resp\n" > "$OUTF"
for ((rep = 1; rep <= REPEATS; rep++)); do
  order="coturn phoneprov"; (( rep % 2 == 0 )) && order="phoneprov coturn"
  for cfg in $CONFIGS; do
    k="${cfg%x*}"; w="${cfg#*x}"
    for s in $order; do
      wait_quiet 60 20 || echo "  (machine not quiet after 60 s; running anyway)" >&2
      out="$D/run-$s-$cfg-$rep.txt"
      t0=$(cpu_ticks "${PID[$s]}")
      timeout $((MAX + 10)) "$D/stunload" -server "127.0.0.1:${PORT[$s]}" -n "$N" -k "$k" -w "$w" -max "${MAX}s" > "$out" 2>&1 || true
      t1=$(cpu_ticks "${PID[$s]}")
      line="$(grep '^sent=' "$out" || echo "sent=0 ok=0 lost=0 bad=0 elapsed_s=0 rate_rps=0 p50_ms=nan p99_ms=nan")"
      eval "$(echo "$line" | tr ' ' '\n' | grep -E '^(sent|ok|lost|bad|elapsed_s|rate_rps|p50_ms|p99_ms)=')"
      us=$(awk -v t=$((t1 - t0)) -v h="$CLK_TCK" -v o="$ok" 'BEGIN { if (o > 0) printf "%.1f", t / h * 1e6 / o; else print "nan" }')
      printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$s" "$cfg" "$rep" "$ok" "$lost" "$bad" \
        "$elapsed_s" "$rate_rps" "$p99_ms" "$(pct $((t1 - t0)) "$elapsed_s")" "$us" | tee -a "$OUTF"
    done
  done
done

{
  echo "== STUN phoneprov vs coturn $(date -u +%FT%TZ): N=$N max=${MAX}s repeats=$REPEATS coturn relay-threads=$RELAY_THREADS phoneprov workers=$WORKERS"
  for cfg in $CONFIGS; do
    med() { stats $(awk -F'\t' -v s="$1" -v c="$cfg" -v f="${2:-8}" '$1 == s && $2 == c { print $f }' "$OUTF") | sed 's/^median=\([^ ]*\).*/\1/'; }
    lost() { awk -F'\t' -v s="$1" -v c="$cfg" '$1 == s && $2 == c { printf "%s ", $5 }' "$OUTF"; }
    pc=$(med coturn); pp=$(med phoneprov)
    ratio=$(awk -v a="$pp" -v b="$pc" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }')
    echo "K x W = $cfg responses/s median: coturn=$pc phoneprov=$pp ratio phoneprov/coturn=$ratio | CPU us/response: coturn=$(med coturn 11) phoneprov=$(med phoneprov 11) | lost coturn: $(lost coturn)phoneprov: $(lost phoneprov)"
  done
} | tee -a "$D/stun-summary.txt"
