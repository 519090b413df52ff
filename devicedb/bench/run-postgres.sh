#!/usr/bin/env bash
# run-postgres.sh — phoneprov on PostgreSQL next to phoneprov on SQLite, in
# one run, with the repo's own load scripts (issue 12's benchmarks):
#
#  1. starts a throwaway PostgreSQL (Debian's, initdb in a temp dir, as the
#     postgres OS user, listening on 127.0.0.1 only, durable defaults:
#     fsync and synchronous_commit on; shared_buffers=256MB,
#     max_connections=300), one fresh database per step;
#  2. fetch: provision/bench/run-wrk.sh once on SQLite and once on
#     PostgreSQL (N phones seeded by one Classic import of N users, then
#     wrk rotating over all N; nginx is measured too, as the script does):
#     the import's seconds and the fetch rate and CPU per request of each;
#  3. register: sip/bench/run-sipp.sh once on each (N_LINES lines, RATES):
#     the max REGISTER rate and CPU per registration of each;
#  4. storm: three nodes on one PostgreSQL database (127.0.0.2-4, DNS on
#     each) and `phoneprov-bench storm` with STORM phones arriving over
#     STORM_WINDOW, each fetching its files from the nodes in turn and
#     finding its registrar through the DNS SRV records of node 1; then
#     the same phones boot again (--reuse), PostgreSQL's CPU measured
#     over that second boot alone;
#  5. prints the ratios PostgreSQL/SQLite (targets: fetch >= 0.9,
#     REGISTER >= 0.8; the import of 10,000 users < 15 s; the storm 0
#     failures) and appends the summary to $RESULTS/postgres-summary.txt.
#
#   devicedb/bench/run-postgres.sh
#   PARTS="fetch storm" N=10000 devicedb/bench/run-postgres.sh
#
# Env (defaults): PARTS="fetch register storm" N=10000 (fetch: phones; also
# the import's users) REPEATS=1 DURATION=15 (run-wrk.sh) N_LINES=10000
# RATES="2000 4000 6000 8000 10000 12000 14000 16000" (run-sipp.sh, DURATION 5 s a step)
# STORM=10000 STORM_WINDOW=30s RESULTS=/tmp/phoneprov-bench KEEP=0.
# Needs: Go, root (apt-get: postgresql; the two scripts install their own
# peers). Loopback only; every server started here is stopped on exit, every
# wait bounded.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PARTS="${PARTS:-fetch register storm}"; N="${N:-10000}"; REPEATS="${REPEATS:-1}"; DURATION="${DURATION:-15}"
N_LINES="${N_LINES:-10000}"; RATES="${RATES:-2000 4000 6000 8000 10000 12000 14000 16000}"
STORM="${STORM:-10000}"; STORM_WINDOW="${STORM_WINDOW:-30s}"
RESULTS="${RESULTS:-/tmp/phoneprov-bench}"; KEEP="${KEEP:-0}"
for v in N REPEATS DURATION N_LINES STORM; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "run-postgres.sh: $v=${!v}: give a whole number" >&2; exit 2; }
done
mkdir -p "$RESULTS"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"; OUT="$RESULTS/postgres-$STAMP"; mkdir -p "$OUT"

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing postgresql"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
PGBIN="$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")"
PG="$(mktemp -d /tmp/phoneprov-pg.XXXXXX)"
NODE_PIDS=()
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  local p
  for p in "${NODE_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${NODE_PIDS[@]}"; do
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  as_pg "$PGBIN/pg_ctl" -D "$PG/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
  if [ "$KEEP" = 1 ]; then echo "kept $PG"; else rm -rf "$PG"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$(id -u)" = 0 ] && chown postgres: "$PG"
as_pg "$PGBIN/initdb" -D "$PG/data" -U postgres --auth=trust -E UTF8 --locale=C >"$OUT/initdb.log" 2>&1
# a port below the ephemeral range that no socket uses; another try if it
# is taken meanwhile
PGPORT=""
for _ in $(seq 5); do
  p=$((16000 + RANDOM % 4000))
  ss -Htan "sport = :$p" | grep -q . && continue
  if as_pg "$PGBIN/pg_ctl" -D "$PG/data" -l "$PG/log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $p -c unix_socket_directories='$PG' -c shared_buffers=256MB -c max_connections=300" start >/dev/null; then
    PGPORT=$p; break
  fi
