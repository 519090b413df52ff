#!/usr/bin/env bash
# run-sipp.sh — authenticated SIP REGISTERs/s over UDP: phoneprov's registrar
# next to Kamailio (Debian package, sip/bench/kamailio-registrar.cfg: the
# in-memory htable variant of shared/peers/kamailio) in the same run, with
# the same N lines, the same SIPp scenario (register_auth.xml) and the method
# of shared/peers/kamailio/run-bench.sh.
#
#  1. builds phoneprov (working tree, else HEAD) and phoneprov-bench, starts
#     phoneprov on a fresh data folder and seeds N lines with `phoneprov-bench
#     seed` (per line a user with extension 3000000+i, a license and a phone
#     of the harness's six-vendor mix with the user on line 1; Classic imports
#     above 1,000 lines), which reads each line's auth user and password from
#     the config the phone would fetch;
#  2. loads the same credentials into Kamailio's htables (auth user ->
#     password, auth user -> extension) and starts it with 2 UDP workers;
#  3. registers all N lines once on each (warm-up: WARMUP_RATE, 1000/s; its
#     SIPp run ends N/WARMUP_RATE + 40 s after its start: lower it where the
#     first registrations are slower, e.g. TLS with a connection each);
#  4. ramps RATES, interleaved (kamailio then phoneprov, the order swapped at
#     every step), each step RATE*DURATION registrations (SIPp -m, -r). A step
#     passes the shared criterion when every registration succeeded
#     (FailedCall=0, SuccessfulCall=m), SIPp never retransmitted (no answer
#     later than 500 ms) and the achieved rate is >= 95% of the target; a
#     server's ramp stops at its first step with a failed or timed-out
#     registration. Per step: achieved rate, failures, retransmissions,
#     response times, server CPU (% of one core, all its threads/processes,
#     from /proc/PID/stat) and CPU-us per registration, SIPp CPU, steal, and
#     the CPU other processes used. As in the shared method, each step first
#     waits (<= QUIET_MAX s) for a quiet machine, and a step failing while
#     other processes used > 25% of a core is re-run (at most 3 tries);
#  4b. with OVERLOAD=1 (default), offers each server 1.5x its max rate and
#     reports the achieved rate as a share of the max (graceful overload);
#  5. with PROFILE=1, records phoneprov with perf (-g) under PROFILE_RATE/s
#     and writes the top symbols (self and with children);
#  6. prints the highest passing rate of each, the CPU per registration and
#     the ratio phoneprov/kamailio; appends them to $D/sipp-summary.txt.
#
#   sip/bench/run-sipp.sh
#   RATES="1000 2000 4000" DURATION=5 PROFILE=0 sip/bench/run-sipp.sh
#
# Transports (TRANSPORT, and CONN for TCP and TLS):
#   udp (default)     SIPp -t u1: one socket, every REGISTER a datagram.
#   tcp, CONN=per-call (default) SIPp -t tn: a new TCP connection per
#                     registration (its REGISTER, 401, REGISTER, 200), closed
#                     after it. Measures connection set-up and tear-down as
#                     much as the REGISTER: a connection flood, or phones that
#                     cannot keep a connection.
#   tcp, CONN=shared  SIPp -t t1: every registration over one connection kept
#                     for the whole step. Measures the REGISTER itself, as
#                     phones re-register over the connection they keep (or an
#                     edge proxy carries many phones); one connection is read
#                     by one goroutine (phoneprov) or one TCP worker
#                     (Kamailio) at a time.
#   tls, CONN=per-call SIPp -t ln: a new TLS connection per registration, a
#                     full handshake each (no session resumption): mostly the
#                     handshake's cost (ECDSA P-256 signature, ECDHE).
#   tls, CONN=shared  SIPp -t l1: one TLS connection for the whole step.
#   phoneprov serves TLS on its SIPS listener (PP_TLS_PORT, --sips-addr) with
#   the server certificate of its local CA (ECDSA P-256); Kamailio's tls
#   module (kamailio-tls-modules) gets a copy of that certificate and key,
#   TLS 1.2 or newer, no client certificate asked for by either. SIPp must be
#   built with OpenSSL: Debian's sip-tester is not, so the script builds SIPp
#   3.6.1 with -DUSE_SSL=1 once into $D/sipp-tls (lib.sh ensure_sipp_tls;
#   SIPP=path uses another TLS-capable SIPp).
#   Known limits (2026-12-03): Kamailio 5.6.3 (Debian 12, OpenSSL 3) crashed
#   in its tls module (double free, a TCP worker aborted) after about 10,000
#   handshakes with CONN=per-call (kamailio/kamailio#3791; later versions
#   have tls_threads_mode); SIPp 3.6.1's -t l1 stalled 10 s at its start in
#   some runs (its watchdog fires), longer than phoneprov gives a connection
#   for its handshake and first message (10 s), and then fails every call.
#
# Env: TRANSPORT=udp|tcp|tls CONN=per-call|shared (tcp, tls)
#      N_LINES=10000 RATES DURATION=10 REPEATS=1 CHILDREN=2 QUIET_MAX=60
#      PROFILE=1 PROFILE_RATE (default: 3/4 of phoneprov's best, >= 1000)
#      PP_BIN (a phoneprov binary to test instead of building one) and
#      LABEL (suffix of the output files, e.g. the candidate's name)
#      PP_PORT=15070 PP_TLS_PORT=15071 (phoneprov's SIPS, TRANSPORT=tls)
#      KAM_PORT=15060 (Kamailio, any transport) SIPP_PORT=15080 DOMAIN=phoneprov.test
# Needs: Go, root for apt-get (sip-tester, kamailio, kamailio-sqlite-modules,
# sqlite3, linux-perf, curl). Loopback only; every SIPp run is bounded by -m,
# -timeout and `timeout`; the trap stops everything this script started.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
N_LINES="${N_LINES:-10000}"; DURATION="${DURATION:-10}"; REPEATS="${REPEATS:-1}"; CHILDREN="${CHILDREN:-2}"
RATES="${RATES:-1000 2000 4000 6000 8000 10000 12000 14000 16000}"
QUIET_MAX="${QUIET_MAX:-60}"; PROFILE="${PROFILE:-1}"; SFX="${LABEL:+-$LABEL}"
TRANSPORT="${TRANSPORT:-udp}"   # udp, tcp or tls (see "Transports" above)
CONN="${CONN:-per-call}"        # tcp and tls: per-call or shared
PP_PORT="${PP_PORT:-15070}"; PP_TLS_PORT="${PP_TLS_PORT:-15071}"; KAM_PORT="${KAM_PORT:-15060}"; SIPP_PORT="${SIPP_PORT:-15080}"
KAMMOD=/usr/lib/x86_64-linux-gnu/kamailio/modules
KAM_TLS="$D/kamailio-tls"       # Kamailio's copy of phoneprov's server certificate and key
case "$TRANSPORT/$CONN" in
  udp/*) export SIPP_T=u1; KAM_TCP=() ;;
  tcp/per-call) export SIPP_T=tn; KAM_TCP=(-A WITH_TCP) ;;
  tcp/shared) export SIPP_T=t1; KAM_TCP=(-A WITH_TCP) ;;
  tls/per-call | tls/shared)
    SIPP_T="ln"; [ "$CONN" = shared ] && SIPP_T="l1"
    export SIPP_T PP_SIPS_ADDR="127.0.0.1:$PP_TLS_PORT" SIPP_TLS_CERT="$KAM_TLS/server.crt" SIPP_TLS_KEY="$KAM_TLS/server.key"
    KAM_TCP=(-A WITH_TCP -A WITH_TLS -A "TLSCERT=\"$KAM_TLS/server.crt\"" -A "TLSKEY=\"$KAM_TLS/server.key\"") ;;
  *) echo "TRANSPORT must be udp, tcp or tls and CONN per-call or shared" >&2; exit 2 ;;
esac
# up to 15,000 SIPp sockets (-max_socket): as many descriptors as allowed
[ "$TRANSPORT" = udp ] || ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

ensure_pkgs sipp:sip-tester kamailio:kamailio "$KAMMOD/db_sqlite.so:kamailio-sqlite-modules" sqlite3:sqlite3 curl:curl
[ "$TRANSPORT" = tls ] && { ensure_pkgs "$KAMMOD/tls.so:kamailio-tls-modules"; ensure_sipp_tls; export SIPP; echo "SIPp with TLS: $SIPP"; }
[ "$PROFILE" = 1 ] && ensure_pkgs perf:linux-perf
check_ports_free "$PP_PORT" "$KAM_PORT" "$SIPP_PORT"
cleanup() {
  [ -s "$D/perf.pid" ] && { kill -INT "$(cat "$D/perf.pid")" 2>/dev/null || true; rm -f "$D/perf.pid"; }
  stop_sipp; stop_pid "$D/kamailio.pid"; stop_pid "$D/phoneprov.pid"; echo "servers stopped"
}
trap cleanup EXIT
LOAD0="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "== run-sipp.sh $(date -u +%FT%TZ) load average $LOAD0, $(nproc) CPUs"
build_tools

# 1. phoneprov with N lines
rm -rf "$D/data-ramp"
start_phoneprov "$D/data-ramp" "$PP_PORT"
seed_lines "$D/data-ramp" 1 "$N_LINES" "$D/users.csv" "$D/creds.tsv" 32 | tee "$D/seed-ramp.txt"
if [ "$TRANSPORT" = tls ]; then
  rm -rf "$KAM_TLS"; mkdir -p "$KAM_TLS"
  cp "$D/data-ramp/server.crt" "$D/data-ramp/server.key" "$KAM_TLS/"
  echo "TLS certificate (both servers): $(openssl x509 -in "$KAM_TLS/server.crt" -noout -subject -ext subjectAltName 2>/dev/null | tr '\n' ' ')"
fi

# 2. Kamailio with the same credentials
rm -f "$D/kamailio.db"
S=/usr/share/kamailio/db_sqlite
{
  cat "$S/standard-create.sql" "$S/htable-create.sql"
  sed 's/\bhtable\b/htable_ext/g' "$S/htable-create.sql"
  echo "BEGIN;"
  # key_type 0 = single key, value_type 0 = string; fields are [A-Za-z0-9] and the like (seed checks)
  awk -F'\t' '{ printf "INSERT INTO htable(key_name,key_type,value_type,key_value) VALUES(\047%s\047,0,0,\047%s\047);\n", $1, $2
                printf "INSERT INTO htable_ext(key_name,key_type,value_type,key_value) VALUES(\047%s\047,0,0,\047%s\047);\n", $1, $3 }' "$D/creds.tsv"
  echo "COMMIT;"
} | sqlite3 "$D/kamailio.db"
rm -f "$D/kamailio_ctl"
kamailio -f "$BENCH/kamailio-registrar.cfg" -DD -E -n "$CHILDREN" -m 256 -M 16 \
  -A "DBURL=\"sqlite://$D/kamailio.db\"" -A "CTLSOCK=\"unix:$D/kamailio_ctl\"" -A "LISTEN=$TRANSPORT:127.0.0.1:$KAM_PORT" "${KAM_TCP[@]}" \
  > "$D/kamailio.log" 2>&1 &
echo $! > "$D/kamailio.pid"; KAM_PID=$!
wait_port "$TRANSPORT" "$KAM_PORT" 10 || { echo "kamailio did not start:"; tail -20 "$D/kamailio.log"; exit 1; }
sleep 0.5
echo "kamailio $(kamailio -v | head -1 | cut -d' ' -f2-3) children=$CHILDREN pid=$KAM_PID procs=$(pids_tree "$KAM_PID" | wc -l) htable rows=$(sqlite3 "$D/kamailio.db" 'select count(*) from htable')"

declare -A PORT=([kamailio]="$KAM_PORT" [phoneprov]="$PP_PORT")
[ "$TRANSPORT" = tls ] && PORT[phoneprov]="$PP_TLS_PORT"
server_pids() { if [ "$1" = kamailio ]; then pids_tree "$KAM_PID"; else echo "$PP_PID"; fi; }

# 3. warm-up: every line registered once on each server
for s in kamailio phoneprov; do
  sipp_run "${PORT[$s]}" "$D/users.csv" "$N_LINES" "${WARMUP_RATE:-1000}" "warmup-$s" 3600
  echo "warm-up $s: ok failed retrans elapsed timeouts = $(sipp_stats "warmup-$s")"
done
echo "bindings: phoneprov=$(pp_metric phoneprov_sip_bindings) kamailio=$(kamcmd -s "unix:$D/kamailio_ctl" stats.get_statistics usrloc: 2>/dev/null | awk '/location_contacts/ { print $NF }')"

# 4. interleaved ramps
OUTF="$D/sipp$SFX.tsv"
printf "server\trepeat\ttarget_rps\ttry\tsent\tok\tfailed\ttimeouts\tretrans\tachieved_rps\trt_mean_ms\trt_p50_ms\trt_p99_ms\tsrv_cpu_pct\tsipp_cpu_pct\tsrv_cpu_us_per_reg\tsteal_pct\tother_cpu_pct\tsrv_refusals\tpass\tpass_nofail\n" > "$OUTF"

# run_step SERVER REP RATE TRY -> one step, a line in $OUTF; sets pass, nofail, other
run_step() {
  local s="$1" rep="$2" rate="$3" try="$4" m=$(( $3 * DURATION )) tag="$1-r$2-$3-t$4"
  local pids c0 c1 a0 a1 s0 s1 msteal wall su ss ok failed retr el tmo mean p50 p99 achieved scpu cpuus r0 r1 refusals
  wait_quiet "$QUIET_MAX" 20 || echo "  (machine not quiet after $QUIET_MAX s; running anyway)" >&2
  mapfile -t pids < <(server_pids "$s")
  r0=0; [ "$s" = phoneprov ] && r0=$(pp_metric 'phoneprov_sip_registers_total[{]outcome="(forbidden|bad_request|interval_too_brief|out_of_order|throttled|dropped|error|unauthorized|stale)"')
  c0=$(cpu_ticks "${pids[@]}"); s0=$(sys_snap); a0=$(all_ticks)
  sipp_run "${PORT[$s]}" "$D/users.csv" "$m" "$rate" "$tag" 3600
  c1=$(cpu_ticks "${pids[@]}"); s1=$(sys_snap); a1=$(all_ticks)
  refusals=nan; [ "$s" = phoneprov ] && { r1=$(pp_metric 'phoneprov_sip_registers_total[{]outcome="(forbidden|bad_request|interval_too_brief|out_of_order|throttled|dropped|error|unauthorized|stale)"'); refusals=$((r1 - r0)); }
  msteal=$(sys_delta "$s0" "$s1" | sed 's/.*steal=\([^ ]*\).*/\1/')
  read -r wall su ss < <(tail -1 "$D/$tag.time")
  read -r ok failed retr el tmo < <(sipp_stats "$tag")
  read -r mean p50 p99 < <(rtt_stats "$tag")
  achieved=$(awk -v o="$ok" -v e="$el" 'BEGIN { if (e > 0) printf "%.0f", o / e; else print 0 }')
  scpu=$(awk -v u="$su" -v s="$ss" -v e="$el" 'BEGIN { if (e > 0) printf "%.0f", 100 * (u + s) / e; else print "nan" }')
  cpuus=$(awk -v t=$((c1 - c0)) -v h="$CLK_TCK" -v o="$ok" 'BEGIN { if (o > 0) printf "%.1f", t / h * 1e6 / o; else print "nan" }')
  other=$(awk -v a=$((a1 - a0)) -v k=$((c1 - c0)) -v u="$su" -v s="$ss" -v w="$wall" -v h="$CLK_TCK" \
      'BEGIN { x = (a - k - (u + s) * h) / h / w * 100; if (x < 0) x = 0; printf "%.0f", x }')
  nofail=0; pass=0
  if [ "$failed" = 0 ] && [ "$ok" = "$m" ] && awk -v a="$achieved" -v r="$rate" 'BEGIN { exit !(a >= 0.95 * r) }'; then
    nofail=1; [ "$retr" = 0 ] && pass=1
  fi
  printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$s" "$rep" "$rate" "$try" "$m" "$ok" \
    "$failed" "$tmo" "$retr" "$achieved" "$mean" "$p50" "$p99" "$(pct $((c1 - c0)) "$el")" "$scpu" "$cpuus" "$msteal" "$other" \
    "$refusals" "$pass" "$nofail" | tee -a "$OUTF"
}

