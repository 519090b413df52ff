#!/usr/bin/env bash
# lib.sh — helpers of the sip/bench scripts (sourced, not run): tools,
# building and starting phoneprov on loopback, seeding lines, one bounded
# SIPp step and its statistics. Measures nothing by itself. Builds on
# shared/peers/lib.sh (CPU ticks from /proc, stats, wait_quiet, stop_pid).
# Generated data, logs and results go to $WORK/sipp-bench (default
# /tmp/anchors/sipp-bench); nothing is written to shared/ or the repository.

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH/../.." && pwd)"
SHARED="${SHARED:-$REPO/../shared}"
WORK="${WORK:-/tmp/anchors}"
D="$WORK/sipp-bench"; mkdir -p "$D"
export RESULTS="$D"                     # keep shared/peers/lib.sh off shared/peers/results
# shellcheck source=/dev/null  # shared/peers/lib.sh, outside the repository
source "$SHARED/peers/lib.sh"
DOMAIN="${DOMAIN:-phoneprov.test}"      # --domain of phoneprov, AOR host and realm for both servers
SCEN="$BENCH/register_auth.xml"

# ensure_pkgs CMD:PKG... -> apt-get installs the packages whose command is missing
ensure_pkgs() {
  local want=() cp
  for cp in "$@"; do
    # a command name, or an absolute path that must exist (a module file)
    command -v "${cp%%:*}" >/dev/null 2>&1 || [ -e "${cp%%:*}" ] || want+=("${cp#*:}")
  done
  [ ${#want[@]} -eq 0 ] && return 0
  echo "installing ${want[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${want[@]}" > "$D/apt.log" 2>&1
}

# check_ports_free PORT... -> fails when something listens on one of the UDP ports
check_ports_free() {
  local p
  for p in "$@"; do
    if ss -Hlun "sport = :$p" | grep -q .; then echo "udp port $p is in use; pick other ports (see the script's env)" >&2; return 1; fi
  done
}

# build_tools -> $D/phoneprov and $D/phoneprov-bench, built from the working tree, or
# from HEAD (git archive) when the working tree does not compile because
# someone is mid-change. Never a shared path such as /tmp/pp. With PP_BIN
# set, that phoneprov binary is copied instead (A/B runs of a candidate).
build_tools() {
  (cd "$REPO" && go build -o "$D/phoneprov-bench" ./cmd/phoneprov-bench)
  if [ -n "${PP_BIN:-}" ]; then
    cp "$PP_BIN" "$D/phoneprov.new" && mv "$D/phoneprov.new" "$D/phoneprov"
    echo "phoneprov copied from PP_BIN=$PP_BIN"
    return 0
  fi
  if (cd "$REPO" && go build -o "$D/phoneprov.new" ./cmd/phoneprov) 2> "$D/build.log"; then
    mv "$D/phoneprov.new" "$D/phoneprov"
    echo "phoneprov built from the working tree ($(git -C "$REPO" rev-parse --short HEAD) + local changes)"
  else
    echo "working tree does not build ($(head -1 "$D/build.log")); building HEAD"
    rm -rf "$D/src"; mkdir -p "$D/src"
    git -C "$REPO" archive HEAD | tar -x -C "$D/src"
    (cd "$D/src" && go build -o "$D/phoneprov.new" ./cmd/phoneprov) && mv "$D/phoneprov.new" "$D/phoneprov"
    echo "phoneprov built from HEAD $(git -C "$REPO" rev-parse --short HEAD)"
  fi
}

# start_phoneprov DATA SIP_PORT -> starts phoneprov on loopback (SIP over UDP
# and TCP on SIP_PORT, HTTP on an ephemeral port, SIPS (TLS) only when
# PP_SIPS_ADDR is set, e.g. 127.0.0.1:15071, with the server certificate of
# its local CA in DATA (server.crt, server.key); nothing else), PID in
# $D/phoneprov.pid; sets PP_PID and PP_HTTP (host:port of the HTTP server).
# PP_ENV: extra environment for phoneprov only (e.g. GODEBUG=gctrace=1);
# All SIPp traffic comes from one address: --sip-challenge-limit -1 lifts
# the per-source 401 limit, as for phones behind one NAT.
# PP_ARGS: extra flags (e.g. --debug-addr 127.0.0.1:6062 for pprof).
start_phoneprov() {
  local data="$1" port="$2" i
  mkdir -p "$data"; rm -f "$data/ports.json"
  # shellcheck disable=SC2086  # PP_ENV and PP_ARGS are word lists
  env ${PP_ENV:-} "$D/phoneprov" serve --data "$data" --sip-addr "127.0.0.1:$port" --http-addr 127.0.0.1:0 \
    --public-host 127.0.0.1 --domain "$DOMAIN" --https-addr "" --sips-addr "${PP_SIPS_ADDR:-}" --dns-addr "" --stun-addr "" \
    --log-level warn --sip-challenge-limit -1 ${PP_ARGS:-} > "$D/phoneprov.log" 2>&1 &
  echo $! > "$D/phoneprov.pid"; PP_PID=$!
  for ((i = 0; i < 300; i++)); do [ -s "$data/ports.json" ] && break; sleep 0.1; done
  PP_HTTP="$(sed -n 's/.*"http": *"\([^"]*\)".*/\1/p' "$data/ports.json" 2>/dev/null || true)"
  if [ -z "$PP_HTTP" ] || ! wait_port udp "$port" 10 || { [ -n "${PP_SIPS_ADDR:-}" ] && ! wait_port tcp "${PP_SIPS_ADDR##*:}" 10; }; then
    echo "phoneprov did not start:"; tail -20 "$D/phoneprov.log"; return 1
  fi
  echo "phoneprov pid=$PP_PID sip=udp:127.0.0.1:$port http=$PP_HTTP${PP_SIPS_ADDR:+ sips=tls:$PP_SIPS_ADDR}"
}

# seed_lines DATA FIRST N CSV CREDS WORKERS -> lines FIRST..FIRST+N-1 with
# `phoneprov-bench seed` (the harness's six-vendor phones, user storm<index>
# on extension 3000000+index; Classic imports above 1,000 lines, else the
# admin API with WORKERS clients), then the SIPp injection file (extension;
# auth user;password;[authentication ...], read from each phone's config) and
# the auth user/password/extension list
seed_lines() {
  local data="$1" first="$2" n="$3" csv="$4" creds="$5" workers="${6:-32}"
  timeout 3600 "$D/phoneprov-bench" seed --server "http://$PP_HTTP" --token-file "$data/admin.token" \
    --base "$((first - 1))" --devices "$n" --workers "$workers" --out-sipp-csv "$csv" --out-creds "$creds" \
    --seed-timeout 55m
}

# pp_metric NAME_REGEX -> sum of the matching phoneprov /metrics samples
pp_metric() {
  curl -s --max-time 10 "http://$PP_HTTP/metrics" | awk -v re="^$1" '$1 ~ re { s += $NF } END { printf "%.0f\n", s }'
}

# rss_kib PID -> "VmRSS VmHWM" in KiB
rss_kib() { awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { print r + 0, h + 0 }' "/proc/$1/status"; }

# sipp_run PORT CSV M RATE TAG EXPIRES [LIMIT] -> one bounded SIPp run of the
# scenario over UDP (SIPP_T=u1; tn for TCP, one connection per call, ln for
# TLS; t1/l1: every call over one connection), with $SIPP (default sipp;
# TLS needs a SIPp built with OpenSSL, see ensure_sipp_tls; its -tls_cert and
# -tls_key are SIPP_TLS_CERT and SIPP_TLS_KEY, loaded but never sent: neither
# server asks for a client certificate), with
# -nd: SIPp aborts a failed registration without its default BYE (a BYE a
# registrar can only refuse, which doubled the load of a run with 503s), from 127.0.0.1:$SIPP_PORT; files $D/TAG.{out,stat.csv,err,rtt.csv,time}
# (time: wall, user and system seconds of SIPp). While it runs, $D/sipp.pid
# holds the PID of its `timeout` wrapper, which stop_sipp signals.
sipp_run() {
  local port="$1" csv="$2" m="$3" rate="$4" tag="$5" expires="$6" limit="${7:-50000}" dur pid tflags=()
  dur=$(( m / rate + 1 ))
  case "${SIPP_T:-u1}" in tn | ln) tflags+=(-max_socket 15000) ;; esac
  case "${SIPP_T:-u1}" in l*) tflags+=(-tls_cert "$SIPP_TLS_CERT" -tls_key "$SIPP_TLS_KEY") ;; esac
  rm -f "$D/$tag".* "$D"/register_auth_*_rtt.csv
  (cd "$D" && exec timeout $((dur + 40)) "${SIPP:-sipp}" "127.0.0.1:$port" -sf "$SCEN" -inf "$csv" \
      -t "${SIPP_T:-u1}" "${tflags[@]}" -i 127.0.0.1 -p "$SIPP_PORT" -m "$m" -r "$rate" -l "$limit" -buff_size 4194304 \
      -max_recv_loops 10000 -max_sched_loops 10000 -recv_timeout 5000 -nd \
      -key domain "$DOMAIN" -key expires "$expires" -key contact_port "$SIPP_PORT" -auth_uri "$DOMAIN" \
      -timeout $((dur + 30))s -timeout_error -nostdin \
      -trace_stat -stf "$D/$tag.stat.csv" -fd 3600 -trace_err -error_file "$D/$tag.err" \
      -trace_rtt -rtt_freq 1000) > "$D/$tag.out" 2>&1 &
  pid=$!; echo "$pid" > "$D/sipp.pid"
  TIMEFORMAT="%R %U %S"
  { time wait "$pid"; } 2> "$D/$tag.time" || true   # the reaped SIPp's CPU is counted
  rm -f "$D/sipp.pid"
  local rtf
  # shellcheck disable=SC2012  # SIPp names the file after its PID
  rtf=$(ls "$D"/register_auth_*_rtt.csv 2>/dev/null | head -1 || true)
  [ -n "$rtf" ] && mv "$rtf" "$D/$tag.rtt.csv"
  return 0
}

# ensure_sipp_tls -> sets SIPP to a SIPp built with OpenSSL (its -v names
# "TLS"): $SIPP or sipp if it is one (Debian's sip-tester 3.6.1 is not:
# "To use a TLS transport you must compile SIPp with OpenSSL"), else
# $D/sipp-tls/sipp, built once from $SIPP_SRC (default the SIPp repository
# on GitHub) at tag $SIPP_TLS_TAG (default v3.6.1, Debian's version) with
# cmake -DUSE_SSL=1 (about a minute on two cores)
ensure_sipp_tls() {
  local s="${SIPP:-sipp}" src="${SIPP_SRC:-https://github.com/SIPp/sipp.git}" tag="${SIPP_TLS_TAG:-v3.6.1}"
  case "$("$s" -v 2>&1)" in *-TLS*) SIPP="$s"; return 0 ;; esac
  if [ ! -x "$D/sipp-tls/sipp" ]; then
    echo "$s has no TLS: building SIPp $tag with OpenSSL from $src into $D/sipp-tls"
    ensure_pkgs git:git cmake:cmake g++:g++ /usr/include/openssl/ssl.h:libssl-dev /usr/include/ncurses.h:libncurses-dev
    rm -rf "$D/sipp-tls"
    if ! { git clone -q --depth 1 --branch "$tag" "$src" "$D/sipp-tls" &&
           (cd "$D/sipp-tls" && cmake . -DUSE_SSL=1 -DUSE_GSL= -DCMAKE_BUILD_TYPE=Release && make -j"$(nproc)" sipp); } > "$D/sipp-tls-build.log" 2>&1; then
      echo "building SIPp with TLS failed: $D/sipp-tls-build.log" >&2; return 1
    fi
  fi
  SIPP="$D/sipp-tls/sipp"
  case "$("$SIPP" -v 2>&1)" in *-TLS*) ;; *) echo "$SIPP has no TLS" >&2; return 1 ;; esac
}

