#!/bin/sh
# Runs one libFuzzer target for a bounded time on a copy of its committed corpus (ctest's fuzz.*
# tests, tests/fuzz/CMakeLists.txt):
#
#   run_fuzzer.sh FUZZER CORPUS_DIR ARTIFACT_DIR SECONDS
#
# GOCKER_FUZZ_SECONDS in the environment overrides SECONDS (scripts/test.sh sets it); 0 runs the
# corpus only, as a regression test, without fuzzing.
#
# The fuzzer works in a fresh directory under /tmp, so the repository's corpus is never modified.
# Started as root (as CI runs the suite), it runs as nobody: a fuzzer has no need of root, and the
# tar target refuses root (an escape it looks for would otherwise write with root's rights). A
# crashing input is copied to ARTIFACT_DIR and the test fails.
set -eu

fuzzer=$1
corpus=$2
artifact_dir=$3
seconds=${GOCKER_FUZZ_SECONDS:-$4}
name=$(basename "$fuzzer")

work=$(mktemp -d "/tmp/gocker-fuzz-$name-XXXXXX")
# Whatever way this ends. An archive may have left directories of mode 0000, which only root
# could remove as they are. ctest's timeout kills with SIGKILL (no trap then): -max_total_time
# keeps the run well inside it.
cleanup() {
  chmod -R u+rwX "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
mkdir "$work/corpus" "$work/artifacts"
cp -R "$corpus/." "$work/corpus/"
# A copy of the binary: the build tree may not be reachable for nobody.
cp "$fuzzer" "$work/$name"

run_as=""
if [ "$(id -u)" = 0 ]; then
  chown -R 65534:65534 "$work"
  run_as="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all"
fi

status=0
cd "$work"
# -timeout: one input running for 10 s is a hang, reported as a failure like a crash.
# shellcheck disable=SC2086 # $run_as is a command prefix
if [ "$seconds" = 0 ]; then
  # -runs=0: each corpus input once (libFuzzer's regression mode), no new inputs.
  TMPDIR="$work" $run_as "./$name" -runs=0 -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$work/artifacts/" \
    "$work/corpus" || status=$?
else
  TMPDIR="$work" $run_as "./$name" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" || status=$?
fi

# libFuzzer exits 77 on a finding, which reads as "skipped" to a ctest with SKIP_RETURN_CODE 77.
[ "$status" != 77 ] || status=1
if [ "$status" != 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
  mkdir -p "$artifact_dir"
  cp "$work/artifacts/"* "$artifact_dir/" 2>/dev/null || true
  echo "run_fuzzer: $name failed (exit $status); inputs kept in $artifact_dir:" >&2
  ls -l "$artifact_dir" >&2
  [ "$status" != 0 ] || status=1
fi
exit "$status"