declare -A BEST BESTNF
for s in kamailio phoneprov; do : > "$D/max-$s.$$"; : > "$D/maxnf-$s.$$"; done
for ((rep = 1; rep <= REPEATS; rep++)); do
  declare -A STRICT=([kamailio]=1 [phoneprov]=1) ALIVE=([kamailio]=1 [phoneprov]=1)
  BEST=([kamailio]=0 [phoneprov]=0); BESTNF=([kamailio]=0 [phoneprov]=0)
  step=0
  for rate in $RATES; do
    order="kamailio phoneprov"; (( (step + rep) % 2 == 0 )) && order="phoneprov kamailio"
    step=$((step + 1))
    for s in $order; do
      [ "${ALIVE[$s]}" = 1 ] || continue
      anypass=0; anynf=0   # a step counts as passed when one of its tries passed
      for try in 1 2 3; do
        run_step "$s" "$rep" "$rate" "$try"
        [ "$nofail" = 1 ] && anynf=1
        [ "$pass" = 1 ] && { anypass=1; break; }
        [ "$other" -gt 25 ] || break
        echo "  step failed while other load was ${other}% of a core: retrying" >&2
      done
      if [ "$anypass" = 1 ] && [ "${STRICT[$s]}" = 1 ]; then BEST[$s]=$rate; else STRICT[$s]=0; fi
      if [ "$anynf" = 1 ]; then BESTNF[$s]=$rate; else ALIVE[$s]=0; fi
    done
    [ "${ALIVE[kamailio]}${ALIVE[phoneprov]}" = 00 ] && break
  done
  for s in kamailio phoneprov; do
    echo "repeat $rep: $s max rate = ${BEST[$s]} reg/s (shared criterion), ${BESTNF[$s]} reg/s with 0 failed/timed-out"
    echo "${BEST[$s]}" >> "$D/max-$s.$$"; echo "${BESTNF[$s]}" >> "$D/maxnf-$s.$$"
  done
