#!/usr/bin/env bash
# Inserts ROWS rows in one transaction while `pgwire lrepl` streams the table, samples the lrepl
# process's VmRSS/VmHWM from /proc and reports the peak once every row is in the data file.
#
# Connection: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE (psql conventions).
# Usage: bench/lrepl-big-transaction.sh [ROWS]   (default 2000000; SKIP_BUILD=1 to reuse the build)
set -euo pipefail

ROWS=${1:-2000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/src/Host/bin/Release/net10.0/pgwire
TABLE=lrbench_big
PUB=${TABLE}_pub
SLOT=${TABLE}_slot
DIR=$(mktemp -d /tmp/lrepl-bench.XXXXXX)
: "${PGHOST:=127.0.0.1}" "${PGPORT:=5432}" "${PGUSER:=postgres}" "${PGDATABASE:=postgres}"
export PGHOST PGPORT PGUSER PGDATABASE

if [[ -z "${SKIP_BUILD:-}" ]]; then
  dotnet build "$ROOT/src/Host" -c Release -v q -nologo >/dev/null
fi

PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$SLOT';
DROP PUBLICATION IF EXISTS $PUB;
DROP TABLE IF EXISTS $TABLE;
CREATE TABLE $TABLE (id int8 PRIMARY KEY, payload text, amount numeric, created timestamptz, flag bool);
SQL

"$BIN" lrepl -H "$PGHOST" -p "$PGPORT" -u "$PGUSER" -d "$PGDATABASE" -t "$TABLE" -L "$PUB" --create-publication -c "$DIR" >"$DIR/lrepl.log" 2>&1 &
PID=$!
cleanup() {
  kill -TERM "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  psql -X -q -c "SELECT pg_drop_replication_slot('$SLOT')" -c "DROP PUBLICATION IF EXISTS $PUB" -c "DROP TABLE IF EXISTS $TABLE" >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT

for _ in $(seq 1 300); do
  grep -q "snapshot of .* done" "$DIR/lrepl.log" 2>/dev/null && break
  kill -0 "$PID" 2>/dev/null || { cat "$DIR/lrepl.log"; exit 1; }
  sleep 0.1
done
sleep 1
BASE_RSS=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)

START=$(date +%s.%N)
psql -X -q -v ON_ERROR_STOP=1 -c "INSERT INTO $TABLE SELECT g, md5(g::text) || ' row ' || g, g * 1.5, timestamptz '2024-01-01 00:00+00' + g * interval '1 second', g % 2 = 0 FROM generate_series(1, $ROWS) g" &
INSERT=$!

PEAK=0
SPILL_PEAK=0
LINES=0
TICK=0
while :; do
  RSS=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
  (( RSS > PEAK )) && PEAK=$RSS
  SPILL=$(du -sk "$DIR/spill" 2>/dev/null | cut -f1 || echo 0)
  (( ${SPILL:-0} > SPILL_PEAK )) && SPILL_PEAK=$SPILL
  if (( TICK % 10 == 0 )); then
    LINES=$(wc -l <"$DIR/$TABLE.data")
    (( LINES >= ROWS )) && break
    kill -0 "$PID" 2>/dev/null || { cat "$DIR/lrepl.log"; exit 1; }
  fi
  TICK=$((TICK + 1))
  sleep 0.2
done
END=$(date +%s.%N)
wait "$INSERT"
HWM=$(awk '/VmHWM/ {print $2}' /proc/$PID/status)
SIZE=$(stat -c %s "$DIR/$TABLE.data")
LEFT=$(find "$DIR/spill" -name '*.spill' 2>/dev/null | wc -l)

printf 'rows:              %d (one transaction)\n' "$ROWS"
printf 'data file:         %d lines, %.1f MB\n' "$LINES" "$(echo "$SIZE / 1048576" | bc -l)"
printf 'insert to file:    %.1f s\n' "$(echo "$END - $START" | bc -l)"
printf 'lrepl RSS idle:    %.1f MB\n' "$(echo "$BASE_RSS / 1024" | bc -l)"
printf 'lrepl peak VmRSS:  %.1f MB (sampled every 0.2 s)\n' "$(echo "$PEAK / 1024" | bc -l)"
printf 'lrepl VmHWM:       %.1f MB\n' "$(echo "$HWM / 1024" | bc -l)"
printf 'spill peak:        %.1f MB, spill files left: %d\n' "$(echo "$SPILL_PEAK / 1024" | bc -l)" "$LEFT"
