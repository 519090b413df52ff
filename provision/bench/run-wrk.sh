#!/usr/bin/env bash
# run-wrk.sh — config-server benchmark: phoneprov against nginx in one run.
#
# Builds phoneprov, starts it on 127.0.0.1 (ports via :0, temp data dir),
# seeds N (10,000) licensed users with one phone each on line 1 (the load
# harness's mix of Yealink T46U, Poly VVX 410, Fanvil X4U, Cisco
# CP-8841-3PCC, Grandstream GRP2614 and Snom D735) with `phoneprov-bench
# seed` (Classic imports above 1,000 phones, else the admin API), which
# checks with GET /api/v1/identify that each phone's own config would be
# served, fetches every one once and writes it as a static file for nginx
# (byte-identical content) and the (path, User-Agent) targets. nginx (2 workers, access log off,
# keep-alive, as /work/shared/peers/nginx/nginx.conf) serves those files on
# its own loopback port. wrk with targets.lua then rotates over all N
# (path, User-Agent) pairs against each server, alternating, REPEATS times,
# each run after a WARMUP-second warm-up.
#
# Per run: requests/s, p50/p99 (wrk --latency), non-2xx, socket errors,
# server CPU (utime+stime of the server's processes from /proc, % of one
# core and µs per request), wrk CPU, CPU of everything else on the machine
# meanwhile, and the 1-minute load average at the start. Then medians, the
# ratio phoneprov/nginx and the target (issue 11: ratio >= 1.0, p99 < 5 ms, 0 non-2xx).
#
# Scenarios (one per invocation; the same for both servers):
#   SCHEME=http|https  https: both over TLS 1.3 with keep-alive, nginx with
#                      phoneprov's own server certificate and key
#   REQ=plain|inm|basic  inm: every request carries If-None-Match with the
#                      server's own ETag of that file (both answer 304);
#                      basic: every request carries the phone's own
#                      credential as Authorization: Basic (needs
#                      SCHEME=https; phoneprov runs --device-auth
#                      credentials, nginx auth_basic over an htpasswd of all
#                      N credentials, {SHA}). HTTP digest, phoneprov's other
#                      device credential, cannot be sent by wrk (it needs
#                      the server's nonce per request): `phoneprov-bench
#                      storm` measures it.
#   IDLE=0|N           after the runs, hold N idle keep-alive connections to
#                      each server (`phoneprov-bench idle`) and report the
#                      server's RSS per connection
#   COLD=0|1           at the end, restart phoneprov on the same database and
#                      report the time from process start to the first
#                      config served, then its RSS after DURATION s of the
#                      same load (without the seeding's garbage)
# The server's RSS (VmRSS; nginx: master and workers) is sampled after
# every run.
# Environment (defaults): N=10000 DURATION=15 REPEATS=3 THREADS=2 CONNS=64
# WARMUP=3 SEED_WORKERS=32 QUIET_WAIT=30 (seconds to wait for a quiet
# machine before each run) RESULTS=/tmp/phoneprov-bench PROFILE=0 (1: after
# the runs, `perf record -g` phoneprov under the same load for DURATION s and
# write the top symbols and syscalls per request to the results) KEEP=0 (1:
# keep the temp dir) DEBUG_ADDR= (e.g. 127.0.0.1:6060: phoneprov's --debug-addr, for
# `go tool pprof` while a run is under way) PHONEPROV_BIN= (a prebuilt phoneprov; default: build
# ./cmd/phoneprov from this checkout) SEED_ONLY=0 (1: stop after seeding and
# the checks of its output against phoneprov and nginx, before any wrk run).
# DATABASE= (phoneprov's --database: empty for SQLite in the temp data dir,
# postgres://… for PostgreSQL; devicedb/bench/run-postgres.sh compares them)
# DEVICE_AUTH=network (phoneprov's --device-auth: "network" with --allow
# 127.0.0.0/8, so wrk's plain GETs are phones proven by their network and go
# through the whole decision; "open" for a plain-fetch comparison. wrk cannot
# answer the digest challenge of the default "credentials" mode, so that
# mode is measured by `phoneprov-bench storm`, not here).
# Output: summary on stdout (also appended to $RESULTS/summary.txt), one TSV
# per run in $RESULTS/run-<time>.tsv, wrk outputs in $RESULTS/run-<time>/.
# Exit status: 0 when all runs completed (target met or not; see summary),
# 1 on a setup failure or when phoneprov answered anything but 200.
# Bounds: every wait is bounded, wrk runs under `timeout`; traffic goes to
# 127.0.0.1 only; everything started here is stopped on exit. Runs as root
# (installs nginx and wrk with apt-get when missing).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
N="${N:-10000}"; DURATION="${DURATION:-15}"; REPEATS="${REPEATS:-3}"
THREADS="${THREADS:-2}"; CONNS="${CONNS:-64}"; WARMUP="${WARMUP:-3}"
SEED_WORKERS="${SEED_WORKERS:-32}"; QUIET_WAIT="${QUIET_WAIT:-30}"
RESULTS="${RESULTS:-/tmp/phoneprov-bench}"; PROFILE="${PROFILE:-0}"; KEEP="${KEEP:-0}"; SEED_ONLY="${SEED_ONLY:-0}"
SCHEME="${SCHEME:-http}"; REQ="${REQ:-plain}"; IDLE="${IDLE:-0}"; COLD="${COLD:-0}"
case "$SCHEME/$REQ" in
  http/plain | http/inm | https/plain | https/inm | https/basic) ;;
  */basic) echo "run-wrk.sh: REQ=basic needs SCHEME=https (phoneprov takes basic credentials over TLS only)" >&2; exit 1 ;;
  *) echo "run-wrk.sh: SCHEME=http|https, REQ=plain|inm|basic" >&2; exit 1 ;;