done

# 4b. overload: each server offered 1.5x its own max rate for DURATION s (one
# try). Passing means the achieved rate of completed registrations stays
# >= 90% of the max (phoneprov sheds new REGISTERs with 503 + Retry-After
# past 250 ms of queued work; SIPp counts those as failed calls).
if [ "${OVERLOAD:-1}" = 1 ]; then
  for s in kamailio phoneprov; do
    [ "${BEST[$s]}" -gt 0 ] || continue
    orate=$(( BEST[$s] * 3 / 2 )); shed0=0
    [ "$s" = phoneprov ] && shed0=$(pp_metric phoneprov_sip_udp_shed_total)
    run_step "$s" ovl "$orate" 1
    shed=nan; [ "$s" = phoneprov ] && shed=$(( $(pp_metric phoneprov_sip_udp_shed_total) - shed0 ))
    ach=$(awk -F'\t' -v s="$s" -v r="$orate" '$1 == s && $2 == "ovl" && $3 == r { v = $10 } END { print v + 0 }' "$OUTF")
    echo "overload $s: offered $orate/s (1.5x max ${BEST[$s]}), achieved $ach/s = $(awk -v a="$ach" -v m="${BEST[$s]}" 'BEGIN { printf "%.0f", 100 * a / m }')% of max, 503s sent $shed" | tee -a "$D/overload$SFX.txt"
  done