done
[ -n "$PGPORT" ] || { echo "PostgreSQL did not start:"; tail -5 "$PG/log"; exit 1; }
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{ print $3 }') on 127.0.0.1:$PGPORT (fsync on, synchronous_commit on)"
# newdb NAME -> sets DBURL to a fresh database's URL (exits on failure)
newdb() {
  as_pg "$PGBIN/psql" -q -h "$PG" -p "$PGPORT" -U postgres -c "CREATE DATABASE pp_$1 TEMPLATE template0" >/dev/null ||
    { echo "cannot create database pp_$1"; exit 1; }
  DBURL="postgres://postgres@127.0.0.1:$PGPORT/pp_$1?sslmode=disable"
}
# pg_ticks -> CPU ticks of this cluster's PostgreSQL: the postmaster's own
# and its reaped children's (utime+stime+cutime+cstime), plus the live
# children's (utime+stime)
pg_ticks() {
  local pm; pm="$(head -1 "$PG/data/postmaster.pid" 2>/dev/null)" || { echo 0; return; }
  { sed 's/^.*) //' "/proc/$pm/stat" | awk '{ print $12 + $13 + $14 + $15 }'
    for c in $(pgrep -P "$pm"); do sed 's/^.*) //' "/proc/$c/stat" | awk '{ print $12 + $13 }'; done; } 2>/dev/null |
    awk '{ s += $1 } END { print s + 0 }'
}
CLK_TCK="$(getconf CLK_TCK)"
pg_cpu_since() { awk -v a="$1" -v b="$(pg_ticks)" -v h="$CLK_TCK" 'BEGIN { printf "%.1f", (b - a) / h }'; }

SUMMARY=("== phoneprov on PostgreSQL vs SQLite $STAMP, $(nproc) cores, load average at start $(cut -d' ' -f1-3 /proc/loadavg)")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }

if [[ " $PARTS " == *" fetch "* ]]; then
  declare -A RPS US IMP
  for db in sqlite postgres; do
    url=""; if [ "$db" = postgres ]; then newdb fetch; url="$DBURL"; fi
    echo "== fetch on $db"
    t0=$(pg_ticks)
    DATABASE="$url" RESULTS="$OUT/fetch-$db" N="$N" REPEATS="$REPEATS" DURATION="$DURATION" \
      "$REPO/provision/bench/run-wrk.sh" 2>&1 | tee "$OUT/fetch-$db.txt" | grep -E '^(seeded|phoneprov|nginx|ratio)' || true
    s="$OUT/fetch-$db/summary.txt"
    [ -s "$s" ] || { echo "run-wrk.sh on $db wrote no summary; see $OUT/fetch-$db.txt"; exit 1; }
    RPS[$db]=$(awk '$1 == "phoneprov" && $2 == "rps" { print $4 }' "$s" | tail -1)
    US[$db]=$(awk -F'|' '$1 ~ /^phoneprov / { for (i = 1; i <= NF; i++) if ($i ~ /cpu us\/req/) { split($i, f, " "); print f[3] } }' "$s" | tail -1)
    IMP[$db]=$(sed -n 's/.*seeded [0-9]* devices in \([0-9.]*\) s.*/\1/p' "$s" | tail -1)
    SUMMARY+=("fetch $db: $(grep -E '^phoneprov +rps' "$s" | tail -1)")
    [ "$db" = postgres ] && SUMMARY+=("  PostgreSQL's own CPU over that run (seeding, checks, wrk): $(pg_cpu_since "$t0") s")
    SUMMARY+=("import $db: $(grep -E 'seeded' "$s" | tail -1)")
  done
  SUMMARY+=("config fetch, $N phones rotating: PostgreSQL ${RPS[postgres]} req/s (${US[postgres]} us/req) vs SQLite ${RPS[sqlite]} req/s (${US[sqlite]} us/req): $(ratio "${RPS[postgres]}" "${RPS[sqlite]}")x (target >= 0.9)")
  SUMMARY+=("Classic import of $N users (one import, with its licenses and devices): PostgreSQL ${IMP[postgres]} s, SQLite ${IMP[sqlite]} s (target on PostgreSQL for 10,000: < 15 s)")
fi

if [[ " $PARTS " == *" register "* ]]; then
  declare -A REG CPU
  for db in sqlite postgres; do
    args=""; if [ "$db" = postgres ]; then newdb register; args="--database $DBURL"; fi
    echo "== register on $db"
    t0=$(pg_ticks)
    WORK="$OUT/sipp-$db" PP_ARGS="$args" LABEL="$db" N_LINES="$N_LINES" RATES="$RATES" DURATION=5 QUIET_MAX=5 PROFILE=0 OVERLOAD=0 \
      "$REPO/sip/bench/run-sipp.sh" 2>&1 | tee "$OUT/register-$db.txt" | grep -E '^(max rate|CPU-us)' || true
    REG[$db]=$(sed -n 's/^max rate, shared criterion.* phoneprov=\([0-9]*\).*/\1/p' "$OUT/register-$db.txt" | tail -1)
    CPU[$db]=$(sed -n "s/^CPU-us per registration at each one's max: .*phoneprov=\([0-9.na]*\).*/\1/p" "$OUT/register-$db.txt" | head -1)
    SUMMARY+=("register $db: $(grep -E '^(max rate|CPU-us)' "$OUT/register-$db.txt" | paste -sd' ')")
    [ "$db" = postgres ] && SUMMARY+=("  PostgreSQL's own CPU over that run (seeding, warm-up, ramp): $(pg_cpu_since "$t0") s; registrations sent: $(awk -F'\t' 'NR > 1 && $1 == "phoneprov" { s += $6 } END { print s + 0 }' "$OUT/sipp-$db/sipp-bench/"*"$db"*.tsv 2>/dev/null || echo '?')")
  done
  SUMMARY+=("authenticated REGISTER, UDP, $N_LINES lines: PostgreSQL max ${REG[postgres]:-?}/s (${CPU[postgres]:-?} us/reg) vs SQLite ${REG[sqlite]:-?}/s (${CPU[sqlite]:-?} us/reg): $(ratio "${REG[postgres]:-0}" "${REG[sqlite]:-0}")x (target >= 0.8)")
