#!/bin/sh
# README command 2 (and what CI runs): installs the dependencies and the test tools, builds
# everything with warnings as errors, and runs the whole test suite (unit + integration) with
# GOCKER_TEST_STRICT=1, so an integration test that cannot run here fails instead of skipping.
#
# Then the checked build (issue 7, cmake/Sanitize.cmake): build/sanitize with clang, ASan + UBSan
# and libFuzzer, only the libraries, the unit tests and the fuzz targets. It is compiled at nice 19
# while the main ctest runs (the integration tests mostly wait, the build only computes), and its
# own ctest follows: the unit tests under the sanitizers and each fuzzer on a copy of its committed
# corpus, two at a time. By default the corpus only (GOCKER_FUZZ_SECONDS=0, libFuzzer's regression
# mode): CI's whole run must stay under 30 minutes on 2 cores; GOCKER_FUZZ_SECONDS=20 fuzzes each
# target for 20 s on top. A sanitizer report or a fuzzer's crash fails the run.
# GOCKER_SKIP_SANITIZE=1 leaves that stage out (a quick local run). Arguments go to the first
# ctest. Each stage's wall time and the whole run's are printed at the end.
set -eu

if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "test: run as root (integration tests need namespaces)" >&2; exit 1; }
  exec sudo -E "$0" "$@"
fi

cd "$(dirname "$0")/.."
build_dir=${GOCKER_BUILD_DIR:-build/test}
sanitize_dir=${GOCKER_SANITIZE_BUILD_DIR:-build/sanitize}
timings=""
run_started=$(date +%s)
stage_started=0
start_stage() { stage_started=$(date +%s); }
end_stage() { timings="$timings
  $1: $(($(date +%s) - stage_started)) s"; }

start_stage
scripts/install-deps.sh --test
end_stage "install-deps"
start_stage
# Line tables only (-g1): backtraces keep file:line, and the compile is 15% shorter than with full
# debug info (an engine batch: 26 s of CPU against 31 s).
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DGOCKER_WERROR=ON -DBUILD_TESTING=ON
cmake --build "$build_dir" -j "$(nproc)"
end_stage "build $build_dir"
export GOCKER_TEST_STRICT=1

# The checked build runs beside the main ctest: the integration tests spend most of their time
# waiting on daemons, containers and the kernel, leaving CI's 2 cores mostly idle, and the build
# is nothing but CPU. At nice 19 (and idle I/O class) it takes only what the tests leave, so their
# timing is as before; its output is printed once the main ctest is done.
sanitize=0
[ "${GOCKER_SKIP_SANITIZE:-0}" = 1 ] || sanitize=1
if [ "$sanitize" = 1 ]; then
  mkdir -p "$sanitize_dir"
  sanitize_log=$sanitize_dir/build.log
  # In a session of its own, so that one kill of its process group ends every compiler if this
  # script stops early (Ctrl-C, a signal): a background job of sh ignores SIGINT.
  setsid -w nice -n 19 ionice -c 3 sh -c '
    started=$(date +%s)
    status=0
    cmake -S . -B "$1" -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=None \
      -DGOCKER_SANITIZE=ON -DGOCKER_FUZZ=ON -DBUILD_TESTING=ON >"$2" 2>&1 &&
      cmake --build "$1" -j "$(nproc)" --target gocker_unit_tests gocker_fuzzers >>"$2" 2>&1 || status=$?
    echo "$(($(date +%s) - started))" >"$1/build.seconds"
    exit "$status"' sh "$sanitize_dir" "$sanitize_log" &
  sanitize_build=$!
  trap 'kill -TERM -- "-$sanitize_build" 2>/dev/null || true' EXIT
  trap 'exit 130' INT TERM
fi

start_stage
status=0
(cd "$build_dir" && ctest --output-on-failure --timeout 600 "$@") || status=$?
end_stage "ctest $build_dir"

if [ "$sanitize" = 1 ]; then
  start_stage
  sanitize_status=0
  wait "$sanitize_build" || sanitize_status=$?
  trap - EXIT INT TERM
  echo "test: the checked build ($sanitize_dir), made beside the main ctest:"
  cat "$sanitize_log"
  end_stage "build $sanitize_dir ($(cat "$sanitize_dir/build.seconds") s from its start beside the main ctest), waited after that ctest"
  if [ "$sanitize_status" != 0 ]; then
    echo "test: the checked build failed" >&2
    status=$sanitize_status
  else
    start_stage
    (cd "$sanitize_dir" && GOCKER_FUZZ_SECONDS=${GOCKER_FUZZ_SECONDS:-0} UBSAN_OPTIONS=print_stacktrace=1 \
      ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer ctest --output-on-failure --timeout 600 -j "$(nproc)") ||
      status=$?
    end_stage "ctest $sanitize_dir"
  fi
fi

echo "test: wall time per stage:$timings
  whole run: $(($(date +%s) - run_started)) s"
exit "$status"
