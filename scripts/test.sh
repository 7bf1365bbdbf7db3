#!/bin/sh
# README command 2 (and what CI runs): installs the dependencies and the test tools, builds
# everything with warnings as errors, and runs the whole test suite (unit + integration) with
# GOCKER_TEST_STRICT=1, so an integration test that cannot run here fails instead of skipping.
#
# Then the checked build (issue 7, cmake/Sanitize.cmake): build/sanitize with clang, ASan + UBSan
# and libFuzzer, only the libraries, the unit tests and the fuzz targets; its ctest runs the unit
# tests under the sanitizers and each fuzzer on a copy of its committed corpus, two at a time:
# by default the corpus only (GOCKER_FUZZ_SECONDS=0, libFuzzer's regression mode), since the
# checked build alone costs CI ~10 minutes of its 30 on 2 cores; GOCKER_FUZZ_SECONDS=20 fuzzes
# each target for 20 s on top. A sanitizer report
# or a fuzzer's crash fails the run. GOCKER_SKIP_SANITIZE=1 leaves that stage out (a quick local
# run). Arguments go to the first ctest. Each stage's wall time is printed at the end (CI's whole
# run must stay under 30 minutes).
set -eu

if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "test: run as root (integration tests need namespaces)" >&2; exit 1; }
  exec sudo -E "$0" "$@"
fi

cd "$(dirname "$0")/.."
build_dir=${GOCKER_BUILD_DIR:-build/test}
sanitize_dir=${GOCKER_SANITIZE_BUILD_DIR:-build/sanitize}
timings=""
stage_started=0
start_stage() { stage_started=$(date +%s); }
end_stage() { timings="$timings
  $1: $(($(date +%s) - stage_started)) s"; }

start_stage
scripts/install-deps.sh --test
end_stage "install-deps"
start_stage
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGOCKER_WERROR=ON -DBUILD_TESTING=ON
cmake --build "$build_dir" -j "$(nproc)"
end_stage "build $build_dir"
export GOCKER_TEST_STRICT=1
start_stage
status=0
(cd "$build_dir" && ctest --output-on-failure --timeout 600 "$@") || status=$?
end_stage "ctest $build_dir"

if [ "${GOCKER_SKIP_SANITIZE:-0}" != 1 ]; then
  start_stage
  cmake -S . -B "$sanitize_dir" -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=None \
    -DGOCKER_SANITIZE=ON -DGOCKER_FUZZ=ON -DBUILD_TESTING=ON
  cmake --build "$sanitize_dir" -j "$(nproc)" --target gocker_unit_tests gocker_fuzzers
  end_stage "build $sanitize_dir"
  start_stage
  (cd "$sanitize_dir" && GOCKER_FUZZ_SECONDS=${GOCKER_FUZZ_SECONDS:-0} UBSAN_OPTIONS=print_stacktrace=1 \
    ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer ctest --output-on-failure --timeout 600 -j "$(nproc)") ||
    status=$?
  end_stage "ctest $sanitize_dir"
fi

echo "test: wall time per stage:$timings"
exit "$status"
