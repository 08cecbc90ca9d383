#!/usr/bin/env bash
# Counts what `pgwire lrepl` does in the kernel while it streams one large INSERT: context
# switches, futex, epoll_wait and recvfrom calls (`perf stat` attached to the running process),
# and each thread's CPU time and voluntary context switches from /proc. lrepl is started on a fresh
# table and slot, connected and waiting; then one transaction inserts N rows (the table of
# lrepl-vs-recvlogical.sh) and the counts run until the data file holds the last key.
#
# usage: bench/lrepl-stream-syscalls.sh [--cluster DIR | -h HOST -p PORT -U USER -d DB] [--rows N]
# PGWIRE_BIN overrides the binary (default out/pgwire). Needs perf (linux-perf) and, for the
# syscall counts, tracepoints (run as root); without them only the thread table is printed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf 'lrepl-stream-syscalls: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=bench/common.sh
source "$root/bench/common.sh"

host= port= user= db= cluster= rows=1000000 publish=0
while (($#)); do
    case $1 in
    -h | -p | -U | -d | --cluster) server_option "$1" "${2:-}"; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    --help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (try --help)" ;;
    esac
done

lrb_connect
lrb_binary
table=lrb_sys pub=lrb_sys_pub slot=lrb_sys_slot
work=$(mktemp -d "${TMPDIR:-/tmp}/lrb-sys.XXXXXX")
pid= perf_pid=
cleanup() {
    [[ -n $perf_pid ]] && kill -INT "$perf_pid" 2>/dev/null || :
    [[ -n $pid ]] && stop_pid "$pid"
    drop_slot "$slot" || :
    q "DROP PUBLICATION IF EXISTS $pub; DROP TABLE IF EXISTS $table" || :
    rm -rf "$work"
}
trap cleanup EXIT

drop_slot "$slot"
q "DROP PUBLICATION IF EXISTS $pub; DROP TABLE IF EXISTS $table"
q "CREATE TABLE $table (id int PRIMARY KEY, md5 text, amount numeric, ts timestamptz, flag bool); CREATE PUBLICATION $pub FOR TABLE $table"
"$bin" lrepl -u "$user" -P "${PGPASSWORD:-}" -H "$host" -p "$port" -d "$db" -t "$table" -L "$pub" \
    --slot "$slot" -c "$work/cfg" 2>"$work/out" &
pid=$!
wait_active "$slot"
sleep 1

events=context-switches,task-clock
for e in epoll_wait recvfrom futex sched_yield; do
    [[ -e /sys/kernel/tracing/events/syscalls/sys_enter_$e || -e /sys/kernel/debug/tracing/events/syscalls/sys_enter_$e ]] && events+=",syscalls:sys_enter_$e"
done
command -v perf >/dev/null || die "perf not found"
perf stat -e "$events" -p "$pid" -o "$work/stat" &
perf_pid=$!
sleep 0.5
cpu0=$(cpu_of "$pid")
q "INSERT INTO $table SELECT g, md5(g::text), g * 1.5, now(), g % 2 = 0 FROM generate_series(1, $rows) g"
t0=$(now)
until tail -c 400 "$work/cfg/$table.data" 2>/dev/null | grep -q "\"key\":{\"id\":$rows}"; do
    kill -0 "$pid" 2>/dev/null || die "lrepl exited: $(tail -5 "$work/out")"
    sleep 0.02
done
t1=$(now)
cpu1=$(cpu_of "$pid")
printf '%8s %10s  %s\n' "CPU s" voluntary thread
for t in /proc/"$pid"/task/*; do
    st=$(cat "$t/stat") rest=${st##*) }
    read -r -a f <<<"$rest"
    printf '%8s %10s  %s\n' "$(awk -v t=$((f[11] + f[12])) 'BEGIN { printf "%.2f", t / 100 }')" "$(awk '/^voluntary_ctxt_switches/ { print $2 }' "$t/status")" "$(cat "$t/comm")"
done | sort -g | tail -8
kill -INT "$perf_pid"
wait "$perf_pid" || :
perf_pid=
grep -E '^ +[0-9]' "$work/stat" | sed 's/#.*//'
echo "wall after commit $(elapsed "$t0" "$t1") s, lrepl CPU $(minus "$cpu1" "$cpu0") s"
