#!/usr/bin/env bash
# Streaming throughput of `pgwire lrepl` against pg_recvlogical and a plain Npgsql consumer.
#
# For each consumer and run: table lrb_stream (id int primary key, md5 text, numeric,
# timestamptz, bool) is recreated empty with publication lrb_stream_pub, the consumer is started
# and connected to its own pgoutput slot (proto_version 1), then one transaction inserts
#   INSERT INTO lrb_stream SELECT g, md5(g::text), g*1.5, now(), g%2=0 FROM generate_series(1,N) g
# and the script measures, from the moment that INSERT's commit returns:
#   wall  until the consumer holds all N changes:
#           lrepl          the data file has the line of key id N (checked to hold N lines);
#           pg_recvlogical its output file (-f) has the last row's md5 (written message by
#                          message, so the commit follows at once);
#           npgsql         bench/NpgsqlConsumer printed inserts=N (it reads every value of
#                          every InsertMessage with Get<string>() and stops at N);
#   CPU   the consumer process's utime+stime (from /proc/PID/stat) at that moment minus its
#         value just before the INSERT started (startup is not counted; idle time during the
#         INSERT is).
# Prints medians and the ratios to pg_recvlogical and to Npgsql.
#
# usage: bench/lrepl-vs-recvlogical.sh [options]
#   -h HOST -p PORT -U USER -d DB   server (else PG* variables, else --cluster DIR)
#   --cluster DIR   test cluster started by scripts/pg-test-cluster.sh (user postgres)
#   -n RUNS         runs of each consumer (default 3)
#   --rows N        rows inserted (default 1000000)
#   --only LIST     comma separated subset of lrepl,lrepltext,lreplv1,lreplfile,lreplice,recvlogical,npgsql
#                   (lreplice: lrepl --sink iceberg --commit-interval 1s, done when the slot
#                   confirms the INSERT; lreplfile: the data file, measured the same way;
#                   lrepltext: lrepl with pgwire.lrepl.binary = off, values sent as text;
#                   lreplv1: also protocol-version = 1, exactly what the peers ask for)
#   --catch-up      start each consumer after the INSERT committed instead: it ran once before
#                   (slot made, lrepl's snapshot of the empty table taken) and was stopped; wall and
#                   CPU then count from its start (start-up included) until it holds all N changes
#   --publish       republish out/pgwire first
# PGWIRE_BIN overrides the binary (default out/pgwire). Temporary files go to TMPDIR (/tmp).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf 'lrepl-vs-recvlogical: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=bench/common.sh
source "$root/bench/common.sh"

host= port= user= db= cluster= runs=3 rows=1000000 publish=0 only=lrepl,recvlogical,npgsql catchup=0
resume=0
while (($#)); do
    case $1 in
    -h | -p | -U | -d | --cluster) server_option "$1" "${2:-}"; shift 2 ;;
    -n) runs=$2; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --catch-up) catchup=1; shift ;;
    --publish) publish=1; shift ;;
    --help) sed -n '2,34p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (try --help)" ;;
    esac
done

lrb_connect
lrb_binary
command -v pg_recvlogical >/dev/null || die "pg_recvlogical not found"
npgsql_dir=$root/bench/NpgsqlConsumer/bin/Release/net10.0
if [[ ,$only, == *,npgsql,* ]]; then
    log "building bench/NpgsqlConsumer"
    dotnet build "$root/bench/NpgsqlConsumer" -c Release >/dev/null || die "NpgsqlConsumer does not build"
fi

