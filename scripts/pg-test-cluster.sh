#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for the PgWire test suites.
#
#   scripts/pg-test-cluster.sh start DIR   create (first time) and start a cluster in DIR
#   scripts/pg-test-cluster.sh stop  DIR   stop it (safe to repeat)
#   scripts/pg-test-cluster.sh env   DIR   print shell exports: eval "$(scripts/pg-test-cluster.sh env DIR)"
#
# Layout of DIR: data/ (PGDATA), log/server.log, ca.crt (world readable),
# ca.key, server.crt, server.key, pgw_cert.crt and pgw_cert.key (a client
# certificate for the role pgw_cert, signed by the test CA; the key belongs to
# the user running this script, mode 0600), the unix socket, and small state
# files (port, bindir) that `env` and `stop` read back. The server trusts the
# test CA for client certificates (ssl_ca_file).
#
# Port: PGWIRE_TEST_PORT if set, else 55432 or the next free port above it.
# Roles (TCP from 127.0.0.1 and ::1):
#   pgw_trust       trust
#   pgw_password    password        (cleartext)
#   pgw_md5         md5             (password stored as MD5)
#   pgw_scram       scram-sha-256
#   pgw_scram_utf8  scram-sha-256   password "pässwörd"
#   pgw_sslonly     scram-sha-256 over TLS only, rejected without TLS
#   pgw_repl        REPLICATION, scram-sha-256
#   pgw_cert        cert: a client certificate with CN=pgw_cert over TLS only, no password
#   pgw_certca      scram-sha-256 clientcert=verify-ca: a certificate of the test CA and the password
#   postgres        superuser, password "postgres"
# Every other password is "pgw_secret". Database: pgwire_test.
set -euo pipefail
umask 022

DEFAULT_PORT=55432
DB_NAME=pgwire_test
SECRET=pgw_secret
UTF8_SECRET=$'p\xc3\xa4ssw\xc3\xb6rd'
SUPERUSER_PASSWORD=postgres

log() { printf 'pg-test-cluster: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
    echo "usage: $0 start|stop|env DIR" >&2
    exit 2
}

is_root() { [[ $(id -u) -eq 0 ]]; }

# The major version the tests compare against (the golden psql output was captured with psql
# 15): its binaries are used when installed, and installed when missing (as root). Another
# version found here is used for the server, and the psql comparisons then skip, saying why.
PG_MAJOR=${PGWIRE_PG_MAJOR:-15}

