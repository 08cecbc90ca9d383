#!/usr/bin/env bash
# The main job on an embedded default: builds pgwire, starts a throwaway local PostgreSQL,
# creates a table, streams its snapshot and every change into <config-dir>/<table>.data with
# `pgwire lrepl` while a workload runs (through `pgwire simpsql`), stops it cleanly and shows
# the result next to the table itself. Everything lives under .pgtmp/demo and is removed
# at the end unless KEEP=1.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

work="$root/.pgtmp/demo"
cluster="$work/cluster"
config="$work/config"
say() { printf '\n== %s\n' "$*"; }

cleanup() {
    if [[ -n ${lrepl_pid:-} ]] && kill -0 "$lrepl_pid" 2>/dev/null; then
        kill -TERM "$lrepl_pid" 2>/dev/null || true
        wait "$lrepl_pid" 2>/dev/null || true
    fi
    bash "$root/scripts/pg-test-cluster.sh" stop "$cluster" >/dev/null 2>&1 || true
    [[ ${KEEP:-0} == 1 ]] || rm -rf "$work"
}
trap cleanup EXIT

say "building pgwire (dotnet publish src/Host -c Release -o out: a few minutes the first time)"
dotnet publish src/Host -c Release -o out --verbosity quiet >/dev/null

say "starting a throwaway PostgreSQL (wal_level=logical)"
rm -rf "$work"
mkdir -p "$work"
bash scripts/pg-test-cluster.sh start "$cluster" >/dev/null
eval "$(bash scripts/pg-test-cluster.sh env "$cluster")"
export PGPASSWORD=postgres
sql() { out/pgwire simpsql -X -q -h "$PGWIRE_TEST_HOST" -p "$PGWIRE_TEST_PORT" -U postgres -d "$PGWIRE_TEST_DB" "$@"; }

say "creating table orders with 1000 rows"
sql -c "CREATE TABLE orders (id bigint PRIMARY KEY, customer text NOT NULL, amount numeric(12,2), placed timestamptz DEFAULT now(), tags text[], paid boolean DEFAULT false)" \
    -c "INSERT INTO orders (id, customer, amount, tags) SELECT g, 'customer ' || (g % 37), g * 1.25, ARRAY['a' || (g % 3)] FROM generate_series(1, 1000) g"

say "starting pgwire lrepl (snapshot, then streaming) into $config"
out/pgwire lrepl -u postgres -P postgres -H "$PGWIRE_TEST_HOST" -p "$PGWIRE_TEST_PORT" -d "$PGWIRE_TEST_DB" \
    -t orders -L orders_pub --create-publication -c "$config" 2>"$work/lrepl.log" &
lrepl_pid=$!

data="$config/orders.data"
for _ in $(seq 1 120); do
    [[ -f $data ]] && (($(wc -l <"$data") >= 1000)) && break
    sleep 0.5
done

say "running a workload while it streams"
sql -c "BEGIN; INSERT INTO orders (id, customer, amount) SELECT g, 'new ' || g, g FROM generate_series(1001, 1100) g; COMMIT" \
    -c "UPDATE orders SET paid = true, amount = amount + 1 WHERE id % 10 = 0" \
    -c "UPDATE orders SET id = id + 100000 WHERE id BETWEEN 1 AND 5" \
    -c "DELETE FROM orders WHERE id BETWEEN 500 AND 549" \
    -c "BEGIN; DELETE FROM orders; ROLLBACK"

expected=$((1000 + 100 + 110 + 5 + 50))
for _ in $(seq 1 120); do
    (($(wc -l <"$data") >= expected)) && break
    sleep 0.5
done

say "stopping lrepl (SIGTERM: flush, acknowledge, exit 0)"
kill -TERM "$lrepl_pid"
status=0
wait "$lrepl_pid" || status=$?
lrepl_pid=
cat "$work/lrepl.log"
echo "lrepl exit code: $status"

say "result: $data ($(wc -l <"$data") lines)"
echo "by operation:"
grep -o '"op":"[a-z]"' "$data" | sort | uniq -c
echo "first snapshot row and last changes:"
head -n 1 "$data"
tail -n 3 "$data"

say "the table itself (pgwire simpsql)"
sql -c "SELECT count(*) AS rows, sum(amount) AS total, count(*) FILTER (WHERE paid) AS paid FROM orders"

count() { grep -c "\"op\":\"$1\"" "$data" || true; }
replayed=$(($(count r) + $(count c) - $(count d)))
actual=$(sql -At -c "SELECT count(*) FROM orders")
echo "rows after replaying the file (r + c - d): $replayed; rows in the table: $actual"
[[ $replayed == "$actual" ]]
