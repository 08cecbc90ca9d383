#!/usr/bin/env bash
# Initial snapshot of `pgwire lrepl` against psql's \copy of the same table.
#
# Table lrb_snap (id int primary key, md5 text, numeric, timestamptz, bool), 1,000,000 rows.
# Each run alternates:
#   psql    `psql -X -c "\copy lrb_snap to FILE"` under /usr/bin/time (wall, CPU);
#   lrepl   a fresh `pgwire lrepl` (new config dir, no slot, no publication) started with a
#           timestamp; wall time until its log reports "snapshot of ... done", and its CPU time
#           (utime+stime from /proc) at that moment; then it is stopped and the slot dropped.
# The lrepl time therefore includes process start, connecting, creating the slot and the
# publication, and the fsync of the data file. Prints medians and the ratio lrepl/psql.
#
# usage: bench/lrepl-snapshot-vs-copy.sh [options]
#   -h HOST -p PORT -U USER -d DB   server (else PG* variables, else --cluster DIR)
#   --cluster DIR   test cluster started by scripts/pg-test-cluster.sh (user postgres)
#   -n RUNS         runs of each (default 3)
#   --rows N        table size (default 1000000)
#   --publish       republish out/pgwire first
#   --keep          keep the last lrepl data file for inspection
#   --sink iceberg  lrepl copies into an Iceberg table (the embedded default: SQLite catalog and
#                   local warehouse in the config dir) instead of the data file
#   --tables N      N tables of --rows rows each (lrb_snap, lrb_snap_2, ...): psql copies them one
#                   after another, one lrepl run copies them all under its one slot (default 1)
# PGWIRE_BIN overrides the binary (default out/pgwire). Temporary files go to TMPDIR (/tmp).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf 'lrepl-snapshot-vs-copy: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=bench/common.sh
source "$root/bench/common.sh"

host= port= user= db= cluster= runs=3 rows=1000000 publish=0 keep=0 sink=file ntables=1
while (($#)); do
    case $1 in
    -h | -p | -U | -d | --cluster) server_option "$1" "${2:-}"; shift 2 ;;
    -n) runs=$2; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    --publish) publish=1; shift ;;
    --keep) keep=1; shift ;;
    --sink) sink=$2; shift 2 ;;
    --tables) ntables=$2; shift 2 ;;
    --help) sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (try --help)" ;;
    esac
done

lrb_connect
lrb_binary
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (apt-get install time)"

table=lrb_snap pub=lrb_snap_pub slot=lrb_snap_slot
tables=("$table")
for ((t = 2; t <= ntables; t++)); do tables+=("${table}_$t"); done
work=$(mktemp -d "${TMPDIR:-/tmp}/lrb-snap.XXXXXX")
trap 'rm -rf "$work"' EXIT
cat >"$work/copy-all.sh" <<'EOS'
w=$1; shift
for t in "$@"; do psql -X -q -c "\\copy $t to '$w/$t.copy'" >/dev/null || exit 1; done
EOS

for t in "${tables[@]}"; do
    if [[ $(q "SELECT to_regclass('$t') IS NOT NULL") != t || $(q "SELECT count(*) FROM $t") != "$rows" ]]; then
        log "creating $t with $rows rows"
        q "SET client_min_messages = warning; DROP TABLE IF EXISTS $t; CREATE TABLE $t (id int PRIMARY KEY, md5 text, amount numeric, ts timestamptz, flag bool)"
        q "INSERT INTO $t SELECT g, md5(g::text), g * 1.5, now(), g % 2 = 0 FROM generate_series(1, $rows) g"
        q "VACUUM ANALYZE $t"
    fi
done
log "server $host:$port/$db, ${#tables[@]} table(s) of $rows rows ($(q "SELECT pg_size_pretty(pg_relation_size('$table'))") each), $runs runs each"

run_psql() {
    # One \copy after another, timed together (CPU includes every psql).
    /usr/bin/time -f '%e %U %S' -o "$work/time" bash "$work/copy-all.sh" "$work" "${tables[@]}"
    local wall usr sys t
    read -r wall usr sys <"$work/time"
    for t in "${tables[@]}"; do
        [[ $(wc -l <"$work/$t.copy") == "$rows" ]] || die "psql copied $(wc -l <"$work/$t.copy") rows of $t"
        rm -f "$work/$t.copy"
    done
    echo "$wall $(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')"
}

