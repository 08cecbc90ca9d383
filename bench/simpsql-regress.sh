#!/usr/bin/env bash
# `pgwire simpsql` against psql 15 on PostgreSQL's regression SQL (the 53 files of
# ../shared/fixtures/pg-regress-15), run the way pg_regress runs them (scripts/regress-compare.sh:
# `-X -a -q` with the file on standard input, a fresh copy of the same database for each client).
# Wall time per file and client, minus each client's start-up: the median of its runs of
# `-X -q -c 'select 1'` in the file's database right after each file (regress-compare --times),
# so that start-up is sampled under the same conditions as the files. N runs of each client
# before the files are shown beside it for reference. Prints the files where
# simpsql is slowest, the totals and the ratio simpsql/psql (target: at most 1, "no slower than
# psql once started"). With several rounds, each file's rounds are paired (the two clients run it
# one after the other in each): "behind" counts the rounds simpsql was slower in, and the files
# behind in every round are named at the end; a server that is slow for one round shows as one.
# A sign test over the rounds names the files simpsql is slower on beyond chance (with 53 files
# that takes at least 11 rounds: see the end of the script).
# The client that runs a file first changes from round to round (regress-compare --first), so an
# even number of rounds gives each client each place equally.
#
# usage: bench/simpsql-regress.sh [options] [NAME ...]
#   --cluster DIR   test cluster started by scripts/pg-test-cluster.sh (user postgres)
#   -n RUNS         start-up runs of each client before the files, for reference (default 11)
#   --rounds R      runs of the whole suite; per file the median of the rounds counts (default 1)
#   --publish       republish out/pgwire first
# PGWIRE_BIN overrides the binary (default out/pgwire); PGWIRE_REGRESS_FIXTURES the fixtures.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf 'simpsql-regress: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=bench/common.sh
source "$root/bench/common.sh"

host= port= user= db= cluster= runs=11 rounds=1 publish=0 names=()
while (($#)); do
    case $1 in
    --cluster) cluster=$2; shift 2 ;;
    -n) runs=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --publish) publish=1; shift ;;
    --help) sed -n '2,/^set -euo/{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown argument: $1 (try --help)" ;;
    *) names+=("$1"); shift ;;
    esac
done