esac
[ "$REQ" = basic ] && DEVICE_AUTH="${DEVICE_AUTH:-credentials}"
[[ "$IDLE" =~ ^[0-9]+$ && "$COLD" =~ ^[01]$ ]] || { echo "run-wrk.sh: IDLE=N, COLD=0|1" >&2; exit 1; }
for v in N DURATION REPEATS THREADS CONNS WARMUP SEED_WORKERS QUIET_WAIT; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "run-wrk.sh: $v=${!v}: give a whole number" >&2; exit 1; }
done
((N >= 1 && DURATION >= 1 && REPEATS >= 1 && REPEATS <= 20 && THREADS >= 1 && CONNS >= THREADS)) ||
  { echo "run-wrk.sh: need N>=1, DURATION>=1, 1<=REPEATS<=20, CONNS>=THREADS>=1" >&2; exit 1; }
CLK_TCK="$(getconf CLK_TCK)"

# --- tools -----------------------------------------------------------------
need=()
command -v nginx >/dev/null || need+=(nginx)
command -v wrk >/dev/null || need+=(wrk)
command -v curl >/dev/null || need+=(curl)
command -v python3 >/dev/null || need+=(python3)
[ "$PROFILE" = 1 ] && ! command -v perf >/dev/null && need+=(linux-perf)
if ((${#need[@]})); then
  echo "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v go >/dev/null || { echo "run-wrk.sh: go is not on PATH" >&2; exit 1; }

# --- helpers ---------------------------------------------------------------
# cpu_ticks PID... -> utime+stime (clock ticks) summed over the live PIDs
cpu_ticks() {
  local p
  for p in "$@"; do sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null || true; done |
    awk '{ s += $12 + $13 } END { print s + 0 }'
}
# all_ticks -> utime+stime+cutime+cstime over every process (conserved when
# children are reaped), for the CPU the rest of the machine used meanwhile
all_ticks() {
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | sed 's/^.*) //' |
    awk '{ s += $12 + $13 + $14 + $15 } END { print s + 0 }'
}
# wait_quiet MAX_S -> wait (<= MAX_S s) until the machine used < 20% of a core over 1 s
wait_quiet() {
  local i a b
  for ((i = 0; i < $1; i++)); do
    a=$(all_ticks); sleep 1; b=$(all_ticks)
    (((b - a) * 100 / CLK_TCK < 20)) && return 0
  done
  return 1
}
# stop PID -> TERM, wait <= 20 s, then KILL; only the PIDs this script started
stop() {
  local p="$1" i
  kill -0 "$p" 2>/dev/null || return 0
  kill "$p" 2>/dev/null || true
  for ((i = 0; i < 200; i++)); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$p" 2>/dev/null || true
}
# free_port -> a TCP port nothing listens on (nginx cannot take :0)
free_port() {
  local p i
  for ((i = 0; i < 100; i++)); do
    p=$((20000 + RANDOM % 40000))
    ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return 0; }
  done
  return 1
}
# to_ms "123.45us" / "1.23ms" / "1.02s" -> milliseconds
to_ms() {
  awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 } else print "nan" }'
}
# median V... -> the median (mean of the middle two for an even count)
median() { printf '%s\n' "$@" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan"; exit }
  m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print (m == int(m)) ? m : sprintf("%.3f", m) }'; }
