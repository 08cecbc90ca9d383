#!/usr/bin/env bash
# Runs PostgreSQL 15's regression SQL through psql 15 and through simpsql, the way pg_regress
# runs it, and compares the two outputs line by line.
#
#   scripts/regress-compare.sh [--check] [--file] [--simpsql PATH] [--psql PATH] [--fixtures DIR]
#                              [--results DIR] [--timeout SECONDS] [--times FILE] [--first CLIENT]
#                              [FILE.sql|NAME ...]
#
# For each file: a database is set up once per run from template0 with test_setup.sql (always
# run by psql, so both sides start from the same data); every file gets two fresh copies of it,
# one for psql and one for simpsql, with the database settings pg_regress gives its database.
# Each client then reads the file as `CLIENT -X -a -q -d DB < FILE` with PGTZ=PST8PDT,
# PGDATESTYLE='Postgres, MDY' and PGOPTIONS='-c intervalstyle=postgres_verbose'; standard
# output and standard error go to one file, as pg_regress collects them. The two runs of a file
# are sequential: several files create roles, which are cluster-wide; roles a run leaves behind
# are dropped before the next run.
#
# Read from standard input, neither client prefixes its messages with a program name and line
# ("psql:FILE:LINE:" appears only with -f or \i), so the outputs are compared as they are.
#
# Comparing: a changed pair of lines that differs only in integers of 16384 or more (the first
# OID a database object can get) is taken as OIDs and not counted; everything else is. Per hunk
# of `diff`, the larger of its two sides counts as the differing lines.
#
# Output: one line per file, then "N of T files identical; M of L lines differ" (L: psql's
# lines). RESULTS (default TestResults/regress) keeps, per file, NAME.psql.out,
# NAME.simpsql.out and NAME.diff (unified, only for files that differ), summary.txt, and
# results.trx, a test-result file that scripts/test.sh adds to its totals: an identical file
# passes, a file listed in tests/regress/known-differences.txt that still differs is "not
# executed" (shown as skipped), anything else fails.
#
# --file: each client reads the file as `-f FILE` instead of from standard input, so that every
# error and notice carries "psql:FILE:LINE:" (simpsql's "simpsql:FILE:LINE:" is compared as
# psql's): the line numbers are compared too. Its test results are named regress-f/NAME.
#
# --check: exits 1 when a file not in the known-differences list differs, or when a listed
# file now matches (remove it from the list then: the list only shrinks).
#
# --times FILE: appends "NAME CLIENT SECONDS" per run, the client's wall time on the file, and
# "NAME CLIENT-start SECONDS", its wall time on `-X -q -c 'select 1'` in the same database right
# after the file: start-up sampled under the same conditions as the files
# (bench/simpsql-regress.sh compares them).
#
# --first psql|simpsql: the client that runs the first file first (default simpsql). The clients
# take turns at going first from file to file; a benchmark that runs the suite several times
# alternates this, so that each file is run first by each client as often.
#
# Connection: PGWIRE_TEST_HOST/PGWIRE_TEST_PORT (scripts/pg-test-cluster.sh env) or
# PGHOST/PGPORT; superuser PGWIRE_REGRESS_USER (postgres), password PGWIRE_REGRESS_PASSWORD
# (postgres). Fixtures: PGWIRE_REGRESS_FIXTURES or ../shared/fixtures/pg-regress-15 beside the
# repository; when they, or psql 15, are missing the run is skipped and says so.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

check=0
as_file=
simpsql=${PGWIRE_SIMPSQL:-$root/src/Host/bin/Release/net10.0/pgwire}
psql_bin=${PGWIRE_PSQL:-/usr/lib/postgresql/15/bin/psql}
fixtures=${PGWIRE_REGRESS_FIXTURES:-$root/../shared/fixtures/pg-regress-15}
results=${PGWIRE_REGRESS_RESULTS:-$root/TestResults/regress}
known_list=$root/tests/regress/known-differences.txt
per_file_timeout=120
times=
first=simpsql
selected=()

usage() {
    sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

while (($#)); do
    case $1 in
    --check) check=1 ;;
    --file) as_file=1 ;;
    --simpsql) simpsql=${2:?}; shift ;;
    --psql) psql_bin=${2:?}; shift ;;
    --fixtures) fixtures=${2:?}; shift ;;
    --results) results=${2:?}; shift ;;
    --timeout) per_file_timeout=${2:?}; shift ;;
    --times) times=${2:?}; shift ;;
    --first) first=${2:?}; shift ;;
    -h | --help) usage ;;
    -*) echo "regress-compare: unknown option $1" >&2; usage ;;
    *) selected+=("$1") ;;
    esac
    shift