find_bindir() {
    if [[ -x /usr/lib/postgresql/$PG_MAJOR/bin/postgres ]]; then
        echo "/usr/lib/postgresql/$PG_MAJOR/bin"
        return 0
    fi
    local candidates=() p
    shopt -s nullglob
    for p in /usr/lib/postgresql/*/bin/postgres; do
        candidates+=("$(dirname "$p")")
    done
    shopt -u nullglob
    ((${#candidates[@]})) || return 1
    printf '%s\n' "${candidates[@]}" | sort -V | tail -n 1
}

apt_install() {
    is_root || die "missing packages ($*) and not root: install them first"
    if [[ -z ${_APT_UPDATED:-} ]]; then
        apt-get update >&2
        _APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >&2
}

ensure_tools() {
    if [[ ! -x /usr/lib/postgresql/$PG_MAJOR/bin/postgres ]] && is_root; then
        log "PostgreSQL $PG_MAJOR not found, installing it"
        apt_install "postgresql-$PG_MAJOR" "postgresql-client-$PG_MAJOR" postgresql-contrib ||
            log "could not install postgresql-$PG_MAJOR; using what is installed"
    fi
    if ! BINDIR=$(find_bindir); then
        log "no PostgreSQL server found, installing it"
        apt_install postgresql postgresql-contrib
        BINDIR=$(find_bindir) || die "PostgreSQL server binaries still not found after install"
    fi
    command -v openssl >/dev/null || apt_install openssl
}

ensure_os_user() {
    is_root || return 0
    if ! id -u postgres >/dev/null 2>&1; then
        log "creating OS user postgres"
        useradd -r -m -d /var/lib/postgresql -s /bin/bash postgres
    fi
}

# Runs a command as the cluster owner: the postgres OS user when we are root.
as_owner() {
    if is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

port_in_use() {
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

has_ipv6_loopback() {
    if [[ -r /proc/net/if_inet6 ]] && grep -qi '^00000000000000000000000000000001 ' /proc/net/if_inet6; then
        return 0
    fi
    if command -v ip >/dev/null && ip -6 addr show lo 2>/dev/null | grep -q 'inet6 ::1/'; then
        return 0
    fi
    return 1
}

server_running() {
    [[ -f $DATA/PG_VERSION ]] || return 1
    as_owner "$BINDIR/pg_ctl" status -D "$DATA" >/dev/null 2>&1
}

running_port() {
    # Line 4 of postmaster.pid is the port the server listens on.
    sed -n 4p "$DATA/postmaster.pid" 2>/dev/null
}

choose_port() {
    if [[ -n ${PGWIRE_TEST_PORT:-} ]]; then
        [[ $PGWIRE_TEST_PORT =~ ^[0-9]+$ ]] || die "PGWIRE_TEST_PORT is not a number: $PGWIRE_TEST_PORT"
        port_in_use "$PGWIRE_TEST_PORT" && die "port $PGWIRE_TEST_PORT (PGWIRE_TEST_PORT) is already in use"
        PORT=$PGWIRE_TEST_PORT
        return
    fi
    local p
    for ((p = DEFAULT_PORT; p < DEFAULT_PORT + 100; p++)); do
        if ! port_in_use "$p"; then
            [[ $p -eq $DEFAULT_PORT ]] || log "port $DEFAULT_PORT is busy, using $p"
            PORT=$p
            return
        fi
    done
    die "no free port in $DEFAULT_PORT..$((DEFAULT_PORT + 99))"
}

make_certs() {
    make_ca_and_server_cert
    make_client_cert
}

# A client certificate for pgw_cert, signed by the test CA; made once, also in
# clusters created before it existed (as long as their CA key is there).
make_client_cert() {
    [[ -f $DIR/pgw_cert.crt && -f $DIR/pgw_cert.key ]] && return 0
    [[ -f $DIR/ca.key ]] || die "no $DIR/ca.key to sign a client certificate with: remove $DIR and start again"
    log "generating client certificate for pgw_cert"
    local tmp
    tmp=$(mktemp -d)
    openssl req -new -newkey rsa:2048 -nodes -sha256 \
        -subj "/CN=pgw_cert" \
        -keyout "$tmp/client.key" -out "$tmp/client.csr" 2>/dev/null
    cat >"$tmp/client.ext" <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
EOF
    openssl x509 -req -in "$tmp/client.csr" -CA "$DIR/ca.crt" -CAkey "$DIR/ca.key" \
        -set_serial "0x$(openssl rand -hex 8)" -days 3650 -sha256 \
        -extfile "$tmp/client.ext" -out "$tmp/client.crt" 2>/dev/null
    install -m 0644 "$tmp/client.crt" "$DIR/pgw_cert.crt"
    install -m 0600 "$tmp/client.key" "$DIR/pgw_cert.key"
    rm -rf "$tmp"
}

make_ca_and_server_cert() {
    [[ -f $DIR/server.crt && -f $DIR/server.key && -f $DIR/ca.crt ]] && return 0
    log "generating test CA and server certificate"
    local tmp
    tmp=$(mktemp -d)
    openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days 3650 \
        -subj "/CN=PgWire Test CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$tmp/ca.key" -out "$tmp/ca.crt" 2>/dev/null
    openssl req -new -newkey rsa:2048 -nodes -sha256 \
        -subj "/CN=localhost" \
        -keyout "$tmp/server.key" -out "$tmp/server.csr" 2>/dev/null
    cat >"$tmp/server.ext" <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
EOF
    openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" \
        -set_serial "0x$(openssl rand -hex 8)" -days 3650 -sha256 \
        -extfile "$tmp/server.ext" -out "$tmp/server.crt" 2>/dev/null
    install -m 0644 "$tmp/ca.crt" "$DIR/ca.crt"
    install -m 0600 "$tmp/ca.key" "$DIR/ca.key"
    install -m 0644 "$tmp/server.crt" "$DIR/server.crt"
    install -m 0600 "$tmp/server.key" "$DIR/server.key"
    rm -rf "$tmp"
    if is_root; then
        chown postgres: "$DIR/ca.key" "$DIR/server.key" "$DIR/server.crt" "$DIR/ca.crt"
    fi
}

write_config() {
    local listen=127.0.0.1 hosts=(127.0.0.1/32)
    if has_ipv6_loopback; then
        listen='127.0.0.1,::1'
        hosts+=(::1/128)
    fi

    local conf=$DATA/pgwire-test.conf
    cat >"$conf" <<EOF
port = $PORT
listen_addresses = '$listen'
unix_socket_directories = '$DIR'
max_connections = 100
shared_buffers = 128MB
wal_level = logical
max_replication_slots = 20
max_wal_senders = 20
max_prepared_transactions = 10
fsync = off
synchronous_commit = off
full_page_writes = off
password_encryption = 'scram-sha-256'
ssl = on
ssl_cert_file = '$DIR/server.crt'
ssl_key_file = '$DIR/server.key'
ssl_ca_file = '$DIR/ca.crt'
log_connections = on
log_line_prefix = '%m [%p] %q%u@%d '
lc_messages = 'C'
EOF
    grep -q "^include 'pgwire-test.conf'" "$DATA/postgresql.conf" ||
        echo "include 'pgwire-test.conf'" >>"$DATA/postgresql.conf"

    local hba=$DATA/pg_hba.conf h
    hba_line() { printf '%-10s %-12s %-15s %-15s %s\n' "$@"; }
    {
        hba_line "# TYPE" DATABASE USER ADDRESS METHOD
        hba_line local all all "" trust
        hba_line local replication all "" trust
        for h in "${hosts[@]}"; do
            hba_line host all pgw_trust "$h" trust
            hba_line host all pgw_password "$h" password
            hba_line host all pgw_md5 "$h" md5
            hba_line host all pgw_scram "$h" scram-sha-256
            hba_line host all pgw_scram_utf8 "$h" scram-sha-256
            hba_line hostssl all pgw_sslonly "$h" scram-sha-256
            hba_line hostnossl all pgw_sslonly "$h" reject
            hba_line hostssl all pgw_cert "$h" cert
            hba_line hostssl all pgw_certca "$h" "scram-sha-256 clientcert=verify-ca"
        done
        for h in "${hosts[@]}"; do
            hba_line host replication pgw_repl "$h" scram-sha-256
            hba_line host replication postgres "$h" scram-sha-256
            hba_line host replication all "$h" scram-sha-256
            hba_line host all all "$h" scram-sha-256
        done
    } >"$hba"

    if is_root; then
        chown postgres: "$conf" "$hba"
    fi
}

init_cluster() {
    log "initialising cluster in $DATA"
    local locale=C
    if command -v locale >/dev/null && locale -a 2>/dev/null | grep -qix 'c.utf-\?8'; then
        locale=C.UTF-8
    fi
    mkdir -p "$DATA"
    chmod 0700 "$DATA"
    if is_root; then chown postgres: "$DATA"; fi
    as_owner "$BINDIR/initdb" -D "$DATA" -U postgres -E UTF8 --locale="$locale" \
        -A trust --no-instructions >"$DIR/log/initdb.log" 2>&1 ||
        { cat "$DIR/log/initdb.log" >&2; die "initdb failed"; }
}

wait_ready() {
    local i
    for ((i = 0; i < 120; i++)); do
        if "$BINDIR/pg_isready" -q -h "$DIR" -p "$PORT" -d postgres &&
            "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PORT" -d postgres; then
            return 0
        fi
        sleep 0.5
    done
    tail -n 50 "$DIR/log/server.log" >&2 || true
    die "server did not become ready on port $PORT"
}

setup_roles() {
    local q
    q() { printf "'%s'" "${1//\'/\'\'}"; }
    PGCLIENTENCODING=UTF8 "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 \
        -h "$DIR" -p "$PORT" -U postgres -d postgres >/dev/null <<EOF
SET client_min_messages = warning;
SET password_encryption = 'scram-sha-256';
DO \$\$
DECLARE r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['pgw_trust', 'pgw_password', 'pgw_md5', 'pgw_scram',
                             'pgw_scram_utf8', 'pgw_sslonly', 'pgw_repl', 'pgw_cert',
                             'pgw_certca'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I LOGIN', r);
        END IF;
    END LOOP;
END
\$\$;
ALTER ROLE postgres PASSWORD $(q "$SUPERUSER_PASSWORD");
ALTER ROLE pgw_trust LOGIN PASSWORD NULL;
ALTER ROLE pgw_password LOGIN PASSWORD $(q "$SECRET");
ALTER ROLE pgw_scram LOGIN PASSWORD $(q "$SECRET");
ALTER ROLE pgw_scram_utf8 LOGIN PASSWORD $(q "$UTF8_SECRET");
ALTER ROLE pgw_sslonly LOGIN PASSWORD $(q "$SECRET");
ALTER ROLE pgw_repl LOGIN REPLICATION PASSWORD $(q "$SECRET");
ALTER ROLE pgw_cert LOGIN PASSWORD NULL;
ALTER ROLE pgw_certca LOGIN PASSWORD $(q "$SECRET");
SET password_encryption = 'md5';
ALTER ROLE pgw_md5 LOGIN PASSWORD $(q "$SECRET");
RESET password_encryption;
SELECT 'CREATE DATABASE $DB_NAME OWNER postgres'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_NAME') \gexec
GRANT CONNECT, CREATE, TEMPORARY ON DATABASE $DB_NAME
    TO pgw_trust, pgw_password, pgw_md5, pgw_scram, pgw_scram_utf8, pgw_sslonly, pgw_repl,
       pgw_cert, pgw_certca;
\connect $DB_NAME
SET client_min_messages = warning;
GRANT USAGE, CREATE ON SCHEMA public
    TO pgw_trust, pgw_password, pgw_md5, pgw_scram, pgw_scram_utf8, pgw_sslonly, pgw_repl,
       pgw_cert, pgw_certca;
EOF
}

cmd_start() {
    ensure_tools
    ensure_os_user

    mkdir -p "$DIR" "$DIR/log"
    DIR=$(cd "$DIR" && pwd -P)
    DATA=$DIR/data
    chmod 0755 "$DIR"
    if is_root; then
        chown postgres: "$DIR" "$DIR/log"
        runuser -u postgres -- test -x "$DIR" ||
            die "$DIR is not reachable by the postgres OS user (check the modes of its parent directories)"
    fi
    # Unix socket paths are limited to 107 bytes.
    ((${#DIR} + 18 <= 107)) || die "$DIR is too long for a unix socket directory"

    if server_running; then
        PORT=$(running_port)
        log "already running in $DIR on port $PORT"
        if [[ -n ${PGWIRE_TEST_PORT:-} && $PGWIRE_TEST_PORT != "$PORT" ]]; then
            log "restarting on port $PGWIRE_TEST_PORT"
            as_owner "$BINDIR/pg_ctl" stop -D "$DATA" -m fast -w >/dev/null
        else
            echo "$PORT" >"$DIR/port"
            echo "$BINDIR" >"$DIR/bindir"
            # A cluster made by an older version of this script gets what it lacks (the client
            # certificate, its pg_hba.conf lines and ssl_ca_file); these settings only need a reload.
            make_certs
            write_config
            as_owner "$BINDIR/pg_ctl" reload -D "$DATA" >/dev/null
            wait_ready
            setup_roles
            return 0
        fi
    fi

    choose_port
    [[ -f $DATA/PG_VERSION ]] || init_cluster
    make_certs
    write_config
    echo "$PORT" >"$DIR/port"
    echo "$BINDIR" >"$DIR/bindir"

    log "starting PostgreSQL $("$BINDIR/postgres" --version | awk '{print $3}') on port $PORT"
    as_owner "$BINDIR/pg_ctl" start -D "$DATA" -l "$DIR/log/server.log" -w -t 60 >/dev/null ||
        { tail -n 50 "$DIR/log/server.log" >&2 || true; die "pg_ctl start failed"; }
    wait_ready
    setup_roles
    log "ready: eval \"\$($0 env $DIR)\""
}

cmd_stop() {
    [[ -d $DIR ]] || { log "$DIR does not exist, nothing to stop"; return 0; }
    DIR=$(cd "$DIR" && pwd -P)
    DATA=$DIR/data
    [[ -f $DATA/PG_VERSION ]] || { log "no cluster in $DIR"; return 0; }
    if [[ -f $DIR/bindir && -x $(cat "$DIR/bindir")/pg_ctl ]]; then
        BINDIR=$(cat "$DIR/bindir")
    else
        BINDIR=$(find_bindir) || die "PostgreSQL binaries not found"
    fi
    if ! server_running; then
        log "not running"
        return 0
    fi
    as_owner "$BINDIR/pg_ctl" stop -D "$DATA" -m fast -w -t 60 >/dev/null
    log "stopped"
}

cmd_env() {
    [[ -d $DIR ]] || die "$DIR does not exist: run '$0 start $DIR' first"
    DIR=$(cd "$DIR" && pwd -P)
    [[ -f $DIR/port && -f $DIR/bindir ]] || die "no cluster in $DIR: run '$0 start $DIR' first"
    local port bindir
    port=$(cat "$DIR/port")
    bindir=$(cat "$DIR/bindir")
    printf 'export PGWIRE_TEST_HOST=%q\n' 127.0.0.1
    printf 'export PGWIRE_TEST_PORT=%q\n' "$port"
    printf 'export PGWIRE_TEST_SOCKET_DIR=%q\n' "$DIR"
    printf 'export PGWIRE_TEST_CA=%q\n' "$DIR/ca.crt"
    printf 'export PGWIRE_TEST_CLIENT_CERT=%q\n' "$DIR/pgw_cert.crt"
    printf 'export PGWIRE_TEST_CLIENT_KEY=%q\n' "$DIR/pgw_cert.key"
    printf 'export PGWIRE_TEST_DB=%q\n' "$DB_NAME"
    printf 'export PGWIRE_TEST_BINDIR=%q\n' "$bindir"
    printf 'export PGWIRE_TEST_DATADIR=%q\n' "$DIR/data"
}

[[ $# -eq 2 ]] || usage
DIR=$2
case $1 in
start) cmd_start ;;
stop) cmd_stop ;;
env) cmd_env ;;
*) usage ;;
esac
