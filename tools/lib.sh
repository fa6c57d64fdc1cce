# Shared by the project's scripts (sourced, not run): installing what the
# project needs, building it, and throwaway PostgreSQL clusters.

PZ_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The PostgreSQL installation that pz is built against, installed into and
# run from: Debian's, or with PZ_PG_PREFIX=<dir> a private copy of it made
# there on first use (PostgreSQL finds its files relative to its binaries), so
# that several checkouts, or two versions of pz, can be tested at once.
PG_SYSTEM_HOME=/usr/lib/postgresql/15
PG_HOME=${PZ_PG_PREFIX:+$PZ_PG_PREFIX/lib/postgresql/15}
PG_HOME=${PG_HOME:-$PG_SYSTEM_HOME}
PG_BIN=$PG_HOME/bin
PG_CONFIG=$PG_BIN/pg_config
PZ_PACKAGES=(g++ make cmake pkg-config postgresql-15 postgresql-server-dev-15 libeigen3-dev
             libpqxx-dev nlohmann-json3-dev libgtest-dev libbenchmark-dev gnuplot-nox chromium
             clang-14 libclang-rt-14-dev)

log() { printf '\n== %s\n' "$*"; }

# Installs the Debian packages that are missing (apt-get update only if needed).
ensure_packages() {
  local missing=()
  for package in "${PZ_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$package")
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# Copies Debian's PostgreSQL 15 under $1 (bin, lib, share; headers linked).
make_private_postgres() {
  local prefix=$1
  [[ -x "$prefix/lib/postgresql/15/bin/postgres" ]] && return 0
  mkdir -p "$prefix/lib/postgresql" "$prefix/share/postgresql" "$prefix/include"
  cp -a "$PG_SYSTEM_HOME" "$prefix/lib/postgresql/"
  cp -a /usr/share/postgresql/15 "$prefix/share/postgresql/"
  ln -sfn /usr/include/postgresql "$prefix/include/postgresql"
  chmod 755 "$prefix"
}

# Builds the core, its tests, benchmarks and clients (CMake) and the extension
# (PGXS), and installs the extension into the server's directories.
build_all() {
  log "building the core, tests and tools (CMake)"
  cmake -S "$PZ_ROOT" -B "$PZ_ROOT/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$PZ_ROOT/build" -j"$(nproc)"
  log "building and installing the extension (PGXS) into $PG_HOME"
  [[ -z "${PZ_PG_PREFIX:-}" ]] || make_private_postgres "$PZ_PG_PREFIX"
  make -C "$PZ_ROOT" -j"$(nproc)" -s PG_CONFIG="$PG_CONFIG"
  make -C "$PZ_ROOT" -s install PG_CONFIG="$PG_CONFIG" >/dev/null
}

# A benchmark's first step: the packages and a build, unless
# PZ_BENCH_SKIP_BUILD=1 says to measure the pz already installed.
build_for_benchmark() {
  [[ "${PZ_BENCH_SKIP_BUILD:-0}" == 1 ]] && return 0
  ensure_packages
  build_all
}

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 20000))
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# Starts a cluster owned by postgres in a new temp dir, with pz preloaded.
# Sets PZ_CLUSTER_DIR, PGHOST, PGPORT, PGUSER, PGDATABASE; extra postgresql.conf
# lines may be passed as arguments. Stop it with stop_cluster.
# The checkout may be one only root can read (a clone in /root): the postgres
# user's programs run from / (they fail in a working directory they cannot
# read), and read only copies made with postgres_readable_copy.
start_cluster() {
  cd /
  PZ_CLUSTER_DIR=$(mktemp -d /tmp/pz-cluster.XXXXXX)
  chown postgres: "$PZ_CLUSTER_DIR"
  chmod 755 "$PZ_CLUSTER_DIR"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$PZ_CLUSTER_DIR/data" -U postgres -A trust \
    --no-sync >"$PZ_CLUSTER_DIR/initdb.log"
  export PGPORT
  PGPORT=$(free_port)
  {
    echo "port = $PGPORT"
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$PZ_CLUSTER_DIR'"
    echo "shared_preload_libraries = 'pz'"
    echo "fsync = off"
    echo "max_connections = 100"
    for line in "$@"; do echo "$line"; done
  } >>"$PZ_CLUSTER_DIR/data/postgresql.conf"
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PZ_CLUSTER_DIR/data" -l "$PZ_CLUSTER_DIR/server.log" \
    -w -t 60 start >/dev/null
  export PGHOST=$PZ_CLUSTER_DIR PGUSER=postgres PGDATABASE=postgres
}

# Copies the named paths of the checkout (e.g. sql expected) into the
# cluster's temp dir, readable by postgres; prints the copy's root.
postgres_readable_copy() {
  local copy="$PZ_CLUSTER_DIR/checkout"
  mkdir -p "$copy"
  for path in "$@"; do (cd "$PZ_ROOT" && cp -r --parents "$path" "$copy/"); done
  chmod -R a+rX "$copy"
  echo "$copy"
}

stop_cluster() {
  [[ -n "${PZ_CLUSTER_DIR:-}" && -d "$PZ_CLUSTER_DIR" ]] || return 0
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PZ_CLUSTER_DIR/data" -m immediate -w stop \
    >/dev/null 2>&1 || true
  rm -rf "$PZ_CLUSTER_DIR"
  PZ_CLUSTER_DIR=
}
