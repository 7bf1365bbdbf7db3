#!/bin/bash
# Regenerates daemon/fault-order.txt: the functions the other recorded lists miss but a daemon
# running containers still executes, found by their page faults. startup-order.sh sees the start
# only, run-path-order.sh only gocker's own instrumented code; the static libraries' routines a run
# calls (libnl, libseccomp, libstdc++, SQLite's) and code the instrumentation saw inlined keep their
# place in the text, and each one first executed in a 64 KB window of it costs a fault that maps
# the whole window. Each round builds gockerd with the lists so far (cmake/StartupOrder.cmake),
# runs a workload under `perf record -e page-faults` in its own mount and network namespace, and
# adds the functions whose first instruction fetch faulted and that no list names; it stops when a
# round adds none. Run as root from the source tree; needs perf (Debian: linux-perf).
#   scripts/fault-order.sh [BUILD_DIR [ROUNDS]]     (default build/test, 4)
set -euo pipefail
build_dir=${1:-build/test}
rounds=${2:-4}
. "$(dirname "$0")/order-lib.sh"
order_requires fault-order perf linux-perf
order_binaries "$build_dir"  # built by each round below
order_workspace fault-order
touch daemon/fault-order.txt

for round in $(seq "$rounds"); do
  cmake --build "$build_dir" --target gockerd gockerctl gocker-monitor builtin_image -j "$(nproc)" >/dev/null
  rm -rf "$work/root"
  unshare --mount --net --propagation private bash -c "
    set -e
    mount --make-rshared /
    ip link set lo up
    export GOCKER_HOST=unix://$work/gockerd.sock
    perf record -q -e page-faults -c 1 -d -o $work/faults.data -- $gockerd --root $work/root -H \$GOCKER_HOST \
      --cgroup-parent $parent --group root >$work/gockerd.log 2>&1 &
    recorder=\$!
    for _ in \$(seq 100); do [ -S $work/gockerd.sock ] && break; sleep 0.1; done
    $gockerctl version >/dev/null
    for _ in 1 2 3 4 5; do $gockerctl run --rm busybox true; done
    $gockerctl run --rm --network none busybox true
    $gockerctl run -d --name web -m 64m busybox sleep 1000 >/dev/null
    $gockerctl ps >/dev/null; $gockerctl logs web >/dev/null; $gockerctl stop -t 1 web >/dev/null; $gockerctl rm web >/dev/null
    pids=''
    for _ in \$(seq 20); do $gockerctl run --rm busybox true & pids=\"\$pids \$!\"; done
    wait \$pids
    sleep 1.5
    kill -TERM \$(pgrep -P \$recorder)
    wait \$recorder
  " || { cat "$work/gockerd.log" >&2; exit 1; }
  # Instruction fetches (the faulting address is the instruction's) in gockerd's own code.
  perf script --no-demangle -i "$work/faults.data" -F comm,addr,sym,dso,ip 2>/dev/null |
    awk '$1 == "gockerd" && $2 == $5 && $4 ~ /\/gockerd\)$/ { name = $3; sub(/\+0x[0-9a-f]+$/, "", name); print name }' |
    awk -v lists="daemon/startup-order.txt daemon/run-path-order.txt daemon/fault-order.txt" '
      BEGIN { n = split(lists, files, " "); for (i = 1; i <= n; ++i) while ((getline line < files[i]) > 0) known[line] = 1 }
      $0 !~ /^(_start|_init|\[unknown\])$/ && !($0 in known) { known[$0] = 1; print }' >"$work/new"
  added=$(wc -l <"$work/new")
  cat "$work/new" >>daemon/fault-order.txt
  echo "fault-order: round $round added $added functions"
  [ "$added" -gt 0 ] || break
done
echo "fault-order: $(wc -l <daemon/fault-order.txt) functions"
