#!/bin/bash
# Regenerates client/function-order.txt: the functions gockerctl runs for the commands a user runs
# most (run --rm, run -d, ps, logs, stop, rm, version), laid out together by lld
# (cmake/StartupOrder.cmake). Every command is a process start, and the kernel maps code 64 KB
# around each page a process touches first: scattered over gockerctl's 3 MB of text, a `run` took
# 46 such faults in code alone (10-16 us each on a VM). Recorded with callgrind against a daemon of
# the same build, in its own mount and network namespace. Run as root from the source tree; needs
# valgrind.
#   scripts/client-order.sh [BUILD_DIR]     (default build/test)
set -euo pipefail
build_dir=${1:-build/test}
. "$(dirname "$0")/order-lib.sh"
order_requires client-order valgrind valgrind
order_built client-order "$build_dir"
order_workspace client-order

unshare --mount --net --propagation private bash -c "
  set -e
  mount --make-rshared /
  ip link set lo up
  $gockerd --root $work/root -H unix://$work/gockerd.sock --cgroup-parent $parent --group root >$work/gockerd.log 2>&1 &
  daemon=\$!
  trap 'kill \$daemon; wait \$daemon || true' EXIT
  for _ in \$(seq 100); do [ -S $work/gockerd.sock ] && break; sleep 0.1; done
  export GOCKER_HOST=unix://$work/gockerd.sock
  $gockerctl version >/dev/null
  record() { valgrind --tool=callgrind --demangle=no --callgrind-out-file=$work/callgrind.\$1.out $gockerctl \"\${@:2}\"; }
  record run-rm run --rm busybox true
  record run-d run -d --name order-probe busybox sleep 60 >/dev/null
  record ps ps -a >/dev/null
  record logs logs order-probe >/dev/null
  record stop stop -t 0 order-probe >/dev/null
  record rm rm order-probe >/dev/null
  record version version >/dev/null
" >"$work/record.log" 2>&1 || { cat "$work/record.log" "$work/gockerd.log" >&2; exit 1; }

# gockerctl's own functions in the profiles, those of `run --rm` first.
for command in run-rm run-d ps logs stop rm version; do callgrind_functions "$work/callgrind.$command.out" gockerctl; done |
  awk '!seen[$0]++' >client/function-order.txt
echo "client-order: $(wc -l <client/function-order.txt) functions of gockerctl"