fi

if [[ " $PARTS " == *" storm "* ]]; then
  echo "== storm: $STORM phones over three nodes on PostgreSQL, registrar found through DNS SRV"
  B="$PG/bin"; mkdir -p "$B"
  (cd "$REPO" && go build -o "$B/phoneprov" ./cmd/phoneprov && go build -o "$B/phoneprov-bench" ./cmd/phoneprov-bench)
  newdb storm; url="$DBURL"; t0=$(pg_ticks)
  SERVERS=(); DNS=""
  for i in 2 3 4; do
    ip="127.0.0.$i"; data="$PG/node$i"; mkdir -m 700 -p "$data"
    [ "$i" != 2 ] && cp "$PG/node2/secret.key" "$data/"
    "$B/phoneprov" serve --data "$data" --database "$url" --public-host "$ip" --http-addr "$ip:0" --https-addr "" \
      --sip-addr "$ip:0" --sips-addr "" --stun-addr "" --dns-addr "$ip:0" --log-level warn >"$OUT/node$i.log" 2>&1 &
    NODE_PIDS+=($!)
    for _ in $(seq 600); do [ -s "$data/ports.json" ] && break; sleep 0.1; done
    [ -s "$data/ports.json" ] || { echo "node $ip did not start:"; tail -20 "$OUT/node$i.log"; exit 1; }
    SERVERS+=("http://$(sed -n 's/.*"http": *"\([^"]*\)".*/\1/p' "$data/ports.json")")
    [ "$i" = 2 ] && DNS="$(sed -n 's/.*"dns": *"\([^"]*\)".*/\1/p' "$data/ports.json")"
  done
  sleep 5 # two heartbeats: every node in the SRV records
  ulimit -n 65536 2>/dev/null || true
  timeout 1800 "$B/phoneprov-bench" storm --server "$(IFS=,; echo "${SERVERS[*]}")" --dns "$DNS" \
    --token-file "$PG/node2/admin.token" --devices "$STORM" --arrival poisson --window "$STORM_WINDOW" \
    --sources 200 --timeout 10m --json "$OUT/storm.json" 2>&1 | tee "$OUT/storm.txt" || true
  # the same phones boot again (power back after an outage): the account
  # is there, only verified (--reuse)
  t1=$(pg_ticks)
  timeout 1800 "$B/phoneprov-bench" storm --server "$(IFS=,; echo "${SERVERS[*]}")" --dns "$DNS" --reuse \
    --token-file "$PG/node2/admin.token" --devices "$STORM" --arrival poisson --window "$STORM_WINDOW" \
    --sources 200 --timeout 10m --json "$OUT/storm-reboot.json" 2>&1 | tee "$OUT/storm-reboot.txt" || true
  SUMMARY+=("storm through DNS SRV, three nodes on PostgreSQL: $(grep -E '^booted' "$OUT/storm.txt" || echo 'no report')")
  SUMMARY+=("  the same phones booting again (--reuse): $(grep -E '^booted' "$OUT/storm-reboot.txt" || echo 'no report'); PostgreSQL's own CPU over it (with the verification): $(pg_cpu_since "$t1") s")
  SUMMARY+=("  PostgreSQL's own CPU over the storm (with its seeding): $(pg_cpu_since "$t0") s")
  SUMMARY+=("  database size after the storm ($STORM phones registered): $(as_pg "$PGBIN/psql" -h "$PG" -p "$PGPORT" -U postgres -d pp_storm -Atc \
    "SELECT pg_size_pretty(pg_database_size(current_database())) || '; largest tables: ' || string_agg(t, ', ') FROM (SELECT relname || ' ' || pg_size_pretty(pg_total_relation_size(relid)) AS t FROM pg_statio_user_tables ORDER BY pg_total_relation_size(relid) DESC LIMIT 6) x")")
  while read -r l; do SUMMARY+=("  $l"); done < <(grep -E '^(registered through SRV|server pid|seeded)' "$OUT/storm.txt")
fi

SUMMARY+=("load average at the end $(cut -d' ' -f1-3 /proc/loadavg); outputs in $OUT")
printf '%s\n' "${SUMMARY[@]}" | tee -a "$RESULTS/postgres-summary.txt"