fi

# 5. profile phoneprov under load
if [ "$PROFILE" = 1 ]; then
  prate="${PROFILE_RATE:-$(( BEST[phoneprov] * 3 / 4 ))}"; [ "$prate" -ge 1000 ] || prate=1000
  wait_quiet "$QUIET_MAX" 20 || true
  sipp_run "$PP_PORT" "$D/users.csv" $((prate * 20)) "$prate" "profile" 3600 &
  sp=$!
  sleep 4
  perf record -F 499 -g -p "$PP_PID" -o "$D/perf$SFX.data" -- sleep 10 > "$D/perf-record.log" 2>&1 &
  echo $! > "$D/perf.pid"; wait "$(cat "$D/perf.pid")" || true; rm -f "$D/perf.pid"
  wait "$sp" || true
  perf report -i "$D/perf$SFX.data" --no-children --sort symbol --stdio -g none 2> /dev/null | grep -E '^ +[0-9]' | head -40 > "$D/perf-self$SFX.txt" || true
  perf report -i "$D/perf$SFX.data" --children --sort symbol --stdio -g none 2> /dev/null | grep -E '^ +[0-9]' | head -150 > "$D/perf-children$SFX.txt" || true
  echo "profile at $prate reg/s (ok failed retrans elapsed timeouts = $(sipp_stats profile)): $D/perf-self$SFX.txt, $D/perf-children$SFX.txt"
  head -25 "$D/perf-self$SFX.txt" | awk '{ printf "  self %s %s\n", $1, $3 }'