run_lrepl() {
    drop_slot "$slot"
    q "DROP PUBLICATION IF EXISTS $pub"
    # The previous run's log goes first: the follower below could otherwise read its "done" line
    # before the new process truncates the file, and time a run that has not happened. An empty
    # log is there before the follower starts: tail -F retries a file that does not exist yet only
    # once a second, which added one to two seconds to a run whose shell had not created it yet.
    rm -rf "$work/cfg" "$work/lrepl.log"
    : >"$work/lrepl.log"
    local start pid wall cpu line
    start=$(now)
    local list
    list=$(IFS=,; echo "${tables[*]}")
    "$bin" lrepl -u "$user" -P "${PGPASSWORD:-}" -H "$host" -p "$port" -d "$db" -t "$list" -L "$pub" \
        -c "$work/cfg" --create-publication --sink "$sink" 2>"$work/lrepl.log" &
    pid=$!
    # Wait for the line by following the log (inotify), not by polling: a grep started every few
    # milliseconds would take CPU from the process being timed on a small machine. Snapshots are
    # recorded once every table is copied, in the order named: the last table's line ends it.
    grep -m1 -q "snapshot of \"public\".\"${tables[-1]}\" done" < <(tail -n +1 -F --pid="$pid" "$work/lrepl.log" 2>/dev/null) ||
        die "lrepl exited: $(cat "$work/lrepl.log")"
    wall=$(elapsed "$start" "$(now)")
    cpu=$(cpu_of "$pid")
    stop_pid "$pid"
    local phase=0 t
    while read -r line; do
        [[ $line == *" $rows rows"* ]] || die "unexpected: $line"
        log "  ${line#lrepl: }"
        # copy + join + fsync as reported by lrepl itself: the snapshot without process start and slot
        if [[ $sink == file ]]; then
            phase=$(sed -E 's/.*copy ([0-9.]+) s, join ([0-9.]+) s, fsync ([0-9.]+) s.*/\1 \2 \3/' <<<"$line" | awk -v p="$phase" '{ printf "%.2f", p + $1 + $2 + $3 }')
        else
            phase=$(sed -E 's/.*copy ([0-9.]+) s.*/\1/' <<<"$line" | awk -v p="$phase" '{ printf "%.2f", p + $1 }')
        fi
    done < <(grep "snapshot of .* done" "$work/lrepl.log")
    if [[ $sink == file ]]; then
        for t in "${tables[@]}"; do
            [[ $(wc -l <"$work/cfg/$t.data") == "$rows" ]] || die "data file of $t has $(wc -l <"$work/cfg/$t.data") lines"
        done
        ((keep)) && cp "$work/cfg/$table.data" "${TMPDIR:-/tmp}/lrb-snap-last.data"
    fi
    drop_slot "$slot"
    echo "$wall $cpu $phase"
}

# warm-up (page cache, JIT-less first start of the binary)
run_psql >/dev/null
run_lrepl >/dev/null

psql_wall=() psql_cpu=() lrepl_wall=() lrepl_cpu=() lrepl_phase=()
for ((i = 1; i <= runs; i++)); do
    read -r w c < <(run_psql)
    psql_wall+=("$w") psql_cpu+=("$c")
    log "run $i psql  \\copy  wall ${w}s cpu ${c}s"
    read -r w c p < <(run_lrepl)
    lrepl_wall+=("$w") lrepl_cpu+=("$c") lrepl_phase+=("$p")
    log "run $i lrepl snapshot wall ${w}s cpu ${c}s (copy phase ${p}s)"
done
q "DROP PUBLICATION IF EXISTS $pub"

pw=$(printf '%s\n' "${psql_wall[@]}" | median) pc=$(printf '%s\n' "${psql_cpu[@]}" | median)
lw=$(printf '%s\n' "${lrepl_wall[@]}" | median) lc=$(printf '%s\n' "${lrepl_cpu[@]}" | median)
printf '\n%-28s %8s %8s\n' "median of $runs" "wall s" "CPU s"
printf '%-28s %8s %8s\n' "psql \\copy to file" "$pw" "$pc"
printf '%-28s %8s %8s\n' "pgwire lrepl snapshot" "$lw" "$lc"
printf '%-28s %8s %8s\n' "ratio lrepl/psql" "$(ratio "$lw" "$pw")" "$(ratio "$lc" "$pc")"
lp=$(printf '%s\n' "${lrepl_phase[@]}" | median)
printf '%-28s %8s %8s\n' "lrepl copy phase only" "$lp" "-"
printf '%-28s %8s %8s\n' "ratio copy phase/psql" "$(ratio "$lp" "$pw")" "-"
printf 'runs: psql wall %s; lrepl wall %s; lrepl copy phase %s\n' "${psql_wall[*]}" "${lrepl_wall[*]}" "${lrepl_phase[*]}"
