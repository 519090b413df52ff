#!/usr/bin/env bash
# run-all.sh — the registrar benchmark of the issue in one run: SIPp REGISTER
# ramps against phoneprov and Kamailio (run-sipp.sh), phoneprov's RSS with
# 100,000 live bindings (run-bindings-rss.sh), then STUN Binding responses/s
# of phoneprov against coturn (sip/stun/bench/run-bench.sh, run as it is).
# Prints the three summaries at the end; per-run figures and logs stay in
# $WORK/sipp-bench and $WORK/stun-phoneprov. Takes about 20-30 minutes on
# the 2-core machine; the env of each script applies (see their headers).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="${WORK:-/tmp/anchors}"
start="$(date -u +%FT%TZ)"
"$HERE/run-sipp.sh"
"$HERE/run-bindings-rss.sh"
"$HERE/../stun/bench/run-bench.sh"
echo "== run-all.sh started $start, ended $(date -u +%FT%TZ); load average now $(cut -d' ' -f1-3 /proc/loadavg)"
tail -5 "$WORK/sipp-bench/sipp-summary.txt"
tail -2 "$WORK/sipp-bench/rss-summary.txt"
tail -3 "$WORK/stun-phoneprov/stun-summary.txt"
