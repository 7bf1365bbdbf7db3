#!/bin/bash
# Regenerates daemon/run-path-order.txt: the functions of gocker's own code that running,
# listing, stopping and removing containers needs and the start does not, in the order they are
# first called. lld lays them out right after the start's (cmake/StartupOrder.cmake), so a daemon
# that has run containers keeps its run path's code resident in a few hundred kB instead of
# megabytes scattered over its text. Complements scripts/startup-order.sh, whose callgrind
# profile cannot follow a container start (valgrind 3.19 has no pidfd_open); this one builds
# gocker with -finstrument-functions instead (GOCKER_RECORD_FUNCTIONS), which sees only gocker's
# own code: the static libraries' functions the run path adds keep their place.
# The names are those of a normal build (REFERENCE_BUILD, as CI and the benchmark build it):
# besides the recorded function itself, the copies GCC's optimizer makes of it there
# (name.isra.0, name.constprop.0, name.part.0; not the error paths it moves to name.cold).
# Run as root from the source tree:
#   scripts/run-path-order.sh [REFERENCE_BUILD [RECORD_BUILD]]   (default build/test, build/record)
set -euo pipefail
reference_gockerd=${1:-build/test}/daemon/gockerd
build_dir=${2:-build/record}
[ -x "$reference_gockerd" ] || { echo "run-path-order: build ${1:-build/test} first" >&2; exit 1; }
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF -DGOCKER_RECORD_FUNCTIONS=ON >/dev/null
cmake --build "$build_dir" --target gockerd gockerctl gocker-monitor builtin_image -j "$(nproc)"
. "$(dirname "$0")/order-lib.sh"
order_binaries "$build_dir"
order_workspace run-path-order

# Its own mount and network namespace, as the tests run a daemon; the workload runs in it too.
export GOCKER_FUNCTION_LOG=$work/functions GOCKER_HOST=unix://$work/gockerd.sock
unshare --mount --net --propagation private bash -c "
  set -e
  mount --make-rshared /
  ip link set lo up
  $gockerd --root $work/root -H \$GOCKER_HOST --cgroup-parent $parent \
    --monitor-path $build_dir/daemon/runtime/gocker-monitor --image-dir $build_dir/images >$work/gockerd.log 2>&1 &
  daemon=\$!
  echo \$daemon >$work/gockerd.pid
  for _ in \$(seq 600); do [ -S $work/gockerd.sock ] && break; sleep 0.1; done
  # What a user does most, and what the benchmark's idle figure follows.
  for _ in 1 2 3; do $gockerctl run --rm busybox true; done
  $gockerctl run --rm --network none busybox true
  $gockerctl run --rm --network none --security-opt seccomp=unconfined busybox true
  echo hello | $gockerctl run -i --rm busybox cat >/dev/null
  $gockerctl run --rm busybox sh -c 'exit 3' || true
  $gockerctl run -d --name web -m 64m --cpus 0.5 --pids-limit 50 busybox sh -c 'echo up; sleep 1000' >/dev/null
  $gockerctl ps >/dev/null; $gockerctl ps -a -q >/dev/null
  $gockerctl logs web >/dev/null; $gockerctl logs -t --tail 1 web >/dev/null
  $gockerctl inspect web >/dev/null
  $gockerctl stop -t 1 web >/dev/null
  $gockerctl rm web >/dev/null
  $gockerctl create --name later busybox true >/dev/null
  $gockerctl start -a later >/dev/null
  $gockerctl wait later >/dev/null || true
  $gockerctl rm -f later >/dev/null
  $gockerctl images >/dev/null; $gockerctl version >/dev/null; $gockerctl info >/dev/null
  pids=''
  for _ in \$(seq 10); do $gockerctl run --rm busybox true & pids=\"\$pids \$!\"; done
  wait \$pids
  kill -TERM \$daemon
  wait \$daemon
"
log=$work/functions.$(cat "$work/gockerd.pid")
[ -s "$log" ] || { echo "run-path-order: gockerd recorded nothing" >&2; cat "$work/gockerd.log" >&2; exit 1; }

# Offsets to names: every symbol of the recording gockerd at that address (aliases such as a
# constructor's complete and base forms share one), then the reference build's symbols of those
# names and of their optimized copies, minus what the start already lays out.
nm --defined-only "$gockerd" >"$work/recorded-symbols"
nm --defined-only "$reference_gockerd" >"$work/reference-symbols"
awk -v startup=daemon/startup-order.txt -v recorded="$log" -v symbols="$work/recorded-symbols" '
  function base_of(name) { sub(/\..*/, "", name); return name }
  FILENAME == startup { in_startup[$0] = 1; next }
  FILENAME == recorded { order[++count] = $1; next }
  FILENAME == symbols {
    if ($2 ~ /^[tTwW]$/) { address = $1; sub(/^0+/, "", address); names[address] = names[address] " " $3 }
    next
  }
  $2 ~ /^[tTwW]$/ && $3 !~ /\.cold/ { variants[base_of($3)] = variants[base_of($3)] " " $3 }
  END {
    for (position = 1; position <= count; ++position) {
      split(names[order[position]], aliases, " ")
      for (alias in aliases) {
        split(variants[base_of(aliases[alias])], copies, " ")
        for (copy in copies) {
          name = copies[copy]
          if (!(name in in_startup) && !(name in printed)) { print name; printed[name] = 1 }
        }
      }
    }
  }' daemon/startup-order.txt "$log" "$work/recorded-symbols" "$work/reference-symbols" >daemon/run-path-order.txt
echo "run-path-order: $(wc -l <daemon/run-path-order.txt) functions after the start's $(wc -l <daemon/startup-order.txt)"
