#!/bin/sh
# README command 1: installs the build dependencies, builds gocker (Release), installs it under
# /usr/local, starts gockerd and runs a container from the built-in busybox image (no network).
#
# gockerd runs as a systemd service where systemd is PID 1; elsewhere (containers, CI) it runs in
# the background with its log in /var/log/gockerd.log and its pid in /run/gockerd.pid.
set -eu

if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "quickstart: run as root" >&2; exit 1; }
  exec sudo -E "$0" "$@"
fi

cd "$(dirname "$0")/.."
build_dir=${GOCKER_BUILD_DIR:-build/release}
socket=/run/gocker/gocker.sock

scripts/install-deps.sh
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF
cmake --build "$build_dir" -j "$(nproc)"
cmake --install "$build_dir"
# Members of the system group gocker may use the API socket (0660 root:gocker) without sudo. It is
# declared in systemd/gocker.sysusers (installed to <prefix>/lib/sysusers.d/gocker.conf, applied at
# every boot by systemd-sysusers); created now, with groupadd where systemd-sysusers is absent.
scripts/add-gocker-group.sh systemd/gocker.sysusers
# The user gocker and its /etc/subuid and /etc/subgid ranges: `gockerd --userns-remap default`.
scripts/add-gocker-user.sh
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build_dir/CMakeCache.txt")
gockerd=$prefix/bin/gockerd
gockerctl=$prefix/bin/gockerctl

if [ -d /run/systemd/system ] && [ "$(cat /proc/1/comm)" = systemd ]; then
  echo "quickstart: starting gockerd through systemd"
  systemctl daemon-reload
  # Type=notify: restart returns once gockerd has sent READY=1 (the socket accepts).
  systemctl enable gockerd.service
  systemctl restart gockerd.service
else
  echo "quickstart: no systemd as PID 1: starting gockerd in the background (log: /var/log/gockerd.log)"
  if [ -s /run/gockerd.pid ] && kill -0 "$(cat /run/gockerd.pid)" 2>/dev/null; then
    old=$(cat /run/gockerd.pid)
    echo "quickstart: stopping the gockerd started earlier (pid $old)"
    kill -TERM "$old"
    # Bounded wait for it to release the socket (a script, not the product's run path).
    for _ in $(seq 1 100); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
  fi
  mkdir -p /run/gocker
  setsid "$gockerd" --host "unix://$socket" </dev/null >>/var/log/gockerd.log 2>&1 &
  pid=$!
  echo "$pid" > /run/gockerd.pid
  ready=0
  for _ in $(seq 1 150); do
    if curl -sf --max-time 1 --unix-socket "$socket" http://localhost/_ping >/dev/null 2>&1; then ready=1; break; fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  if [ "$ready" != 1 ]; then
    echo "quickstart: gockerd did not come up; its log:" >&2
    tail -n 50 /var/log/gockerd.log >&2
    exit 1
  fi
  echo "quickstart: gockerd is up (pid $pid, socket $socket)"
fi

echo "quickstart: $gockerctl run --rm busybox echo hello"
"$gockerctl" run --rm busybox echo hello