# rss_mb PID... -> the summed VmRSS of the live PIDs, MiB
rss_mb() {
  local p
  for p in "$@"; do awk '$1 == "VmRSS:" { print $2 }' "/proc/$p/status" 2>/dev/null || true; done |
    awk '{ s += $1 } END { printf "%.1f", s / 1024 }'
}
# metric NAME -> phoneprov's value of a Prometheus series (0 when absent)
metric() { curl -s --max-time 5 "http://$PP/metrics" | awk -v n="$1" '$1 == n { v = $2 } END { printf "%.0f", v + 0 }'; }

# --- start -----------------------------------------------------------------
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RESULTS"
RUN="$RESULTS/run-$STAMP"; TSV="$RESULTS/run-$STAMP.tsv"; mkdir -p "$RUN"
W="$(mktemp -d /tmp/phoneprov-bench.XXXXXX)"
chmod 755 "$W" # nginx workers run as nobody and read $W/nginx/www (fake test data only)
PP_PID=""; NG_PID=""
cleanup() {
  [ -n "$NG_PID" ] && stop "$NG_PID"
  [ -n "$PP_PID" ] && stop "$PP_PID"
  [ -f "$W/phoneprov.log" ] && cp "$W/phoneprov.log" "$RUN/" 2>/dev/null
  [ -f "$W/nginx/logs/error.log" ] && cp "$W/nginx/logs/error.log" "$RUN/nginx-error.log" 2>/dev/null
  if [ "$KEEP" = 1 ]; then echo "kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "${PHONEPROV_BIN:-}" ]; then
  echo "== building phoneprov-bench (phoneprov: $PHONEPROV_BIN)"
  cp "$PHONEPROV_BIN" "$W/phoneprov"
else
  echo "== building phoneprov and phoneprov-bench"
  (cd "$REPO" && go build -o "$W/phoneprov" ./cmd/phoneprov)
fi
(cd "$REPO" && go build -o "$W/phoneprov-bench" ./cmd/phoneprov-bench)

mkdir -p "$W/data"
# start_phoneprov -> starts phoneprov on $W/data, sets PP_PID, PP (HTTP: the
# admin API) and PPT (the address wrk loads: HTTP or HTTPS)
start_phoneprov() {
  rm -f "$W/data/ports.json"
  "$W/phoneprov" serve --data "$W/data" --http-addr 127.0.0.1:0 --https-addr "$([ "$SCHEME" = https ] && echo 127.0.0.1:0)" \
    --sip-addr 127.0.0.1:0 --sips-addr "" --stun-addr "" --dns-addr "" --public-host 127.0.0.1 \
    --device-auth "${DEVICE_AUTH:-network}" --allow 127.0.0.0/8 ${DEBUG_ADDR:+--debug-addr "$DEBUG_ADDR"} \
    ${DATABASE:+--database "$DATABASE"} >>"$W/phoneprov.log" 2>&1 &
  PP_PID=$!
  PP=""; PPT=""
  local i
  for ((i = 0; i < 6000; i++)); do
    kill -0 "$PP_PID" 2>/dev/null || { echo "phoneprov exited:"; cat "$W/phoneprov.log"; exit 1; }
    PP="$(sed -n 's/.*"http": *"\([^"]*\)".*/\1/p' "$W/data/ports.json" 2>/dev/null || true)"
    PPT="$(sed -n "s/.*\"$SCHEME\": *\"\([^\"]*\)\".*/\1/p" "$W/data/ports.json" 2>/dev/null || true)"
    [ -n "$PP" ] && [ -n "$PPT" ] && break
    sleep 0.01
  done
  [ -n "$PP" ] && [ -n "$PPT" ] || { echo "phoneprov wrote no ports.json in 60 s"; exit 1; }
  case "$PP $PPT" in "127.0.0.1:"*" 127.0.0.1:"*) ;; *) echo "phoneprov listens on $PP $PPT, not loopback"; exit 1 ;; esac
}
start_phoneprov
echo "phoneprov pid=$PP_PID http://$PP $SCHEME://$PPT"

echo "== seeding $N devices"
mkdir -p "$W/nginx/www" "$W/nginx/logs" "$W/nginx/tmp"
t0=$(date +%s.%N)
timeout 1800 "$W/phoneprov-bench" seed --server "http://$PP" --token-file "$W/data/admin.token" --devices "$N" \
  --workers "$SEED_WORKERS" --seed-timeout 29m --out-targets "$W/targets.tsv" --out-www "$W/nginx/www" | tee "$RUN/seed.txt"
