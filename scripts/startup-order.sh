#!/bin/bash
# Regenerates daemon/startup-order.txt, the order lld lays gockerd's functions out in
# (cmake/StartupOrder.cmake): every function a start runs, from exec to its first answer on a fresh
# root (the built-in image's import included). Run as root from the source tree after changes that
# move startup code around; needs valgrind. (Only the start: valgrind 3.19 has no pidfd_open, which
# starting a container needs; scripts/run-path-order.sh records a container's run.)
#   scripts/startup-order.sh [BUILD_DIR]     (default build/test)
set -euo pipefail
build_dir=${1:-build/test}
. "$(dirname "$0")/order-lib.sh"
order_requires startup-order valgrind valgrind
order_built startup-order "$build_dir"
order_workspace startup-order

# Its own mount and network namespace, as the tests run a daemon: its bridge and mounts stay there.
unshare --mount --net --propagation private bash -c "mount --make-rshared /; ip link set lo up; exec valgrind \
  --tool=callgrind --demangle=no --callgrind-out-file=$work/callgrind.out $gockerd --root $work/root \
  -H unix://$work/gockerd.sock --cgroup-parent $parent >$work/gockerd.log 2>&1" &
daemon_pid=$!
for _ in $(seq 600); do [ -S "$work/gockerd.sock" ] && break; sleep 0.1; done
[ -S "$work/gockerd.sock" ] || { cat "$work/gockerd.log" >&2; exit 1; }
# The socket listens before the engine opens (the built-in image's import included); a request is
# answered once the start is complete.
"$gockerctl" -H "unix://$work/gockerd.sock" version >/dev/null || { cat "$work/gockerd.log" >&2; exit 1; }
sleep 1
kill -TERM "$daemon_pid"
wait "$daemon_pid" || true
daemon_pid=""

callgrind_functions "$work/callgrind.out" gockerd >daemon/startup-order.txt
echo "startup-order: $(wc -l <daemon/startup-order.txt) functions of gockerd's start"
