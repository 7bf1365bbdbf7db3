#!/bin/sh
# README command 2 (and what CI runs): installs the dependencies and the test tools, builds
# everything with warnings as errors, and runs the whole test suite (unit + integration) with
# GOCKER_TEST_STRICT=1, so an integration test that cannot run here fails instead of skipping.
set -eu

if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "test: run as root (integration tests need namespaces)" >&2; exit 1; }
  exec sudo -E "$0" "$@"
fi

cd "$(dirname "$0")/.."
build_dir=${GOCKER_BUILD_DIR:-build/test}

scripts/install-deps.sh --test
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGOCKER_WERROR=ON -DBUILD_TESTING=ON
cmake --build "$build_dir" -j "$(nproc)"
export GOCKER_TEST_STRICT=1
cd "$build_dir"
ctest --output-on-failure --timeout 600 "$@"
