#!/usr/bin/env bash
# run-idle-tcp.sh — phoneprov's resident memory per idle SIP TCP connection
# (target < 10 KB each).
#
#  1. builds phoneprov (working tree, else HEAD) and starts it on a fresh
#     data folder (SIP over UDP and TCP on PP_PORT, loopback);
#  2. opens N TCP connections from 127.0.0.1 (python3, non-blocking, at
#     most BATCH at a time), each sends one REGISTER without credentials
#     and reads its 401, and keeps them all open and quiet (a phone
#     registered over TCP holds its connection for NOTIFYs);
#  3. reads phoneprov's VmRSS and go_goroutines before and SETTLE s after,
#     and prints (RSS after - RSS before) / N; appends a summary to
#     $D/idle-tcp-summary.txt. Kamailio is not measured here.
#
#   sip/bench/run-idle-tcp.sh
#   N_CONN=2000 sip/bench/run-idle-tcp.sh
#
# Env: N_CONN=10000 BATCH=500 SETTLE=5 PP_PORT=15072 PP_BIN DOMAIN=phoneprov.test
# Needs: Go, python3, curl. Loopback only; the client is bounded by N_CONN
# and a 120 s timeout; the trap stops phoneprov and the client.
set -euo pipefail
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
N_CONN="${N_CONN:-10000}"; BATCH="${BATCH:-500}"; SETTLE="${SETTLE:-5}"; PP_PORT="${PP_PORT:-15072}"
ulimit -n $((N_CONN + 1024))
check_ports_free "$PP_PORT"
cleanup() { stop_pid "$D/idle-client.pid"; stop_pid "$D/phoneprov.pid"; echo "stopped"; }
trap cleanup EXIT
LOAD0="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "== run-idle-tcp.sh $(date -u +%FT%TZ) load average $LOAD0, $(nproc) CPUs"
build_tools
rm -rf "$D/data-idle"
start_phoneprov "$D/data-idle" "$PP_PORT"
sleep 2
read -r rss0 _ < <(rss_kib "$PP_PID"); g0=$(pp_metric go_goroutines)
mkfifo "$D/idle-ready.$$" 2>/dev/null || true
timeout 120 python3 - "$PP_PORT" "$N_CONN" "$BATCH" "$DOMAIN" > "$D/idle-ready.$$" <<'PY' &
import socket, sys, time, selectors
port, n, batch, dom = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
conns, answered = [], 0
for start in range(0, n, batch):
    group = []
    for i in range(start, min(n, start + batch)):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        lp = s.getsockname()[1]
        msg = (f"REGISTER sip:{dom} SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:{lp};branch=z9hG4bK-idle-{i}\r\n"
               f"Max-Forwards: 70\r\nFrom: <sip:{4000000+i}@{dom}>;tag=idle{i}\r\nTo: <sip:{4000000+i}@{dom}>\r\n"
               f"Call-ID: idle-{i}@127.0.0.1\r\nCSeq: 1 REGISTER\r\nContact: <sip:{4000000+i}@127.0.0.1:{lp};transport=tcp>\r\n"
               f"Expires: 3600\r\nUser-Agent: idle-bench\r\nContent-Length: 0\r\n\r\n")
        s.sendall(msg.encode())
        group.append(s)
    for s in group:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        if data.startswith(b"SIP/2.0 401"):
            answered += 1
    conns += group
print(f"{len(conns)} {answered}", flush=True)
time.sleep(110)
PY
echo $! > "$D/idle-client.pid"
read -r opened answered < "$D/idle-ready.$$"; rm -f "$D/idle-ready.$$"
sleep "$SETTLE"
read -r rss1 _ < <(rss_kib "$PP_PID"); g1=$(pp_metric go_goroutines)
per=$(awk -v a="$rss0" -v b="$rss1" -v n="$opened" 'BEGIN { if (n > 0) printf "%.1f", (b - a) * 1024 / n / 1000; else print "nan" }')
{
  echo "== idle SIP TCP connections $(date -u +%FT%TZ): $opened open, $answered answered 401; load average $LOAD0 -> $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "phoneprov VmRSS ${rss0} KiB -> ${rss1} KiB, goroutines $g0 -> $g1: $per KB per idle connection"
} | tee -a "$D/idle-tcp-summary.txt"
