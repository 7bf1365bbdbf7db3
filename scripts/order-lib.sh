# Sourced by the scripts that record functions for lld's ordered link (startup-order.sh,
# run-path-order.sh, client-order.sh): their work dir, the cleanup of the daemon they profile, and
# the reading of callgrind profiles.

# gockerd executes itself again unless its allocator tunables are set already
# (daemon/server/allocator_tunables.hpp), and a recorder that does not follow an exec (callgrind
# without --trace-children) would see only the first image: give it the same tunables.
export GLIBC_TUNABLES=glibc.malloc.tcache_count=0

# Stops the script named $1 unless the tool $2 (Debian package $3) is installed.
order_requires() {
  command -v "$2" >/dev/null || { echo "$1: needs $2 (apt-get install $3)" >&2; exit 1; }
}

# $gockerd and $gockerctl of the build dir $1.
order_binaries() {
  gockerd=$1/daemon/gockerd
  gockerctl=$1/client/gockerctl
}

# order_binaries for the script named $1 and the build dir $2, stopping unless both are built.
order_built() {
  order_binaries "$2"
  [ -x "$gockerd" ] && [ -x "$gockerctl" ] || { echo "$1: build $2 first" >&2; exit 1; }
}

# Makes $work (a temp dir) and $parent (the profiled daemon's cgroup parent), and on exit stops the
# daemon whose pid is in $daemon_pid and removes both.
order_workspace() {
  work=$(mktemp -d "/tmp/gk.$1.XXXXXX")
  parent=gocker-$1-$$
  daemon_pid=""
  trap order_cleanup EXIT
}

order_cleanup() {
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
  rm -rf "$work"
  # The cgroup parent the daemon made in each hierarchy (empty once its containers are gone).
  for directory in /sys/fs/cgroup/*/"$parent" /sys/fs/cgroup/"$parent"; do
    [ -d "$directory" ] && rmdir "$directory" 2>/dev/null
  done
  return 0
}

# The functions of the binary named $2 that ran, from the callgrind profile $1, sorted. Callgrind
# compresses names: "fn=(12) name" defines number 12 at its first use, later lines give the number.
callgrind_functions() {
  awk -v binary="/$2" '
    match($0, /^(ob|cob|fn|cfn)=\([0-9]+\)/) {
      kind = substr($0, 1, index($0, "=") - 1)
      id = substr($0, index($0, "(") + 1, index($0, ")") - index($0, "(") - 1)
      name = substr($0, index($0, ")") + 2)
      if (name != "") { if (kind ~ /ob$/) objects[id] = name; else functions[id] = name }
      if (kind == "ob") current = objects[id]
      if (kind == "fn" && substr(current, length(current) - length(binary) + 1) == binary &&
          functions[id] !~ /^(0x|\(below main\))/) print functions[id]
    }' "$1" | sort -u
}
