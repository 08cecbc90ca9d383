#!/usr/bin/env bash
# Start-up of `pgwire simpsql` against psql: `-X -c 'select 1'` from process start to exit,
# over TCP (password authentication, SCRAM-SHA-256 on the test cluster, TLS when the server
# offers it, as both clients' default sslmode=prefer asks) and over a unix-domain socket.
# Each run alternates psql and simpsql on TCP, then psql and simpsql on the socket, so a change
# of load on the machine hits both clients alike. Wall time is taken with bash's EPOCHREALTIME
# (microseconds) around the command, CPU time (user+sys of the client) from bash's `times`.
# Prints the median wall and CPU time of each and the ratio simpsql/psql, with the load average
# before and after.
#
# usage: bench/simpsql-startup.sh [options]
#   -h HOST -p PORT -U USER -d DB   server for the TCP runs (else PG* variables, else --cluster DIR)
#   --cluster DIR   test cluster started by scripts/pg-test-cluster.sh (user postgres, password postgres)
#   --socket DIR    directory of the server's unix socket (default: the test cluster's,
#                   PGWIRE_TEST_SOCKET_DIR); --no-socket skips the socket runs
#   -n RUNS         runs of each client and transport (default 21)
#   --publish       republish out/pgwire first
# PGWIRE_BIN overrides the binary (default out/pgwire, published from src/Host when missing).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf 'simpsql-startup: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=bench/common.sh
source "$root/bench/common.sh"

host= port= user= db= cluster= runs=21 publish=0 socket= use_socket=1
while (($#)); do
    case $1 in
    -h | -p | -U | -d | --cluster) server_option "$1" "${2:-}"; shift 2 ;;
    --socket) socket=$2; shift 2 ;;
    --no-socket) use_socket=0; shift ;;
    -n) runs=$2; shift 2 ;;
    --publish) publish=1; shift ;;
    --help) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (try --help)" ;;
    esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "-n needs a positive number"

lrb_connect
lrb_binary
command -v psql >/dev/null || die "psql not found"
if ((use_socket)); then
    socket=${socket:-${PGWIRE_TEST_SOCKET_DIR:-}}
    [[ -n $socket && -S $socket/.s.PGSQL.$port ]] || die "no unix socket .s.PGSQL.$port in '${socket}' (--socket DIR or --no-socket)"
fi

tcp=(-X -h "$host" -p "$port" -U "$user" -d "$db" -c 'select 1')
unix=(-X -h "$socket" -p "$port" -U "$user" -d "$db" -c 'select 1')
transports=(tcp)
((use_socket)) && transports+=(unix)

# Both print the same bytes, and the TCP connection authenticates with a password.
for t in "${transports[@]}"; do
    declare -n args=$t
    a=$(psql "${args[@]}") || die "psql ($t) failed"
    b=$("$bin" simpsql "${args[@]}") || die "pgwire simpsql ($t) failed"
    [[ $a == "$b" ]] || die "outputs differ ($t): psql '$a', simpsql '$b'"
    unset -n args
done
auth=$(psql -X -At -h "$host" -p "$port" -U "$user" -d "$db" -c "select coalesce((select 'TLS ' || version from pg_stat_ssl where pid = pg_backend_pid() and ssl), 'no TLS')")
log "server $host:$port/$db as $user ($auth), socket ${socket:-none}, $runs runs each, $bin"

# cpu_total VAR: sets VAR to the user+sys seconds all children have used so far (bash's
# `times`, second line; run in this shell, as a subshell would count its own children only).
timesfile=$(mktemp)
trap 'rm -f "$timesfile"' EXIT
cpu_total() {
    local -n total=$1
    times >"$timesfile"
    total=$(tail -n 1 "$timesfile" | awk '{
        t = 0
        for (i = 1; i <= NF; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] }
        printf "%.4f", t
    }')
}

# measure NAME CMD...: appends "wall_s cpu_s" of one run to the array NAME.
measure() {
    local -n out=$1
    shift
    local c0 c1 t0 t1
    cpu_total c0
    t0=$EPOCHREALTIME
    "$@" >/dev/null || die "failed: $*"
    t1=$EPOCHREALTIME
    cpu_total c1
    out+=("$(awk -v a="$t0" -v b="$t1" -v c="$c0" -v d="$c1" 'BEGIN { printf "%.4f %.4f", b - a, d - c }')")
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
psql_tcp=() simpsql_tcp=() psql_unix=() simpsql_unix=()
for ((i = 1; i <= runs; i++)); do
    for t in "${transports[@]}"; do
        declare -n args=$t
        measure "psql_$t" psql "${args[@]}"
        measure "simpsql_$t" "$bin" simpsql "${args[@]}"
        unset -n args
    done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# field FIELD RUN...: the median of one field (1 wall, 2 cpu) over the runs.
field_median() {
    local f=$1
    shift
    printf '%s\n' "$@" | awk -v f="$f" '{ print $f }' | sort -g \
        | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.3f\n", v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

printf "\n-X -c 'select 1', median of %s alternated runs (%s; load average %s before, %s after)\n" \
    "$runs" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$load_before" "$load_after"
printf '%-8s %-8s %9s %9s\n' transport client wall_s cpu_s
for t in "${transports[@]}"; do
    declare -n p="psql_$t" s="simpsql_$t"
    pw=$(field_median 1 "${p[@]}") pc=$(field_median 2 "${p[@]}")
    sw=$(field_median 1 "${s[@]}") sc=$(field_median 2 "${s[@]}")
    printf '%-8s %-8s %9s %9s\n' "$t" psql "$pw" "$pc"
    printf '%-8s %-8s %9s %9s\n' "$t" simpsql "$sw" "$sc"
    printf '%-8s %-8s %9s %9s\n' "$t" ratio "$(ratio "$sw" "$pw")" "$(ratio "$sc" "$pc")"
    unset -n p s
done
