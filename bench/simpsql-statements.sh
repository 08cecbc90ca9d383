#!/usr/bin/env bash
# Per-statement cost of `pgwire simpsql` against psql on many small statements: files of N
# `select I;` lines run with `-X -q -f FILE`, one client after the other on each file and round
# (so a change of load hits all alike), under /usr/bin/time. Prints the median wall and CPU
# (user+sys) of each client and file, and the slope between the smallest and the largest file
# (the cost of one more statement, start-up left out).
#
# usage: bench/simpsql-statements.sh [options]
#   --cluster DIR       test cluster started by scripts/pg-test-cluster.sh (user postgres)
#   -h HOST -p PORT -U USER -d DB   server (else PG* variables, else --cluster DIR)
#   --rounds R          rounds (default 5)
#   --sizes "A B"       statements per file (default "2000 6000")
#   --baseline BIN      a second pgwire binary measured alongside (e.g. an earlier build)
# PGWIRE_BIN overrides the binary (default out/pgwire).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf 'simpsql-statements: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=bench/common.sh
source "$root/bench/common.sh"

host= port= user= db= cluster= rounds=5 sizes="2000 6000" baseline= publish=0
while (($#)); do
    case $1 in
    -h | -p | -U | -d | --cluster) server_option "$1" "${2:-}"; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --baseline) baseline=$2; shift 2 ;;
    --help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (try --help)" ;;
    esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds needs a positive number"

lrb_connect
lrb_binary
psql=${PGWIRE_PSQL:-/usr/lib/postgresql/15/bin/psql}
[[ -x $psql ]] || psql=$(command -v psql) || die "psql not found"
[[ -z $baseline || -x $baseline ]] || die "--baseline $baseline is not executable"

work=$(mktemp -d "${TMPDIR:-/tmp}/simpsql-statements.XXXXXX")
trap 'rm -rf "$work"' EXIT
read -r -a counts <<<"$sizes"
for n in "${counts[@]}"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "--sizes takes statement counts"
    seq 1 "$n" | sed 's/.*/select &;/' >"$work/$n.sql"
done

clients=(psql simpsql)
[[ -n $baseline ]] && clients+=(baseline)
conn=(-h "$host" -p "$port" -U "$user" -d "$db")
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 0; r < rounds; r++)); do
    for n in "${counts[@]}"; do
        for c in "${clients[@]}"; do
            case $c in
            psql) cmd=("$psql") ;;
            simpsql) cmd=("$bin" simpsql) ;;
            baseline) cmd=("$baseline" simpsql) ;;
            esac
            /usr/bin/time -f "%e %U %S" -o "$work/t" "${cmd[@]}" -X -q "${conn[@]}" -f "$work/$n.sql" >/dev/null 2>"$work/err" ||
                die "$c failed: $(tail -1 "$work/err")"
            awk -v c="$c" -v n="$n" '{ printf "%s %s %s %.3f\n", c, n, $1, $2 + $3 }' "$work/t" >>"$work/times"
        done
    done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

printf '\n%s rounds, %s UTC, load average %s before, %s after\n' "$rounds" "$(date -u '+%Y-%m-%d %H:%M')" "$load_before" "$load_after"
printf '%-9s %12s %9s %9s\n' client statements wall_s cpu_s
first=${counts[0]} last=${counts[${#counts[@]} - 1]}
for c in "${clients[@]}"; do
    awk -v c="$c" -v first="$first" -v last="$last" -v order="${counts[*]}" '
        function median(list,   a, n, i, j, x) {
            n = split(list, a, " ")
            for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        $1 == c { w[$2] = w[$2] " " $3; u[$2] = u[$2] " " $4 }
        END {
            k = split(order, sizes, " ")
            for (i = 1; i <= k; i++) printf "%-9s %12s %9.3f %9.3f\n", c, sizes[i], median(w[sizes[i]]), median(u[sizes[i]])
            if (last > first)
                printf "%-9s %12s %9.3f %9.3f  (ms per statement)\n", c, "slope",
                    (median(w[last]) - median(w[first])) * 1000 / (last - first), (median(u[last]) - median(u[first])) * 1000 / (last - first)
        }' "$work/times"
done
