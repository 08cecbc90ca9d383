#!/usr/bin/env bash
# End-to-end comparison of `pgwire simpsql` with psql: both fetch every row of a
# 5-column, 1,000,000-row table in unaligned tuples-only mode (-X -At) and write
# it to /dev/null. The runs alternate (psql, simpsql, psql, ...) and the script
# prints the median wall time, CPU time (user+sys) and max RSS of each client and
# the ratio simpsql/psql.
#
# usage: bench/simpsql-vs-psql.sh [options]
#   -h HOST  -p PORT  -U USER  -d DB   server to use (else PGHOST, PGPORT, PGUSER,
#                                      PGDATABASE; PGPASSWORD is passed to both clients)
#   --cluster DIR   when neither options nor PG* variables name a server: use the test
#                   cluster in DIR (scripts/pg-test-cluster.sh env DIR; default .pgtmp in
#                   the repository, or PGWIRE_TEST_* if already exported), as user
#                   postgres with password postgres
#   -n RUNS         runs per client (default 5)
#   --rows N        table size (default 1000000); the table is rebuilt if its size differs
#   --recreate      drop and rebuild bench_rows even if it looks right
#   --publish       republish out/pgwire even if it exists
#   --psql-only     measure psql alone (while simpsql is unavailable)
# PGWIRE_BIN overrides the client binary (default out/pgwire, published from src/Host
# when missing).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

log() { printf 'simpsql-vs-psql: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

host= port= user= db= cluster= runs=5 rows=1000000 recreate=0 publish=0 psql_only=0
while (($#)); do
    case $1 in
    -h | -p | -U | -d | --cluster) server_option "$1" "${2:-}"; shift 2 ;;
    -n) runs=$2; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    --recreate) recreate=1; shift ;;
    --publish) publish=1; shift ;;
    --psql-only) psql_only=1; shift ;;
    --help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (try --help)" ;;
    esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "-n needs a positive number"
[[ $rows =~ ^[1-9][0-9]*$ ]] || die "--rows needs a positive number"

# --- connection ------------------------------------------------------------
# shellcheck source=bench/common.sh
source "$root/bench/common.sh"
lrb_connect
conn=(-h "$host" -p "$port" -U "$user" -d "$db")
query='select * from bench_rows'

# --- tools -------------------------------------------------------------------
command -v psql >/dev/null || die "psql not found"
if [[ ! -x /usr/bin/time ]]; then
    [[ $(id -u) -eq 0 ]] || die "/usr/bin/time is missing (apt-get install time)"
    log "installing time"
    apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y time >&2
fi

pgwire=${PGWIRE_BIN:-$root/out/pgwire}
if ((!psql_only)); then
    lrb_binary
    pgwire=$bin
fi

psql_cmd=(psql -X -At "${conn[@]}" -c "$query")
simpsql_cmd=("$pgwire" simpsql -X -At "${conn[@]}" -c "$query")

if ((!psql_only)); then
    "$pgwire" simpsql -X -At "${conn[@]}" -c 'select 1' >/dev/null 2>&1 \
        || die "'out/pgwire simpsql -X -At -c' does not work yet (rerun with --publish after updating, or use --psql-only)"
fi

# --- table -------------------------------------------------------------------
sql() { psql -X -q -At -v ON_ERROR_STOP=1 "${conn[@]}" -c "$1"; }
have=-1
if [[ $(sql "select to_regclass('bench_rows') is not null") == t ]]; then
    have=$(sql "select count(*) from bench_rows")
fi
if ((recreate)) || [[ $have != "$rows" ]]; then
    log "creating bench_rows with $rows rows"
    sql "set client_min_messages = warning; drop table if exists bench_rows"
    sql "create table bench_rows as select g as id, md5(g::text) as name, (g*1.5)::numeric(12,2) as amount, now() - g * interval '1 second' as ts, g % 2 = 0 as flag from generate_series(1,$rows) g"
    # Sets hint bits and statistics so that the first measured scan does not write.
    sql "vacuum analyze bench_rows"
fi

# --- warm-up and output check ------------------------------------------------
log "server $host:$port db=$db user=$user, $rows rows, $runs runs per client"
psql_sum=$("${psql_cmd[@]}" | md5sum | cut -d' ' -f1)
if ((!psql_only)); then
    simpsql_sum=$("${simpsql_cmd[@]}" | md5sum | cut -d' ' -f1)
    if [[ $psql_sum == "$simpsql_sum" ]]; then
        log "output identical to psql (md5 $psql_sum)"
    else
        log "warning: output differs from psql (psql md5 $psql_sum, simpsql md5 $simpsql_sum)"
    fi
fi

# --- measurement -------------------------------------------------------------
timing=$(mktemp)
trap 'rm -f "$timing"' EXIT

# Appends "wall cpu rss_kb" of one run of the command to the named array.
measure() {
    local -n out=$1
    shift
    /usr/bin/time -f '%e %U %S %M' -o "$timing" "$@" >/dev/null || die "failed: $*"
    local wall usr sys rss
    read -r wall usr sys rss <"$timing"
    out+=("$wall $(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.2f", u + s }') $rss")
}

psql_runs=() simpsql_runs=()
for ((i = 1; i <= runs; i++)); do
    measure psql_runs "${psql_cmd[@]}"
    log "run $i psql    wall/cpu/rss_kb: ${psql_runs[-1]}"
    if ((!psql_only)); then
        measure simpsql_runs "${simpsql_cmd[@]}"
        log "run $i simpsql wall/cpu/rss_kb: ${simpsql_runs[-1]}"
    fi
done

# median FIELD RUN...  (field 1 wall, 2 cpu, 3 rss)
median() {
    local field=$1
    shift
    printf '%s\n' "$@" | awk -v f="$field" '{ print $f }' | sort -g \
        | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

pw=$(median 1 "${psql_runs[@]}") pc=$(median 2 "${psql_runs[@]}") pr=$(median 3 "${psql_runs[@]}")
printf '\n%s, %s rows, median of %s runs (%s)\n' "$query" "$rows" "$runs" "$(date -u '+%Y-%m-%d %H:%M UTC')"
printf '%-8s %9s %9s %12s\n' client wall_s cpu_s max_rss_mb
printf '%-8s %9s %9s %12s\n' psql "$pw" "$pc" "$(mb "$pr")"
if ((!psql_only)); then
    sw=$(median 1 "${simpsql_runs[@]}") sc=$(median 2 "${simpsql_runs[@]}") sr=$(median 3 "${simpsql_runs[@]}")
    printf '%-8s %9s %9s %12s\n' simpsql "$sw" "$sc" "$(mb "$sr")"
    printf '%-8s %9s %9s %12s\n' ratio "$(ratio "$sw" "$pw")" "$(ratio "$sc" "$pc")" "$(ratio "$sr" "$pr")"
fi