SEED_S=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "seed total (users, licenses, devices, lines, identify, fetch): $SEED_S s" | tee -a "$RUN/seed.txt"
[ "$(wc -l < "$W/targets.tsv")" = "$N" ] || { echo "the seeder wrote $(wc -l < "$W/targets.tsv") targets, want $N"; exit 1; }
cp "$W/targets.tsv" "$RUN/targets.tsv"
# nginx's targets: the same, with nginx's own ETag ("mtime-size" in hex);
# its htpasswd: every phone's credential, {SHA}
python3 - "$W/targets.tsv" "$W/nginx/www" "$W/targets-nginx.tsv" "$W/nginx/htpasswd" <<'PY'
import base64, hashlib, os, sys
src, www, out, htp = sys.argv[1:]
with open(src) as f, open(out, "w") as o, open(htp, "w") as h:
    for line in f:
        path, ua, basic, _ = line.rstrip("\n").split("\t")
        st = os.stat(os.path.join(www, os.path.basename(path)))
        o.write("%s\t%s\t%s\t\"%x-%x\"\n" % (path, ua, basic, int(st.st_mtime), st.st_size))
        if basic != "-":
            user, pw = base64.b64decode(basic).decode().split(":", 1)
            h.write("%s:{SHA}%s\n" % (user, base64.b64encode(hashlib.sha1(pw.encode()).digest()).decode()))
PY
chmod 644 "$W/nginx/htpasswd"
CURL_TLS=(); NG_TLS=""; NG_AUTH=""
if [ "$SCHEME" = https ]; then
  crt="$(find "$W/data" -name server.crt | head -1)"; key="$(find "$W/data" -name server.key | head -1)"
  ca="$(find "$W/data" -name ca.crt | head -1)"
  [ -n "$crt" ] && [ -n "$key" ] && [ -n "$ca" ] || { echo "no server.crt/server.key/ca.crt under phoneprov's data"; exit 1; }
  cp "$crt" "$W/nginx/server.crt"; cp "$key" "$W/nginx/server.key"; cp "$ca" "$W/ca.crt"; chmod 644 "$W/nginx/server.key"
  CURL_TLS=(--cacert "$W/ca.crt")
  NG_TLS="ssl; ssl_certificate server.crt; ssl_certificate_key server.key; ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache shared:SSL:10m"
fi
[ "$REQ" = basic ] && NG_AUTH='auth_basic "phones"; auth_basic_user_file htpasswd;'