done

log() { printf 'regress-compare: %s\n' "$*" >&2; }

mkdir -p "$results"
results=$(cd "$results" && pwd)
trx=$results/results.trx

xml_escape() {
    local s=$1
    s=${s//&/&amp;}
    s=${s//</&lt;}
    s=${s//>/&gt;}
    s=${s//\"/&quot;}
    printf '%s' "$s"
}

# write_trx TOTAL EXECUTED PASSED FAILED, with the per-file rows in trx_rows.
trx_rows=()
write_trx() {
    {
        printf '<?xml version="1.0" encoding="UTF-8"?>\n'
        printf '<TestRun name="regress-compare" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">\n'
        printf '  <Results>\n'
        local row
        for row in "${trx_rows[@]}"; do
            printf '    %s\n' "$row"
        done
        printf '  </Results>\n'
        printf '  <ResultSummary outcome="%s">\n' "$([[ $4 == 0 ]] && echo Completed || echo Failed)"
        printf '    <Counters total="%s" executed="%s" passed="%s" failed="%s" error="0" timeout="0" aborted="0" inconclusive="0" passedButRunAborted="0" notRunnable="0" notExecuted="%s" disconnected="0" warning="0" completed="0" inProgress="0" pending="0" />\n' \
            "$1" "$2" "$3" "$4" "$(($1 - $2))"
        printf '  </ResultSummary>\n'
        printf '</TestRun>\n'
    } >"$trx"
}

trx_row() { # NAME OUTCOME MESSAGE
    trx_rows+=("<UnitTestResult testName=\"regress${as_file:+-f}/$(xml_escape "$1")\" outcome=\"$2\"><Output><StdOut>$(xml_escape "$3")</StdOut></Output></UnitTestResult>")
}

skip_all() {
    log "$1: the regression comparison is skipped"
    trx_row "pg-regress-15" NotExecuted "skipped: $1"
    write_trx 1 0 0 0
    exit 0
}

[[ -d $fixtures/sql && -f $fixtures/sql/test_setup.sql ]] || skip_all "no fixtures at $fixtures"
fixtures=$(cd "$fixtures" && pwd)
[[ -x $psql_bin ]] || skip_all "psql 15 not found at $psql_bin"
if [[ ! -x $simpsql ]]; then
    log "simpsql not found at $simpsql (build src/Host first, or pass --simpsql)"
    trx_row "pg-regress-15" Failed "simpsql not found at $simpsql"
    write_trx 1 1 0 1
    exit 1
fi

export PGHOST=${PGWIRE_TEST_HOST:-${PGHOST:-127.0.0.1}}
export PGPORT=${PGWIRE_TEST_PORT:-${PGPORT:-5432}}
export PGUSER=${PGWIRE_REGRESS_USER:-postgres}
export PGPASSWORD=${PGWIRE_REGRESS_PASSWORD:-postgres}
# What pg_regress clears before it starts psql.
unset PGDATABASE PGSERVICE PGSSLMODE PGREQUIRESSL PGCONNECT_TIMEOUT PGDATA PGHOSTADDR PGCLIENTENCODING \
    PGTZ PGDATESTYLE PGOPTIONS PSQLRC PSQL_HISTORY PGAPPNAME

admin() { "$psql_bin" -X -q -v ON_ERROR_STOP=1 -d postgres "$@"; }

if ! admin -tAc 'select 1' >/dev/null 2>&1; then
    log "cannot connect to PostgreSQL at $PGHOST:$PGPORT as $PGUSER"
    trx_row "pg-regress-15" Failed "cannot connect to PostgreSQL at $PGHOST:$PGPORT"
    write_trx 1 1 0 1
    exit 1
fi

files=()
if ((${#selected[@]})); then
    for f in "${selected[@]}"; do
        f=$(basename "$f" .sql)
        [[ -f $fixtures/sql/$f.sql ]] || { log "no such file: $fixtures/sql/$f.sql"; exit 2; }
        files+=("$f")
    done
else
    while IFS= read -r f; do
        f=$(basename "$f" .sql)
        [[ $f == test_setup ]] || files+=("$f")
    done < <(find "$fixtures/sql" -maxdepth 1 -name '*.sql' | LC_ALL=C sort)
fi

declare -A known=()
if [[ -f $known_list ]]; then
    while IFS= read -r line; do
        line=${line%%#*}
        line=${line//[[:space:]]/}
        [[ -n $line ]] && known[${line%.sql}]=1
    done <"$known_list"
fi

prefix=pgwire_regress_$$
template=${prefix}_template
baseline_roles=$(admin -tAc 'select rolname from pg_roles order by 1')

cleanup() {
    local db
    for db in $(admin -tAc "select datname from pg_database where datname like '${prefix}\\_%'" 2>/dev/null); do
        admin -c "drop database if exists \"$db\" with (force)" >/dev/null 2>&1
    done
    drop_new_roles
}

# Drops the roles a run created (the database they owned things in is dropped first).
drop_new_roles() {
    local r
    while IFS= read -r r; do
        [[ -n $r ]] || continue
        admin -c "drop role if exists \"${r//\"/\"\"}\"" >/dev/null 2>&1 ||
            log "could not drop role $r left by a test"
    done < <(comm -13 <(printf '%s\n' "$baseline_roles") <(admin -tAc 'select rolname from pg_roles order by 1' | LC_ALL=C sort))
}
baseline_roles=$(printf '%s\n' "$baseline_roles" | LC_ALL=C sort)
trap cleanup EXIT

# The database pg_regress makes: from template0, with these settings.
create_db() { # NAME TEMPLATE
    admin -c "create database \"$1\" template \"$2\"" >/dev/null &&
        admin -c "alter database \"$1\" set lc_messages to 'C'; alter database \"$1\" set lc_monetary to 'C';
                  alter database \"$1\" set lc_numeric to 'C'; alter database \"$1\" set lc_time to 'C';
                  alter database \"$1\" set bytea_output to 'hex';
                  alter database \"$1\" set timezone_abbreviations to 'Default'" >/dev/null
}

# The environment pg_regress gives psql for a test.
run_env() { # NAME
    env PGTZ=PST8PDT PGDATESTYLE='Postgres, MDY' PGOPTIONS='-c intervalstyle=postgres_verbose' \
        PGAPPNAME="pg_regress/$1" PG_ABS_SRCDIR="$fixtures" PG_LIBDIR="$fixtures/lib" PG_DLSUFFIX=.so \
        "${@:2}"
}

start=$SECONDS
create_db "$template" template0 || { log "cannot create the template database"; exit 1; }
run_env test_setup "$psql_bin" -X -a -q -d "$template" <"$fixtures/sql/test_setup.sql" >"$results/test_setup.psql.out" 2>&1
admin -c "vacuum analyze" -d "$template" >/dev/null 2>&1

# Counts differing lines of two outputs, OID-only changes aside: prints "DIFFERING OIDONLY".
count_diff() {
    diff -- "$1" "$2" | awk '
        function mask(s,   out, n) {
            out = ""
            while (match(s, /[0-9]+/)) {
                n = substr(s, RSTART, RLENGTH)
                out = out substr(s, 1, RSTART - 1) ((length(n) > 5 || (length(n) == 5 && n + 0 >= 16384)) ? "<oid>" : n)
                s = substr(s, RSTART + RLENGTH)
            }
            return out s
        }
        function flush(   i, oid) {
            if (nl == 0 && nr == 0) return
            if (nl == nr) {
                for (i = 1; i <= nl; i++) {
                    if (mask(left[i]) == mask(right[i])) oidonly++
                    else differing++
                }
            } else {
                differing += (nl > nr ? nl : nr)
            }
            nl = nr = 0
        }
        /^[0-9]/ { flush(); next }
        /^< / { left[++nl] = substr($0, 3); next }
        /^> / { right[++nr] = substr($0, 3); next }
        END { flush(); printf "%d %d\n", differing + 0, oidonly + 0 }
    '
}

identical=0 different=0 total_lines=0 total_diff=0
passed=0 failed=0 notrun=0
check_failures=()
: >"$results/summary.txt"
case $first in
psql) order=(simpsql psql) ;;
simpsql) order=(psql simpsql) ;;
*) log "--first takes psql or simpsql, not $first"; exit 2 ;;
esac
for name in "${files[@]}"; do
    file=$fixtures/sql/$name.sql
    notes=()
    # The clients take turns at going first, so that neither always runs right after the other's
    # database was dropped (and its checkpoint or autovacuum work) when the times are compared.
    order=("${order[1]}" "${order[0]}")
    for client in "${order[@]}"; do
        db=${prefix}_${client}_$name
        out=$results/$name.$client.out
        if ! create_db "$db" "$template"; then
            log "cannot create database $db"
            exit 1
        fi
        if [[ $client == psql ]]; then
            cmd=("$psql_bin" -X -a -q -d "$db")
            start_cmd=("$psql_bin" -X -q -d "$db" -c 'select 1')
        else
            cmd=("$simpsql" simpsql -X -a -q -d "$db")
            start_cmd=("$simpsql" simpsql -X -q -d "$db" -c 'select 1')
        fi
        t0=$EPOCHREALTIME
        if [[ -n $as_file ]]; then
            run_env "$name" timeout -k 5 "$per_file_timeout" "${cmd[@]}" -f "$file" </dev/null >"$out" 2>&1
            rc=$?
            if [[ $client == simpsql ]]; then
                awk -v from="simpsql:$file:" -v to="psql:$file:" \
                    'index($0, from) == 1 { $0 = to substr($0, length(from) + 1) } { print }' "$out" >"$out.tmp" && mv "$out.tmp" "$out"
            fi
        else
            run_env "$name" timeout -k 5 "$per_file_timeout" "${cmd[@]}" <"$file" >"$out" 2>&1
            rc=$?
        fi
        [[ -n $times ]] && printf '%s %s %s\n' "$name" "$client" "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.4f", b - a }')" >>"$times"
        if [[ -n $times ]]; then
            t0=$EPOCHREALTIME
            run_env "$name" timeout -k 5 "$per_file_timeout" "${start_cmd[@]}" >/dev/null 2>&1 </dev/null
            printf '%s %s-start %s\n' "$name" "$client" "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.4f", b - a }')" >>"$times"
        fi
        if ((rc == 124 || rc == 137)); then
            notes+=("$client timed out after ${per_file_timeout}s")
            printf '\n[regress-compare: %s timed out after %ss]\n' "$client" "$per_file_timeout" >>"$out"
        fi
        admin -c "drop database \"$db\" with (force)" >/dev/null 2>&1
        drop_new_roles
    done
    lines=$(wc -l <"$results/$name.psql.out")
    read -r ndiff noid < <(count_diff "$results/$name.psql.out" "$results/$name.simpsql.out")
    total_lines=$((total_lines + lines))
    total_diff=$((total_diff + ndiff))
    rm -f "$results/$name.diff"
    if ((noid > 0)); then
        notes+=("$noid OID lines")
    fi
    listed=${known[$name]:+1}
    if ((ndiff == 0)); then
        identical=$((identical + 1))
        status="identical"
        if [[ -n $listed ]]; then
            failed=$((failed + 1))
            check_failures+=("$name matches now: remove it from tests/regress/known-differences.txt")
            trx_row "$name" Failed "identical, but listed in known-differences.txt: remove it from the list"
        else
            passed=$((passed + 1))
            trx_row "$name" Passed "identical"
        fi
    else
        different=$((different + 1))
        status="different ($ndiff of $lines lines)"
        diff -u --label "psql/$name" --label "simpsql/$name" "$results/$name.psql.out" "$results/$name.simpsql.out" >"$results/$name.diff"
        if [[ -n $listed ]]; then
            notrun=$((notrun + 1))
            status+=" known"
            trx_row "$name" NotExecuted "known difference: $ndiff of $lines lines differ"
        else
            failed=$((failed + 1))
            check_failures+=("$name differs ($ndiff lines) and is not in tests/regress/known-differences.txt: see $results/$name.diff")
            trx_row "$name" Failed "$ndiff of $lines lines differ: see $results/$name.diff"
        fi
    fi
    ((${#notes[@]})) && status+=" [$(IFS=';'; echo "${notes[*]}")]"
    printf '%-20s %s\n' "$name" "$status" | tee -a "$results/summary.txt"
done

for name in "${!known[@]}"; do
    [[ -f $fixtures/sql/$name.sql ]] || check_failures+=("tests/regress/known-differences.txt lists $name, which is not a fixture file")
done

total=${#files[@]}
printf '%d of %d files identical; %d of %d lines differ (%ds)\n' "$identical" "$total" "$total_diff" "$total_lines" "$((SECONDS - start))" |
    tee -a "$results/summary.txt"
write_trx "$total" "$((total - notrun))" "$passed" "$failed"

if ((check)) && ((${#check_failures[@]})); then
    printf 'regress-compare: %s\n' "${check_failures[@]}" >&2
    exit 1
fi
exit 0