table=lrb_stream pub=lrb_stream_pub
work=$(mktemp -d "${TMPDIR:-/tmp}/lrb-stream.XXXXXX")
pid=
# run_one runs in a subshell: the consumer it started and its slot are noted in files, so that an
# interrupted run stops the one and drops the other (a slot left behind holds the server's WAL).
cleanup() {
    [[ -n $pid ]] && stop_pid "$pid"
    [[ -s $work/running ]] && stop_pid "$(<"$work/running")"
    [[ -s $work/slot ]] && { drop_slot "$(<"$work/slot")" || :; }
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
last_md5=$(q "SELECT md5('$rows')")

fresh_table() {
    q "DROP PUBLICATION IF EXISTS $pub; DROP TABLE IF EXISTS $table"
    q "CREATE TABLE $table (id int PRIMARY KEY, md5 text, amount numeric, ts timestamptz, flag bool); CREATE PUBLICATION $pub FOR TABLE $table"
}

# start_<consumer> SLOT: starts it in the background (sets pid) and waits until it streams.
start_lrepl() {
    ((resume)) || rm -rf "$work/cfg"
    "$bin" lrepl -u "$user" -P "${PGPASSWORD:-}" -H "$host" -p "$port" -d "$db" -t "$table" -L "$pub" \
        --slot "$1" -c "$work/cfg" 2>"$work/out" &
    pid=$!
    echo "$pid" >"$work/running"
}
# lrepl with a config file: start_lrepl_conf SLOT HOCON
start_lrepl_conf() {
    ((resume)) || rm -rf "$work/cfg"
    printf '%s\n' "$2" >"$work/lrepl.conf"
    "$bin" lrepl -u "$user" -P "${PGPASSWORD:-}" -H "$host" -p "$port" -d "$db" -t "$table" -L "$pub" \
        --slot "$1" -c "$work/cfg" --config "$work/lrepl.conf" 2>"$work/out" &
    pid=$!
    echo "$pid" >"$work/running"
}
# lrepl into an Iceberg table (the embedded default under the config dir), a commit a second.
start_lreplice() {
    ((resume)) || rm -rf "$work/cfg"
    "$bin" lrepl -u "$user" -P "${PGPASSWORD:-}" -H "$host" -p "$port" -d "$db" -t "$table" -L "$pub" \
        --slot "$1" -c "$work/cfg" --sink iceberg --commit-interval 1s 2>"$work/out" &
    pid=$!
    echo "$pid" >"$work/running"
}
# lrepl into the data file, measured like lreplice: until the slot confirms the INSERT.
start_lreplfile() { start_lrepl "$1"; }
# lrepl with column values in text, for the binary/text comparison.
start_lrepltext() { start_lrepl_conf "$1" 'pgwire.lrepl.binary = off'; }
# lrepl asking for exactly what the peers ask for: protocol 1, text.
start_lreplv1() { start_lrepl_conf "$1" $'pgwire.lrepl.binary = off\npgwire.lrepl.protocol-version = 1'; }
start_recvlogical() {
    ((resume)) || pg_recvlogical -d "$db" --slot "$1" --create-slot -P pgoutput
    rm -f "$work/recv.out"
    pg_recvlogical -d "$db" --slot "$1" --start -o proto_version=1 -o publication_names="$pub" \
        --status-interval=1 -f "$work/recv.out" 2>"$work/out" &
    pid=$!
    echo "$pid" >"$work/running"
}
start_npgsql() {
    ((resume)) || pg_recvlogical -d "$db" --slot "$1" --create-slot -P pgoutput
    "$npgsql_dir/NpgsqlConsumer" "Host=$host;Port=$port;Username=$user;Password=${PGPASSWORD:-};Database=$db" \
        "$1" "$pub" "$rows" --linger >"$work/out" 2>&1 &
    pid=$!
    echo "$pid" >"$work/running"
}

done_lrepl() { tail -c 400 "$work/cfg/$table.data" 2>/dev/null | grep -q "\"key\":{\"id\":$rows}"; }
done_lrepltext() { done_lrepl; }
done_lreplv1() { done_lrepl; }
done_recvlogical() { tail -c 400 "$work/recv.out" 2>/dev/null | grep -aq "$last_md5"; }
done_npgsql() { grep -q "inserts=" "$work/out"; }
# Done once the slot's confirmed position has passed the INSERT's commit: lrepl reports a
# position only after it is durable (the Iceberg commit, or the data file's fsync).
done_slot() { [[ $(q "SELECT confirmed_flush_lsn >= '$target_lsn' FROM pg_replication_slots WHERE slot_name = '$current_slot'") == t ]]; }
done_lreplice() { done_slot; }
done_lreplfile() { done_slot; }

check_lrepl() { local n; n=$(wc -l <"$work/cfg/$table.data"); [[ $n == "$rows" ]] || die "lrepl data file has $n lines"; }
check_lrepltext() { check_lrepl; }
check_lreplv1() { check_lrepl; }
check_recvlogical() { :; }
check_lreplice() {
    local total
    total=$("$bin" iceberg show -c "$work/cfg" --history "$table" | grep -E '^\([0-9]+ rows?\)' -B1 | head -n 1 | awk -F'|' '{ gsub(/ /, "", $6); print $6 }')
    [[ $total == "$rows" ]] || die "lreplice: the table's last snapshot holds $total records, not $rows"
    echo "lreplice max RSS $(awk '/VmHWM/ { print $2 }' "$work/rss") kB" >&2
}
check_lreplfile() { check_lrepl; echo "lreplfile max RSS $(awk '/VmHWM/ { print $2 }' "$work/rss") kB" >&2; }
check_npgsql() { grep -q "inserts=$rows " "$work/out" || die "npgsql consumer: $(cat "$work/out")"; }

# run_one CONSUMER: prints "wall cpu insert_seconds"
run_one() {
    local c=$1 slot=lrb_stream_$1
    drop_slot "$slot"
    echo "$slot" >"$work/slot"
    fresh_table
    resume=0
    "start_$c" "$slot"
    wait_active "$slot"
    sleep 0.5
    local cpu0 t_ins t0 t1 cpu1
    if ((catchup)); then
        # Stopped once streaming, so the INSERT waits in the slot; started again after the commit.
        stop_pid "$pid"
        pid=
        until [[ $(q "SELECT active FROM pg_replication_slots WHERE slot_name = '$slot'") == f ]]; do sleep 0.05; done
        t_ins=$(now)
        q "INSERT INTO $table SELECT g, md5(g::text), g * 1.5, now(), g % 2 = 0 FROM generate_series(1, $rows) g"
        target_lsn=$(q "SELECT pg_current_wal_lsn()") current_slot=$slot
        t0=$(now)
        resume=1
        "start_$c" "$slot"
        cpu0=0
    else
        cpu0=$(cpu_of "$pid")
        t_ins=$(now)
        q "INSERT INTO $table SELECT g, md5(g::text), g * 1.5, now(), g % 2 = 0 FROM generate_series(1, $rows) g"
        t0=$(now)
        target_lsn=$(q "SELECT pg_current_wal_lsn()") current_slot=$slot
    fi
    until "done_$c"; do
        kill -0 "$pid" 2>/dev/null || die "$c exited: $(tail -5 "$work/out")"
        sleep 0.02
    done
    t1=$(now)
    cpu1=$(cpu_of "$pid")
    cat "/proc/$pid/status" >"$work/rss" 2>/dev/null || :
    stop_pid "$pid"
    pid=
    "check_$c"
    drop_slot "$slot"
    rm -f "$work/slot" "$work/running"
    echo "$(elapsed "$t0" "$t1") $(minus "$cpu1" "$cpu0") $(elapsed "$t_ins" "$t0")"
}

IFS=, read -r -a consumers <<<"$only"
declare -A walls cpus
log "server $host:$port/$db, $rows rows per INSERT, $runs runs of: ${consumers[*]}$( ((catchup)) && echo ' (catching up: each started after the commit)')"
for ((i = 1; i <= runs; i++)); do
    for c in "${consumers[@]}"; do
        read -r w cpu ins < <(run_one "$c")
        walls[$c]+="$w " cpus[$c]+="$cpu "
        log "run $i $c: wall ${w}s $( ((catchup)) && echo 'from start' || echo 'after commit'), cpu ${cpu}s (INSERT took ${ins}s)"
    done
done
q "DROP PUBLICATION IF EXISTS $pub; DROP TABLE IF EXISTS $table"

printf '\n%-22s %10s %10s %22s\n' "median of $runs" "wall s" "CPU s" "runs (wall)"
declare -A mw mc
for c in "${consumers[@]}"; do
    mw[$c]=$(tr ' ' '\n' <<<"${walls[$c]}" | grep . | median)
    mc[$c]=$(tr ' ' '\n' <<<"${cpus[$c]}" | grep . | median)
    printf '%-22s %10s %10s %22s\n' "$c" "${mw[$c]}" "${mc[$c]}" "${walls[$c]}"
done
if [[ -n ${mw[lrepl]:-} ]]; then
    for c in lrepltext lreplv1 lreplfile lreplice recvlogical npgsql; do
        [[ -n ${mw[$c]:-} ]] || continue
        printf '%-22s %10s %10s\n' "ratio lrepl/$c" "$(ratio "${mw[lrepl]}" "${mw[$c]}")" "$(ratio "${mc[lrepl]}" "${mc[$c]}")"
    done
fi
if [[ -n ${mw[lreplice]:-} && -n ${mw[lreplfile]:-} ]]; then
    printf '%-22s %10s %10s\n' "ratio lreplice/lreplfile" "$(ratio "${mw[lreplice]}" "${mw[lreplfile]}")" "$(ratio "${mc[lreplice]}" "${mc[lreplfile]}")"
fi
