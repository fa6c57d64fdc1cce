# Sourced by tests/cluster/replicas.sh and bench/run.sh: a primary and hot
# standbys streaming from it (pg_basebackup -R) on loopback, each cluster in a
# directory of its own under one temp dir, with pz preloaded everywhere and the
# standbys forwarding to the primary as the role pz_fwd (granted pz_forwarder).
# Needs PG_BIN. Node 0 is the primary; rs_q N runs psql on node N.
RS_DIR=
RS_PORTS=()

rs_free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 20000))
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

rs_pg() { runuser -u postgres -- "$@"; }

rs_start_node() {  # node
  rs_pg "$PG_BIN/pg_ctl" -D "$RS_DIR/node$1" -l "$RS_DIR/node$1.log" -w -t 60 start >/dev/null
}

# Starts the primary and $1 standbys; further arguments are postgresql.conf
# lines for every node.
rs_start() {
  local standbys=$1 node port
  shift
  RS_DIR=$(mktemp -d /tmp/pz-replicas.XXXXXX)
  chown postgres: "$RS_DIR"
  chmod 755 "$RS_DIR"
  (cd / && rs_pg "$PG_BIN/initdb" -D "$RS_DIR/node0" -U postgres -A trust --no-sync >"$RS_DIR/initdb.log")
  RS_PORTS=("$(rs_free_port)")
  {
    echo "port = ${RS_PORTS[0]}"
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$RS_DIR'"
    echo "shared_preload_libraries = 'pz'"
    echo "fsync = off"
    echo "wal_level = replica"
    echo "max_wal_senders = 10"
    echo "hot_standby = on"
    echo "pz.node_name = 'node0'"
    for line in "$@"; do echo "$line"; done
  } >>"$RS_DIR/node0/postgresql.conf"
  (cd / && rs_start_node 0)
  rs_q 0 -c "CREATE EXTENSION pz" -c "CREATE ROLE pz_fwd LOGIN IN ROLE pz_forwarder"
  for ((node = 1; node <= standbys; node++)); do
    port=$(rs_free_port)
    while [[ " ${RS_PORTS[*]} " == *" $port "* ]]; do port=$(rs_free_port); done
    RS_PORTS+=("$port")
    (cd / && rs_pg "$PG_BIN/pg_basebackup" -D "$RS_DIR/node$node" -R -X stream -c fast \
       -h 127.0.0.1 -p "${RS_PORTS[0]}" -U postgres)
    {
      echo "port = $port"
      echo "pz.node_name = 'node$node'"
      echo "pz.primary_conninfo = 'host=127.0.0.1 port=${RS_PORTS[0]} dbname=postgres user=pz_fwd'"
    } >>"$RS_DIR/node$node/postgresql.conf"
    (cd / && rs_start_node "$node")
  done
}

rs_q() {  # node, psql arguments
  local node=$1
  shift
  psql -X -A -t -q -v ON_ERROR_STOP=1 -h "$RS_DIR" -p "${RS_PORTS[$node]}" -U postgres -d postgres "$@"
}

# Waits up to $2 seconds for the SQL $3 to return 't' on node $1.
rs_wait_for() {
  local node=$1 seconds=$2 query=$3 i
  for ((i = 0; i < seconds * 4; i++)); do
    [[ "$(rs_q "$node" -c "$query" 2>/dev/null || true)" == "t" ]] && return 0
    sleep 0.25
  done
  echo "timed out after ${seconds}s waiting on node $node for: $query" >&2
  return 1
}

rs_stop() {
  [[ -n "$RS_DIR" && -d "$RS_DIR" ]] || return 0
  local data
  for data in "$RS_DIR"/node*/; do
    rs_pg "$PG_BIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  done
  rm -rf "$RS_DIR"
  RS_DIR=
}