lrb_connect
lrb_binary
psql15=${PGWIRE_PSQL:-/usr/lib/postgresql/15/bin/psql}
[[ -x $psql15 ]] || die "psql 15 not found at $psql15"
fixtures=${PGWIRE_REGRESS_FIXTURES:-$root/../shared/fixtures/pg-regress-15}
[[ -f $fixtures/sql/test_setup.sql ]] || die "no regression fixtures at $fixtures"
work=$(mktemp -d "${TMPDIR:-/tmp}/simpsql-regress.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Start-up of each client: process start to exit on `select 1`, the same way the files are run.
startup() { # CLIENT...
    local i t0 all=()
    for ((i = 0; i < runs; i++)); do
        t0=$EPOCHREALTIME
        "$@" -X -q -c 'select 1' >/dev/null
        all+=("$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.4f", b - a }')")
    done
    printf '%s\n' "${all[@]}" | median
}
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
psql_start=$(startup "$psql15")
simpsql_start=$(startup "$bin" simpsql)
log "start-up before the files (median of $runs): psql ${psql_start}s, simpsql ${simpsql_start}s"

for ((r = 1; r <= rounds; r++)); do
    log "round $r of $rounds: the regression files through both clients"
    PGWIRE_TEST_HOST=$host PGWIRE_TEST_PORT=$port bash "$root/scripts/regress-compare.sh" \
        --simpsql "$bin" --psql "$psql15" --fixtures "$fixtures" --results "$work/results" \
        --times "$work/times" --first "$( ((r % 2)) && echo simpsql || echo psql)" "${names[@]}" >"$work/compare.log" 2>&1 || true
    tail -1 "$work/compare.log" >&2
    # A file that differs is named, with its diff kept beside the bench's other results.
    if grep -q ' different (' "$work/compare.log"; then
        grep ' different (' "$work/compare.log" >&2
        mkdir -p "${TMPDIR:-/tmp}/simpsql-regress-diffs"
        cp "$work"/results/*.diff "${TMPDIR:-/tmp}/simpsql-regress-diffs/" 2>/dev/null || true
        log "diffs kept in ${TMPDIR:-/tmp}/simpsql-regress-diffs"
    fi
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
before_psql=$psql_start before_simpsql=$simpsql_start
start_beside() { # CLIENT: the median of its start-up runs beside the files, to 0.1 ms
    awk -v c="$1-start" '$2 == c { print $3 }' "$work/times" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
psql_start=$(start_beside psql)
simpsql_start=$(start_beside simpsql)
log "start-up beside the files (median of $(grep -c ' psql-start ' "$work/times") runs each): psql ${psql_start}s, simpsql ${simpsql_start}s"

# Per file: the median of the rounds, minus start-up (not below zero); and the rounds paired (both
# clients ran the file one after the other in each round), so that a file is counted as slower only
# when simpsql was behind in every round, not when one round's server was slow for one client.
awk -v ps="$psql_start" -v ss="$simpsql_start" '
    $2 ~ /-start$/ { next }
    { t[$1, $2] = t[$1, $2] " " $3; files[$1] = 1 }
    function med(list,   a, n, i, j, x) {
        n = split(list, a, " ")
        for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    END {
        for (f in files) {
            p = med(t[f, "psql"]) - ps; s = med(t[f, "simpsql"]) - ss
            if (p < 0) p = 0; if (s < 0) s = 0
            np = split(t[f, "psql"], pr, " "); ns = split(t[f, "simpsql"], sr, " ")
            behind = 0; n = (np < ns ? np : ns)
            for (i = 1; i <= n; i++) if (sr[i] - ss > pr[i] - ps) behind++
            printf "%s %.4f %.4f %d %d\n", f, p, s, behind, n
        }
    }' "$work/times" | sort >"$work/net"

printf '\n%-22s %10s %10s %8s %8s\n' "slowest for simpsql" "psql s" "simpsql s" "ratio" "behind"
awk '{ printf "%-22s %10.3f %10.3f %8s %8s\n", $1, $2, $3, ($2 > 0 ? sprintf("%.2f", $3 / $2) : "-"), $4 "/" $5 }' "$work/net" |
    sort -k4,4 -g -r | head -8
printf '\n%-22s %10s %10s %8s %8s\n' "most seconds behind" "psql s" "simpsql s" "behind" "rounds"
awk '{ printf "%-22s %10.3f %10.3f %8.3f %8s\n", $1, $2, $3, $3 - $2, $4 "/" $5 }' "$work/net" | sort -k4,4 -g -r | head -8
# The sign test per file: were the two clients equally fast, simpsql would be behind in each round
# with chance 1/2, so the chance of being behind in B or more of R rounds is the binomial tail
# P(X >= B). A file is "slower" when that chance is below 0.05 divided by the number of files
# (Bonferroni: among 53 equally fast files, none is named in 19 runs of 20); the files below 0.05
# alone are counted beside the number expected by chance (0.05 of the files).
awk -v ps="$psql_start" -v ss="$simpsql_start" -v bp="$before_psql" -v bs="$before_simpsql" '
    function tail(b, r,   k, c, t) { # P(X >= b), X ~ Binomial(r, 1/2)
        t = 0; c = 1
        for (k = 0; k <= r; k++) { if (k >= b) t += c; c = c * (r - k) / (k + 1) }
        return t / 2 ^ r
    }
    { p += $2; s += $3; n++; r = $5; file[n] = $1; b[n] = $4; if ($5 > 1 && $4 == $5) { every++; names = names " " $1 } }
    END {
        printf "\n%d files, wall time minus start-up beside the files (psql %.3f s, simpsql %.3f s each; before the files %.3f s, %.3f s)\n", n, ps, ss, bp, bs
        printf "%-22s %10.2f\n%-22s %10.2f\n%-22s %10.2f\n", "psql total s", p, "simpsql total s", s, "ratio simpsql/psql", (p > 0 ? s / p : 0)
        if (r > 1) {
            printf "%-22s %10d%s\n", "behind in every round", every, names
            for (i = 1; i <= n; i++) {
                q = tail(b[i], r)
                if (q < 0.05) { weak++; weaknames = weaknames sprintf(" %s(%d/%d)", file[i], b[i], r) }
                if (q < 0.05 / n) { slower++; slowernames = slowernames " " file[i] }
            }
            printf "%-22s %10d%s (expected by chance %.1f)\n", "sign test p < 0.05", weak, weaknames, 0.05 * n
            printf "%-22s %10d%s%s\n", "slower (p < 0.05/" n ")", slower, slowernames,
                (tail(r, r) >= 0.05 / n ? sprintf(" (no file can be: %d rounds are too few, 1/2^%d >= 0.05/%d)", r, r, n) : "")
        }
    }' "$work/net"
printf 'load average before %s, after %s\n' "$load_before" "$load_after"
