# Shared helpers of the benchmark scripts (sourced, not run).
# Expects: root (repository), log() and die() defined by the caller.

# server_option OPTION VALUE: the server options every script takes (-h HOST, -p PORT, -U USER,
# -d DB, --cluster DIR), set into host, port, user, db and cluster for lrb_connect.
server_option() {
    [[ -n $2 ]] || die "$1 needs a value"
    case $1 in
    -h) host=$2 ;;
    -p) port=$2 ;;
    -U) user=$2 ;;
    -d) db=$2 ;;
    --cluster) cluster=$2 ;;
    esac
}

# Connection: -h/-p/-U/-d options or PG* variables, else the test cluster in $cluster.
lrb_connect() {
    host=${host:-${PGHOST:-}}
    port=${port:-${PGPORT:-}}
    user=${user:-${PGUSER:-}}
    db=${db:-${PGDATABASE:-}}
    if [[ -z $host && -z $port ]]; then
        if [[ -n $cluster || -z ${PGWIRE_TEST_PORT:-} ]]; then
            cluster=${cluster:-$root/.pgtmp}
            local env
            env=$(bash "$root/scripts/pg-test-cluster.sh" env "$cluster") \
                || die "no server given and no test cluster in $cluster (start one with scripts/pg-test-cluster.sh start DIR)"
            eval "$env"
        fi
        host=${PGWIRE_TEST_HOST:-127.0.0.1}
        port=$PGWIRE_TEST_PORT
        user=${user:-postgres}
        db=${db:-${PGWIRE_TEST_DB:-pgwire_test}}
        export PGPASSWORD=${PGPASSWORD:-postgres}
    fi
    host=${host:-127.0.0.1}
    port=${port:-5432}
    user=${user:-postgres}
    db=${db:-postgres}
    export PGHOST=$host PGPORT=$port PGUSER=$user PGDATABASE=$db PGOPTIONS="-c client_min_messages=warning"
    psql -X -q -At -c 'select 1' >/dev/null || die "cannot connect to $user@$host:$port/$db"
}

q() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }

# Publishes src/Host to out/ when the binary is missing (or --publish): the build the README
# tells users to make (native, or composite ReadyToRun without clang or gcc). With STANDALONE=0 the
# framework-dependent build (-p:Standalone=false) goes to out/framework/ and is used instead.
lrb_binary() {
    local dir=$root/out extra=()
    if [[ ${STANDALONE:-1} == 0 ]]; then
        dir=$root/out/framework extra=(-p:Standalone=false)
    fi
    bin=${PGWIRE_BIN:-$dir/pgwire}
    if [[ ! -x $bin || $publish == 1 ]]; then
        [[ -z ${PGWIRE_BIN:-} ]] || die "PGWIRE_BIN=$bin is not executable"
        log "publishing src/Host to ${dir#"$root"/}/"
        dotnet publish "$root/src/Host" -c Release -o "$dir" "${extra[@]}" >/dev/null || die "publish failed"
    fi
}

# CPU seconds (user+system) a live process has used so far.
cpu_of() {
    local stat
    stat=$(cat "/proc/$1/stat") || return 1
    stat=${stat##*) }
    # fields after the command: state is field 3, utime 14, stime 15 (1-based in the full line)
    read -r -a f <<<"$stat"
    local ticks=$((f[11] + f[12]))
    awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

drop_slot() { q "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$1'" >/dev/null; }

# Waits until the slot is in use by a connected consumer.
wait_active() {
    local deadline=$((SECONDS + 60))
    until [[ $(q "SELECT active FROM pg_replication_slots WHERE slot_name = '$1'") == t ]]; do
        ((SECONDS < deadline)) || die "slot $1 never became active"
        sleep 0.05
    done
}

stop_pid() {
    if kill -0 "$1" 2>/dev/null; then
        kill -TERM "$1" 2>/dev/null || true
        local i
        for i in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$1" 2>/dev/null || true
    fi
    wait "$1" 2>/dev/null || true
}