# stop_sipp -> stops the SIPp run in progress, if any (for traps)
stop_sipp() { stop_pid "$D/sipp.pid"; }

# sipp_stats TAG -> "ok failed retrans elapsed_s timeouts" from the last row of
# the statistics file (columns found by name; "0 nan nan 0 nan" when missing)
sipp_stats() {
  local f="$D/$1.stat.csv"
  [ -s "$f" ] || { echo "0 nan nan 0 nan"; return; }
  awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { last = $0 }
    END { n = split(last, v, ";"); split(v[c["StartTime"]], a, "\t"); split(v[c["CurrentTime"]], b, "\t")
          print v[c["SuccessfulCall(C)"]] + 0, v[c["FailedCall(C)"]] + 0, v[c["Retransmissions(C)"]] + 0,
                b[3] - a[3], v[c["FailedMaxUDPRetrans(C)"]] + 0 }' "$f"
}

# rtt_stats TAG -> "mean p50 p99" response time in ms (first REGISTER -> 200)
rtt_stats() {
  local f="$D/$1.rtt.csv"
  [ -s "$f" ] || { echo "nan nan nan"; return; }
  awk -F';' 'NR > 1 && $2 != "" { print $2 }' "$f" | sort -g | awk '
    { v[NR] = $1; s += $1 }
    END { if (NR == 0) { print "nan nan nan"; exit }
          i = int(NR * 0.50); if (i < 1) i = 1; j = int(NR * 0.99); if (j < 1) j = 1
          printf "%.2f %s %s\n", s / NR, v[i], v[j] }'
}
