#!/usr/bin/env bash
# Runs every test project of PgWire.sln, then scripts/regress-compare.sh --check (the files on
# standard input, then as -f FILE), and ends
# with one line: "N passed, N failed[, N skipped]".
#
# When PGWIRE_TEST_PORT is set the tests use the cluster it describes (see
# scripts/pg-test-cluster.sh env); otherwise this script starts a throwaway
# cluster for the run and removes it afterwards.
#
# PGWIRE_TEST_RESULTS: where the .trx files go (default: TestResults/ in the repository).
# Extra arguments are passed on to each dotnet test (e.g. --filter ClusterSmokeTests).
# A run without arguments fails when fewer tests ran than tests/min-tests-run says; a run with
# arguments fails when none ran.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

cluster_dir=
cleanup() {
    if [[ -n $cluster_dir ]]; then
        bash "$root/scripts/pg-test-cluster.sh" stop "$cluster_dir" >/dev/null 2>&1 || true
        rm -rf "$cluster_dir"
    fi
}
trap cleanup EXIT

if [[ -z ${PGWIRE_TEST_PORT:-} ]]; then
    cluster_dir=$(mktemp -d /tmp/pgwire-test.XXXXXX)
    bash "$root/scripts/pg-test-cluster.sh" start "$cluster_dir"
    eval "$(bash "$root/scripts/pg-test-cluster.sh" env "$cluster_dir")"
fi

# The full-disk tests mount small tmpfs file systems. Where a mount works here (root with the
# right to mount) they must run; elsewhere they are skipped, and this says so.
if [[ -z ${PGWIRE_TEST_TMPFS:-} ]]; then
    probe=$(mktemp -d /tmp/pgwire-tmpfs.XXXXXX)
    if mount -t tmpfs -o size=1m tmpfs "$probe" 2>/dev/null; then
        umount "$probe"
        export PGWIRE_TEST_TMPFS=1
    else
        export PGWIRE_TEST_TMPFS=0
        echo "test.sh: cannot mount a tmpfs here (needs root): the full-disk tests are skipped" >&2
    fi
    rmdir "$probe"
fi

results=${PGWIRE_TEST_RESULTS:-$root/TestResults}
rm -rf "$results"
mkdir -p "$results"

status=0
dotnet build PgWire.sln -c Release --verbosity minimal || status=$?
built=$((status == 0))

# The build users get (the README's `dotnet publish src/Host -c Release`: native when clang or gcc
# is there) is the one the tests that run the pgwire executable and the regression comparison run,
# unless PGWIRE_TEST_EXECUTABLE names another. PGWIRE_TEST_PUBLISH=0 skips the publish and tests the
# dotnet build's executable instead (quicker, for work on the code); PGWIRE_TEST_PUBLISH_ARGS adds
# arguments to the publish (e.g. -p:Aot=false for the ReadyToRun build).
if ((built)) && [[ -z ${PGWIRE_TEST_EXECUTABLE:-} && ${PGWIRE_TEST_PUBLISH:-1} != 0 ]]; then
    echo "test.sh: publishing src/Host to out/ (the README's build; several minutes the first time)" >&2
    # shellcheck disable=SC2086
    if dotnet publish src/Host -c Release -o "$root/out" --verbosity quiet ${PGWIRE_TEST_PUBLISH_ARGS:-} >"$results/publish.log" 2>&1; then
        export PGWIRE_TEST_EXECUTABLE=$root/out/pgwire
    else
        grep -E ' error |error:' "$results/publish.log" | head -n 40 >&2 || tail -n 40 "$results/publish.log" >&2
        echo "test.sh: dotnet publish src/Host failed (the whole output: $results/publish.log)" >&2
        status=1
        built=0
    fi
fi
if [[ -n ${PGWIRE_TEST_EXECUTABLE:-} ]]; then
    export PGWIRE_SIMPSQL=$PGWIRE_TEST_EXECUTABLE
    echo "test.sh: the executable under test is $PGWIRE_TEST_EXECUTABLE" >&2
fi

# One dotnet test per test project, each into its own results directory, so
# that every project's results.trx survives (a solution-wide run with a fixed
# LogFileName lets the projects overwrite each other's file).
if ((status == 0)); then
    while IFS= read -r proj; do
        grep -q '<IsTestProject>true</IsTestProject>' "$proj" || continue
        name=$(basename "$proj" .csproj)
        dotnet test "$proj" -c Release --no-build --verbosity minimal \
            --logger "trx;LogFileName=results.trx" \
            --logger "console;verbosity=minimal" \
            --results-directory "$results/$name" "$@" || status=$?
    done < <(dotnet sln PgWire.sln list | grep '\.csproj$' | tr '\\' /)
fi

# PostgreSQL's regression SQL through psql 15 and simpsql (scripts/regress-compare.sh): each
# file is one test in its own .trx; files listed in tests/regress/known-differences.txt count as
# skipped while they still differ. Skipped as a whole, with a message, without the fixtures.
if ((built)); then
    bash scripts/regress-compare.sh --check --results "$results/regress" || status=$?
    # Again with each file given as -f FILE: the "psql:FILE:LINE:" prefixes, line numbers included.
    bash scripts/regress-compare.sh --check --file --results "$results/regress-f" || status=$?
fi

# Each test project writes one .trx; add up their <Counters .../> elements.
counter() {
    sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$2"
}
passed=0 failed=0 skipped=0 files=0
while IFS= read -r -d '' trx; do
    files=$((files + 1))
    line=$(tr '\n' ' ' <"$trx" | grep -o '<Counters [^>]*>' | head -n 1 || true)
    if [[ -z $line ]]; then
        echo "no <Counters> in $trx" >&2
        ((status != 0)) || status=1
        continue
    fi
    total=$(counter total "$line")
    executed=$(counter executed "$line")
    n=$(counter passed "$line")
    passed=$((passed + ${n:-0}))
    for attr in failed error timeout aborted; do
        n=$(counter "$attr" "$line")
        failed=$((failed + ${n:-0}))
    done
    # Skipped tests are counted in total but not in executed.
    if ((${total:-0} > ${executed:-0})); then
        skipped=$((skipped + total - executed))
    fi
done < <(find "$results" -name '*.trx' -print0)

if ((status != 0)); then
    echo "dotnet build or test exited with code $status" >&2
fi
if ((files == 0)); then
    echo "no test results found in $results" >&2
    ((status != 0)) || status=1
fi
if ((failed > 0 && status == 0)); then
    status=1
fi

# A whole run must run at least the floor kept in the repository, so that tests lost to a broken
# discovery or a filter are noticed; a run narrowed by arguments must run at least one test.
executed=$((passed + failed))
if (($# == 0)); then
    floor=$(tr -dc '0-9' <"$root/tests/min-tests-run")
    if ((executed < floor)); then
        echo "only $executed tests ran; tests/min-tests-run says at least $floor must" >&2
        ((status != 0)) || status=1
    fi
elif ((executed == 0)); then
    echo "no test ran (the arguments matched none)" >&2
    ((status != 0)) || status=1
fi

summary="$passed passed, $failed failed"
if ((skipped > 0)); then
    summary+=", $skipped skipped"
fi
echo "$summary"
exit "$status"