NGPORT="$(free_port)" || { echo "no free port for nginx"; exit 1; }
cat >"$W/nginx/nginx.conf" <<EOF
# generated by provision/bench/run-wrk.sh, modelled on /work/shared/peers/nginx/nginx.conf
worker_processes 2;
worker_rlimit_nofile 19000;
pid nginx.pid;
error_log logs/error.log warn;
daemon off;
events { worker_connections 4096; use epoll; }
http {
    default_type text/plain;
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    open_file_cache max=10000 inactive=60s;
    open_file_cache_valid 60s;
    etag on;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    server {
        listen 127.0.0.1:$NGPORT ${NG_TLS:+ssl} reuseport backlog=4096;
        ${NG_TLS:+${NG_TLS#ssl; };}
        server_name localhost;
        root www;
        $NG_AUTH
        location / { try_files \$uri =404; }
    }
}
EOF
nginx -p "$W/nginx/" -c "$W/nginx/nginx.conf" -e "$W/nginx/logs/error.log" >"$W/nginx/logs/stdout.log" 2>&1 &
NG_PID=$!
for ((i = 0; i < 100; i++)); do ss -Hltn "sport = :$NGPORT" | grep -q . && break; sleep 0.1; done
ss -Hltn "sport = :$NGPORT" | grep -q . || { echo "nginx did not start"; cat "$W/nginx/logs/error.log"; exit 1; }
NG="127.0.0.1:$NGPORT"
echo "nginx pid=$NG_PID $SCHEME://$NG workers=$(pgrep -P "$NG_PID" | wc -l)"

# both answer byte-identical bodies, phoneprov only to the right User-Agent
checks=0
auth() { [ "$REQ" = basic ] && printf 'Authorization: Basic %s' "$1" || printf 'X-None: 1'; }
while IFS=$'\t' read -r path ua basic etag; do
  curl -sf "${CURL_TLS[@]}" -H "$(auth "$basic")" -A "$ua" -o "$W/a" "$SCHEME://$PPT$path" &&
    curl -sf "${CURL_TLS[@]}" -H "$(auth "$basic")" -A "$ua" -o "$W/b" "$SCHEME://$NG$path" &&
    cmp -s "$W/a" "$W/b" || { echo "check failed for $path ($ua)"; exit 1; }
  if [ "$REQ" = inm ]; then
    ngetag="$(awk -F'\t' -v p="$path" '$1 == p { print $4 }' "$W/targets-nginx.tsv")"
    c1=$(curl -s "${CURL_TLS[@]}" -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" -A "$ua" "$SCHEME://$PPT$path")
    c2=$(curl -s "${CURL_TLS[@]}" -o /dev/null -w '%{http_code}' -H "If-None-Match: $ngetag" -A "$ua" "$SCHEME://$NG$path")
    [ "$c1 $c2" = "304 304" ] || { echo "check failed: If-None-Match on $path answered $c1 (phoneprov), $c2 (nginx), want 304"; exit 1; }
  fi
  checks=$((checks + 1))
done < <(sed -n '1,6p;$p' "$W/targets.tsv")
# one request with another model's User-Agent must get phoneprov's 404 (a
# single unknown MAC stays far below the MAC-walking throttle's limit)
IFS=$'\t' read -r path ua basic etag < "$W/targets.tsv"
mac="${path#/}"; mac="${mac%.cfg}"; mac="${mac#phoneprov-}"
code=$(curl -s "${CURL_TLS[@]}" -H "$(auth "$basic")" -o /dev/null -w '%{http_code}' -A "Fanvil X4U 2.12.1 $mac" "$SCHEME://$PPT$path")
[ "$code" = 404 ] || { echo "check failed: $path with another model's User-Agent answered $code, want 404"; exit 1; }
echo "checks: $checks configs byte-identical from phoneprov and nginx; a wrong User-Agent gets 404 from phoneprov"
if [ "$SEED_ONLY" = 1 ]; then echo "SEED_ONLY=1: stopping before the wrk runs"; exit 0; fi

# --- runs ------------------------------------------------------------------
printf "server\trepeat\tthreads\tconns\tduration_s\trps\tp50_ms\tp99_ms\tnon2xx\tsock_errors\tserver_cpu_pct\tserver_cpu_us_per_req\twrk_cpu_pct\tother_cpu_pct\tload1\talloc_bytes_per_req\tgc_cycles\trecords_dropped\trss_mb\n" >"$TSV"
targets_of() { [ "$1" = nginx ] && echo "$W/targets-nginx.tsv" || echo "$W/targets.tsv"; }
run_one() { # run_one NAME REPEAT ADDR ROOT_PID
  local name="$1" rep="$2" addr="$3" root="$4" out="$RUN/wrk-$1-$2.txt" tg
  tg="$(targets_of "$name")"
  wait_quiet "$QUIET_WAIT" || echo "  (machine not quiet after $QUIET_WAIT s; running anyway)" >&2
  timeout $((WARMUP + 15)) wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" -s "$HERE/targets.lua" "$SCHEME://$addr" -- "$tg" "$REQ" >/dev/null 2>&1 || true
  local pids=("$root") load s0 s1 a0 a1 wall wu ws
  [ "$name" = nginx ] && pids+=($(pgrep -P "$root" || true))
  local m0=(- - -) m1=(- - -) alloc=- gcs=- dropped=-
  [ "$name" = phoneprov ] && m0=("$(metric go_memstats_alloc_bytes_total)" "$(metric go_gc_duration_seconds_count)" \
    "$(metric phoneprov_fetch_records_dropped_total)")
  load=$(cut -d' ' -f1 /proc/loadavg)
  s0=$(cpu_ticks "${pids[@]}"); a0=$(all_ticks)
  TIMEFORMAT="%R %U %S"
  { time (timeout $((DURATION + 20)) wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 5s --latency \
      -s "$HERE/targets.lua" "$SCHEME://$addr" -- "$tg" "$REQ" >"$out" 2>&1) || true; } 2>"$out.time"
  s1=$(cpu_ticks "${pids[@]}"); a1=$(all_ticks)
  local rss; rss=$(rss_mb "${pids[@]}")
  read -r wall wu ws < <(tail -1 "$out.time")
  if [ "$name" = phoneprov ]; then
    m1=("$(metric go_memstats_alloc_bytes_total)" "$(metric go_gc_duration_seconds_count)" "$(metric phoneprov_fetch_records_dropped_total)")
  fi
  local rps reqs p50 p99 non2xx serr scpu sus wcpu other
  rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out"); rps=${rps:-0}
  reqs=$(awk '/requests in/ { print $1 }' "$out"); reqs=${reqs:-0}
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out"); non2xx=${non2xx:-0}
  serr=$(awk '/Socket errors:/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' "$out"); serr=${serr:-0}
  scpu=$(awk -v t=$((s1 - s0)) -v h="$CLK_TCK" -v w="$wall" 'BEGIN { printf "%.0f", 100 * t / h / w }')
  sus=$(awk -v t=$((s1 - s0)) -v h="$CLK_TCK" -v r="$reqs" 'BEGIN { if (r > 0) printf "%.1f", t / h * 1e6 / r; else print "nan" }')
  wcpu=$(awk -v u="$wu" -v s="$ws" -v w="$wall" 'BEGIN { printf "%.0f", 100 * (u + s) / w }')
  other=$(awk -v a=$((a1 - a0)) -v k=$((s1 - s0)) -v u="$wu" -v s="$ws" -v w="$wall" -v h="$CLK_TCK" \
    'BEGIN { x = (a - k - (u + s) * h) / h / w * 100; if (x < 0) x = 0; printf "%.0f", x }')
  if [ "$name" = phoneprov ]; then
    alloc=$(awk -v a="${m0[0]}" -v b="${m1[0]}" -v r="$reqs" 'BEGIN { if (r > 0) printf "%.0f", (b - a) / r; else print "nan" }')
    gcs=$((m1[1] - m0[1])); dropped=$((m1[2] - m0[2]))
  fi
  printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$name" "$rep" "$THREADS" "$CONNS" \
    "$DURATION" "$rps" "$p50" "$p99" "$non2xx" "$serr" "$scpu" "$sus" "$wcpu" "$other" "$load" "$alloc" "$gcs" "$dropped" "$rss" | tee -a "$TSV"
}

echo "== $SCHEME $REQ: wrk -t$THREADS -c$CONNS -d${DURATION}s, $REPEATS repeats, warm-up ${WARMUP}s; results in $TSV"
for ((rep = 1; rep <= REPEATS; rep++)); do
  if ((rep % 2)); then order="phoneprov nginx"; else order="nginx phoneprov"; fi
  for s in $order; do
    if [ "$s" = phoneprov ]; then run_one phoneprov "$rep" "$PPT" "$PP_PID"; else run_one nginx "$rep" "$NG" "$NG_PID"; fi
  done
done

curl -s "http://$PP/metrics" >"$RUN/metrics.txt" || true

# syscalls_per_req NAME ADDR PID... -> syscalls per request of the server
# under the same load for 5 s (perf stat on syscall tracepoints; robust to
# the machine's noise, unlike time)
syscalls_per_req() {
  local name="$1" addr="$2"; shift 2
  local pids ev="read,write,writev,sendfile64,recvfrom,sendto,epoll_wait,epoll_pwait,futex,pread64,pwrite64,fdatasync,nanosleep"
  pids="$(printf '%s,' "$@")"; pids="${pids%,}"
  timeout 30 wrk -t"$THREADS" -c"$CONNS" -d7s -s "$HERE/targets.lua" "$SCHEME://$addr" -- "$(targets_of "$name")" "$REQ" >"$RUN/wrk-syscalls-$name.txt" 2>&1 &
  local wp=$!
  sleep 1
  timeout 20 perf stat -x, -e "$(echo "$ev" | sed 's/\([a-z0-9_]*\)/syscalls:sys_enter_\1/g')" -p "$pids" -- sleep 5 \
    2>"$RUN/perf-stat-$name.csv" >/dev/null || true
  wait "$wp" || true
  local rps; rps=$(awk '/^Requests\/sec:/ { print $2 }' "$RUN/wrk-syscalls-$name.txt")
  awk -F, -v n="$name" -v r="${rps:-0}" '$3 ~ /^syscalls:/ && $1 + 0 > 0 { sub(/syscalls:sys_enter_/, "", $3)
    printf "%s%s=%.2f", (k++ ? " " : n " syscalls/request: "), $3, (r > 0 ? $1 / 5 / r : 0) } END { print "" }' "$RUN/perf-stat-$name.csv"
}

if [ "$PROFILE" = 1 ]; then
  echo "== syscalls per request (perf stat, 5 s of load each)"
  { syscalls_per_req phoneprov "$PPT" "$PP_PID"; syscalls_per_req nginx "$NG" "$NG_PID" $(pgrep -P "$NG_PID"); } | tee "$RUN/syscalls.txt"
  echo "== perf record -g on phoneprov under the same load (${DURATION}s)"
  timeout $((DURATION + 20)) wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" -s "$HERE/targets.lua" "$SCHEME://$PPT" -- "$W/targets.tsv" "$REQ" \
    >"$RUN/wrk-profile.txt" 2>&1 &
  WRK_PID=$!
  sleep 1
  timeout $((DURATION + 20)) perf record -q -F 499 -g -p "$PP_PID" -o "$W/perf.data" -- sleep $((DURATION > 3 ? DURATION - 2 : 1)) \
    >/dev/null 2>&1 || echo "  perf record failed" >&2
  wait "$WRK_PID" || true
  if [ -s "$W/perf.data" ]; then
    perf report -i "$W/perf.data" --stdio --no-children --sort symbol --percent-limit 0.5 2>/dev/null |
      grep -E '^ +[0-9]' | sed 's/ *- *- *$//' >"$RUN/perf-self.txt" || true
    perf report -i "$W/perf.data" --stdio --children --sort symbol --percent-limit 0.2 -g none 2>/dev/null |
      grep -E '^ +[0-9]' | sed 's/ *- *- *$//' >"$RUN/perf-children.txt" || true
    echo "top self (perf-self.txt):"; head -25 "$RUN/perf-self.txt"
    # the request path's parts, inclusive of what they call (perf-focus.txt)
    grep -E 'conn\)\.serve$|readRequest$|finishRequest$|Server\)\.ServeHTTP$|instrument|Recoverer|NewWrapResponseWriter|chi/v5\.\(\*Mux\)\.routeHTTP$|FindRoute|Phones\)\.(ServeHTTP|Answer|Decide|decideDevice|config|write|writeFile)$|ident\.\(\*Identifier\)|throttle|configCache|recorder\)\.(fetch|run)$|RecordFetches$|WithLabelValues|Observe$|Header\)\.Set$|runtime\.mallocgc$|gcBgMarkWorker$|syscall\.(read|write)$|strconv' \
      "$RUN/perf-children.txt" | awk '{ c = $1; $1 = $2 = $3 = ""; sub(/^ +/, ""); print c "\t" $0 }' >"$RUN/perf-focus.txt" || true
    echo "request path, inclusive (perf-focus.txt):"; cat "$RUN/perf-focus.txt"
  fi
fi

# --- idle connections ------------------------------------------------------
IDLE_OUT=()
if ((IDLE > 0)); then
  ulimit -n $((IDLE * 2 + 4096)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  IFS=$'\t' read -r path ua basic etag < "$W/targets.tsv"
  for s in phoneprov nginx; do
    if [ "$s" = phoneprov ]; then addr="$PPT"; pids="$PP_PID"; else addr="$NG"; pids="$NG_PID,$(pgrep -P "$NG_PID" | paste -sd,)"; fi
    wait_quiet "$QUIET_WAIT" || true
    line=$(timeout 300 "$W/phoneprov-bench" idle --addr "$addr" --conns "$IDLE" --path "$path" --user-agent "$ua" \
      --pids "$pids" --hold 10s $([ "$SCHEME" = https ] && echo --ca "$W/ca.crt") 2>&1 | tail -1) || true
    IDLE_OUT+=("$(printf '%-9s %s' "$s" "$line")")
    echo "${IDLE_OUT[-1]}"
  done
fi

# --- cold start --------------------------------------------------------------
COLD_OUT=""
if [ "$COLD" = 1 ]; then
  stop "$PP_PID"
  IFS=$'\t' read -r path ua basic etag < <(tail -1 "$W/targets.tsv")
  t0=$(date +%s.%N)
  start_phoneprov
  tl=$(date +%s.%N); code=000
  for ((i = 0; i < 6000; i++)); do
    code=$(curl -s "${CURL_TLS[@]}" -H "$(auth "$basic")" -o /dev/null -w '%{http_code}' -A "$ua" "$SCHEME://$PPT$path" || true)
    [ "$code" = 200 ] && break
    sleep 0.01
  done
  t1=$(date +%s.%N)
  COLD_OUT=$(awk -v a="$t0" -v l="$tl" -v b="$t1" -v c="$code" -v n="$N" -v r="$(rss_mb "$PP_PID")" 'BEGIN {
    printf "cold start (%d devices in the database): listening %.2f s, first config (%s) %.2f s after process start; RSS %s MiB", n, l - a, c, b - a, r }')
  echo "$COLD_OUT"
  # the restarted server under the same load: its cache fills without the
  # seeding's garbage in the heap
  timeout $((DURATION + 20)) wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 5s -s "$HERE/targets.lua" \
    "$SCHEME://$PPT" -- "$W/targets.tsv" "$REQ" >"$RUN/wrk-phoneprov-restarted.txt" 2>&1 || true
  COLD_OUT="$COLD_OUT; then ${DURATION} s of the same load: $(awk '/^Requests\/sec:/ { printf "%.0f req/s", $2 }' "$RUN/wrk-phoneprov-restarted.txt"), RSS $(rss_mb "$PP_PID") MiB"
  echo "$COLD_OUT"
fi

# --- summary ---------------------------------------------------------------
col() { awk -F'\t' -v s="$1" -v c="$2" 'NR > 1 && $1 == s { print $c }' "$TSV"; }
PP_RPS=$(median $(col phoneprov 6)); NG_RPS=$(median $(col nginx 6))
PP_P99=$(median $(col phoneprov 8)); PP_NON2XX=$(col phoneprov 9 | awk '{ s += $1 } END { print s + 0 }')
PP_SERR=$(col phoneprov 10 | awk '{ s += $1 } END { print s + 0 }')
RATIO=$(awk -v a="$PP_RPS" -v b="$NG_RPS" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }')
MET=$(awk -v r="$RATIO" -v p="$PP_P99" -v n="$PP_NON2XX" -v e="$PP_SERR" \
  'BEGIN { print (r >= 1.0 && p < 5 && n == 0 && e == 0) ? "MET" : "NOT MET" }')
{
  echo "== phoneprov ($(case "${DATABASE:-}" in postgres*) echo PostgreSQL ;; *) echo SQLite ;; esac)) vs nginx $STAMP: $SCHEME $REQ, $N phones (Yealink T46U, Poly VVX 410, Fanvil X4U, Cisco CP-8841-3PCC, Grandstream GRP2614, Snom D735), wrk -t$THREADS -c$CONNS -d${DURATION}s, $REPEATS repeats, $(nproc) cores"
  echo "seeding: $SEED_S s total; $(grep -E '^seeded' "$RUN/seed.txt" || true)"
  for s in phoneprov nginx; do
    printf "%-9s rps median %s [%s] | p50 ms %s | p99 ms %s | cpu us/req %s | server cpu %% %s | non2xx %s | sock err %s | load1 [%s] | other cpu %% [%s] | rss MiB [%s]\n" \
      "$s" "$(median $(col $s 6))" "$(col $s 6 | paste -sd' ')" "$(median $(col $s 7))" "$(median $(col $s 8))" \
      "$(median $(col $s 12))" "$(median $(col $s 11))" "$(col $s 9 | paste -sd+)" "$(col $s 10 | paste -sd+)" \
      "$(col $s 15 | paste -sd' ')" "$(col $s 14 | paste -sd' ')" "$(col $s 19 | paste -sd' ')"
  done
  echo "ratio phoneprov/nginx (median rps): $RATIO; target (issue 11) >= 1.0 with p99 < 5 ms and 0 non-2xx: $MET"
  awk '/^phoneprov_config_fetches_total\{/ { if ($0 ~ /outcome="ok"/) ok += $NF; else { bad += $NF; o[$1] += $NF } }
    END { printf "phoneprov phone route (whole run, from /metrics): %.0f files served, %.0f other answers (the checks: 1 wrong User-Agent; with REQ=basic one challenge per fetch of the seeding)\n", ok, bad }' "$RUN/metrics.txt" 2>/dev/null || true
  grep -E '^phoneprov_fetch_records_dropped_total ' "$RUN/metrics.txt" 2>/dev/null || true
  if [ -s "$RUN/syscalls.txt" ]; then cat "$RUN/syscalls.txt"; fi
  if ((${#IDLE_OUT[@]})); then printf '%s\n' "${IDLE_OUT[@]}"; fi
  if [ -n "$COLD_OUT" ]; then echo "$COLD_OUT"; fi
} | tee -a "$RESULTS/summary.txt"
((PP_NON2XX == 0)) || { echo "phoneprov answered $PP_NON2XX non-2xx responses: the measurement is not valid"; exit 1; }
