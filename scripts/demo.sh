#!/usr/bin/env bash
# The main job on an embedded default: builds pgwire, starts a throwaway local PostgreSQL,
# creates a table, streams its snapshot and every change into an Apache Iceberg table (a local
# warehouse with a SQLite catalog in the config dir) with `pgwire lrepl --sink iceberg` while a
# workload runs (through `pgwire simpsql`), stops it cleanly and shows the Iceberg table next to
# the PostgreSQL table itself. Everything lives under .pgtmp/demo and is removed
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

say "starting pgwire lrepl --sink iceberg (snapshot, then streaming) into $config"
# No --iceberg-config: the embedded default, a SQLite catalog ($config/catalog.db) and a local
# warehouse ($config/warehouse). A commit every second instead of every 10 s, for the demo.
out/pgwire lrepl -u postgres -P postgres -H "$PGWIRE_TEST_HOST" -p "$PGWIRE_TEST_PORT" -d "$PGWIRE_TEST_DB" \
    -t orders -L orders_pub --create-publication -c "$config" --sink iceberg --commit-interval 1s 2>"$work/lrepl.log" &
lrepl_pid=$!

for _ in $(seq 1 240); do
    grep -q "snapshot of" "$work/lrepl.log" 2>/dev/null && break
    kill -0 "$lrepl_pid" 2>/dev/null || { cat "$work/lrepl.log"; exit 1; }
    sleep 0.5
done

say "running a workload while it streams"
sql -c "BEGIN; INSERT INTO orders (id, customer, amount) SELECT g, 'new ' || g, g FROM generate_series(1001, 1100) g; COMMIT" \
    -c "UPDATE orders SET paid = true, amount = amount + 1 WHERE id % 10 = 0" \
    -c "UPDATE orders SET id = id + 100000 WHERE id BETWEEN 1 AND 5" \
    -c "DELETE FROM orders WHERE id BETWEEN 500 AND 549" \
    -c "BEGIN; DELETE FROM orders; ROLLBACK"

# Streamed and committed once the slot has confirmed the server's position after the workload.
target=$(sql -At -c "SELECT pg_current_wal_lsn()")
for _ in $(seq 1 120); do
    [[ $(sql -At -c "SELECT confirmed_flush_lsn >= '$target' FROM pg_replication_slots WHERE slot_name = 'orders_slot'") == t ]] && break
    sleep 0.5
done

say "stopping lrepl (SIGTERM: commit, acknowledge, exit 0)"
kill -TERM "$lrepl_pid"
status=0
wait "$lrepl_pid" || status=$?
lrepl_pid=
cat "$work/lrepl.log"
echo "lrepl exit code: $status"

say "the Iceberg table's snapshots (pgwire iceberg show --history)"
out/pgwire iceberg show -c "$config" --history orders

say "the Iceberg table's rows (pgwire iceberg show: the first 8 and the count)"
out/pgwire iceberg show -c "$config" orders >"$work/iceberg.txt"
head -n 10 "$work/iceberg.txt"
echo "..."
grep -E '^\([0-9]+ rows?\)$' "$work/iceberg.txt"

say "the PostgreSQL table itself, printed the same way (pgwire simpsql, times in UTC)"
PGTZ=UTC sql -c "SELECT * FROM orders ORDER BY id" >"$work/table.txt"
grep -E '^\([0-9]+ rows?\)$' "$work/table.txt"
sql -c "SELECT count(*) AS rows, sum(amount) AS total, count(*) FILTER (WHERE paid) AS paid FROM orders"

if cmp -s "$work/iceberg.txt" "$work/table.txt"; then
    echo "the Iceberg table and the PostgreSQL table are identical, row for row"
else
    echo "the Iceberg table differs from the PostgreSQL table:"
    diff "$work/iceberg.txt" "$work/table.txt" | head -n 20
    exit 1
fi