fi

# 6. summary
us_at() { awk -F'\t' -v s="$1" -v r="$2" '$1 == s && $3 == r && $21 == 1 { v = $16 } END { print (v == "" ? "nan" : v) }' "$OUTF"; }
# shellcheck disable=SC2046  # the files hold one number a line, split on purpose
mk=$(stats $(cat "$D/max-kamailio.$$") | sed 's/^median=\([^ ]*\).*/\1/')
# shellcheck disable=SC2046
mp=$(stats $(cat "$D/max-phoneprov.$$") | sed 's/^median=\([^ ]*\).*/\1/')
# shellcheck disable=SC2046
nk=$(stats $(cat "$D/maxnf-kamailio.$$") | sed 's/^median=\([^ ]*\).*/\1/')
# shellcheck disable=SC2046
np=$(stats $(cat "$D/maxnf-phoneprov.$$") | sed 's/^median=\([^ ]*\).*/\1/')
common=$(( mk < mp ? mk : mp )); rm -f "$D"/max*-*.$$
{
  xport="${TRANSPORT^^}"; [ "$TRANSPORT" = udp ] || xport+=", CONN=$CONN: SIPp -t $SIPP_T"
  echo "== SIPp REGISTER (digest MD5, $xport)${LABEL:+ [$LABEL]} $(date -u +%FT%TZ): phoneprov ${PP_BIN:-built from $REPO}; lines=$N_LINES duration=${DURATION}s/step repeats=$REPEATS rates=\"$RATES\" kamailio children=$CHILDREN; load average $LOAD0 -> $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "max rate, shared criterion (0 failed, 0 retrans, >=95% achieved): kamailio=$mk phoneprov=$mp ratio phoneprov/kamailio=$(awk -v a="$mp" -v b="$mk" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }')"
  echo "max rate with 0 failed/timed-out registrations: kamailio=$nk phoneprov=$np ratio=$(awk -v a="$np" -v b="$nk" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }')"
  echo "CPU-us per registration at each one's max: kamailio=$(us_at kamailio "$mk") phoneprov=$(us_at phoneprov "$mp"); at the common rate $common: kamailio=$(us_at kamailio "$common") phoneprov=$(us_at phoneprov "$common")"
  [ -s "$D/overload$SFX.txt" ] && tail -2 "$D/overload$SFX.txt"
  echo "per step: $OUTF"
} | tee -a "$D/sipp-summary.txt"
