#!/usr/bin/env bash
# run-bindings-rss.sh — phoneprov's resident memory with N live bindings
# (default 100,000; target < 300 MB).
#
#  1. builds phoneprov (working tree, else HEAD) and phoneprov-bench, starts
#     phoneprov on a fresh data folder and seeds N lines with `phoneprov-bench
#     seed` (Classic imports of 10,000 users above 1,000 lines, else the admin
#     API with WORKERS concurrent clients), timing it (the credentials are
#     then read from the config each phone would fetch);
#  2. registers every line once with SIPp (register_auth.xml, digest MD5 over
#     UDP) at RATE/s with Expires EXPIRES, so that N distinct AORs are bound;
#     (REUSE=1 skips seeding when $D/data-rss already holds N lines from
#     an earlier run: its bindings are deleted first);
#  3. restarts phoneprov (RESTART=1, the default) so that what seeding left
#     in memory (rendered configs the config route caches, API garbage) is
#     not counted, then registers; RESTART=0 keeps the seeded process;
#  4. reads VmRSS/VmHWM of phoneprov from /proc/PID/status: after start,
#     after seeding, after the restart, right after the registrations and
#     SETTLE seconds later (sipgo keeps each UDP server transaction 32 s,
#     Timer J; Go forces a GC every 2 minutes and returns freed memory to
#     the kernel gradually), the live heap after the last GC (phoneprov runs
#     with GODEBUG=gctrace=1), and the live bindings from its
#     phoneprov_sip_bindings gauge;
#  5. restarts phoneprov once more: it loads the N bindings from its
#     database, and its RSS and live heap then are the steady cost of N
#     bindings without the garbage of registering them. Appends a summary
#     to $D/rss-summary.txt.
#
#   sip/bench/run-bindings-rss.sh
#   N_BIND=20000 RATE=1000 sip/bench/run-bindings-rss.sh
#
# Env: N_BIND=100000 RATE=2000 EXPIRES=3600 WORKERS=64 SETTLE=150 RESTART=1
#      REUSE=0 PP_BIN (a phoneprov binary to test instead of building one)
#      PP_PORT=15071 SIPP_PORT=15081 DOMAIN=phoneprov.test
# Needs: Go, root for apt-get (sip-tester, curl, sqlite3). Loopback only; the SIPp run
# is bounded by -m, -timeout and `timeout`; the trap stops phoneprov.
set -euo pipefail
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
N_BIND="${N_BIND:-100000}"; RATE="${RATE:-2000}"; EXPIRES="${EXPIRES:-3600}"
WORKERS="${WORKERS:-64}"; SETTLE="${SETTLE:-150}"; RESTART="${RESTART:-1}"; REUSE="${REUSE:-0}"
PP_ENV="GODEBUG=gctrace=1"   # phoneprov writes one line per GC to its log: live heap after marking
# live_heap -> live heap in MB after the last GC ("gc N @...: ... A->B->C MB, ...")
live_heap() { grep '^gc ' "$D/phoneprov.log" | tail -1 | sed 's/.*->\([0-9]*\) MB,.*/\1/'; }
PP_PORT="${PP_PORT:-15071}"; SIPP_PORT="${SIPP_PORT:-15081}"

ensure_pkgs sipp:sip-tester curl:curl sqlite3:sqlite3
check_ports_free "$PP_PORT" "$SIPP_PORT"
trap 'stop_sipp; stop_pid "$D/phoneprov.pid"; echo "phoneprov stopped"' EXIT
LOAD0="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "== run-bindings-rss.sh $(date -u +%FT%TZ) load average $LOAD0, $(nproc) CPUs"
build_tools

if [ "$REUSE" = 1 ] && [ -s "$D/data-rss/phoneprov.db" ] && [ "$(wc -l < "$D/users-rss.csv" 2>/dev/null || echo 0)" = $((N_BIND + 1)) ]; then
  sqlite3 "$D/data-rss/phoneprov.db" 'DELETE FROM bindings'
  echo "reusing the $N_BIND lines seeded earlier in $D/data-rss (bindings deleted)"
  start_phoneprov "$D/data-rss" "$PP_PORT"
  sleep 2
  read -r rss_start _ < <(rss_kib "$PP_PID")
  rss_seeded=$rss_start; seed_s="(reused)"; RESTART=0
  echo "seeded earlier: $(grep '^seeded' "$D/seed-rss.txt" || true)" > "$D/seed-rss.reuse"
else
  rm -rf "$D/data-rss"
  start_phoneprov "$D/data-rss" "$PP_PORT"
  sleep 1
  read -r rss_start _ < <(rss_kib "$PP_PID")
  t0=$(now_s)
  seed_lines "$D/data-rss" 1 "$N_BIND" "$D/users-rss.csv" "$D/creds-rss.tsv" "$WORKERS" | tee "$D/seed-rss.txt"
  seed_s=$(awk -v a="$t0" -v b="$(now_s)" 'BEGIN { printf "%.0f", b - a }')
  read -r rss_seeded _ < <(rss_kib "$PP_PID")
fi
echo "seeded $N_BIND lines in $seed_s s; RSS $((rss_start / 1024)) MiB at start, $((rss_seeded / 1024)) MiB after seeding"
rss_base=$rss_seeded
if [ "$RESTART" = 1 ]; then
  stop_pid "$D/phoneprov.pid"
  start_phoneprov "$D/data-rss" "$PP_PORT"
  sleep 2
  read -r rss_base _ < <(rss_kib "$PP_PID")
  echo "restarted: RSS $((rss_base / 1024)) MiB"
fi

wait_quiet 60 20 || echo "  (machine not quiet after 60 s; running anyway)" >&2
c0=$(cpu_ticks "$PP_PID")
sipp_run "$PP_PORT" "$D/users-rss.csv" "$N_BIND" "$RATE" "rss-register" "$EXPIRES"
c1=$(cpu_ticks "$PP_PID")
read -r ok failed retr el tmo < <(sipp_stats rss-register)
bound=$(pp_metric phoneprov_sip_bindings)
read -r rss_reg hwm_reg < <(rss_kib "$PP_PID")
echo "registered: ok=$ok failed=$failed retrans=$retr timeouts=$tmo in ${el}s; bindings=$bound; CPU-us/reg=$(awk -v t=$((c1 - c0)) -v h="$CLK_TCK" -v o="$ok" 'BEGIN { if (o > 0) printf "%.1f", t / h * 1e6 / o; else print "nan" }')"
echo "RSS right after: $((rss_reg / 1024)) MiB (peak $((hwm_reg / 1024)) MiB); waiting ${SETTLE}s for the transactions to end"
sleep "$SETTLE"
read -r rss_settled hwm < <(rss_kib "$PP_PID")
bound2=$(pp_metric phoneprov_sip_bindings)
per=$(awk -v a="$rss_settled" -v b="$rss_base" -v n="$bound2" 'BEGIN { if (n > 0) printf "%.0f", (a - b) * 1024 / n; else print "nan" }')
heap_settled=$(live_heap)
stop_pid "$D/phoneprov.pid"   # Shutdown writes the pending bindings
start_phoneprov "$D/data-rss" "$PP_PORT"
for ((i = 0; i < 60; i++)); do [ "$(pp_metric phoneprov_sip_bindings)" -ge "$bound2" ] && break; sleep 1; done
sleep 5
read -r rss_loaded _ < <(rss_kib "$PP_PID")
bound3=$(pp_metric phoneprov_sip_bindings)
{
  echo "== bindings RSS $(date -u +%FT%TZ): lines=$N_BIND seeded in ${seed_s}s with $WORKERS clients ($(grep '^seeded' "$D/seed-rss.txt" | sed 's/.*(\(.*\))/\1/')); registered at $RATE/s expires=$EXPIRES: ok=$ok failed=$failed retrans=$retr"
  echo "live bindings=$bound2; phoneprov VmRSS MiB: start=$((rss_start / 1024)) seeded=$((rss_seeded / 1024)) before registering (restart=$RESTART)=$((rss_base / 1024)) registered=$((rss_reg / 1024)) settled(+${SETTLE}s)=$((rss_settled / 1024)) peak(VmHWM)=$((hwm / 1024)); live heap after the last GC=$heap_settled MB; (settled - before) per binding=${per} B; target < 300 MB"
  echo "after a restart that loaded $bound3 bindings from the database: VmRSS=$((rss_loaded / 1024)) MiB, live heap after the last GC=$(live_heap) MB"
  echo "load average $LOAD0 -> $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a "$D/rss-summary.txt"
