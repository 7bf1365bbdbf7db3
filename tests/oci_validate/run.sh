#!/bin/sh
# ctest oci_validate: the Open Containers runtime-tools validation suite judges gocker-runc (issue 8).
#
#   run.sh GOCKER_RUNC BASELINE_FILE SOURCE_DIR
#
# The judge is ../shared/tools/oci-validate next to the repository (or $GOCKER_OCI_VALIDATE); it
# prints "N passed, M failed, K skipped". The test fails when fewer pass or more fail than the
# committed baseline (BASELINE_FILE: "passed N" and "failed M" lines): a change may raise the
# count (then commit the new baseline with it), never lower it. Without root it is skipped loudly
# (exit 77; exit 1 under GOCKER_TEST_STRICT=1); without the judge it is skipped loudly (exit 77).
set -u
runtime=$1
baseline=$2
source_dir=$3
tool=${GOCKER_OCI_VALIDATE:-$source_dir/../shared/tools/oci-validate}

skip() {
  echo "SKIP: $1"
  [ "${GOCKER_TEST_STRICT:-0}" = 1 ] && exit 1
  exit 77
}
[ "$(id -u)" = 0 ] || skip "the OCI validation suite needs root"
# The judge lives outside the repository (the project's shared tools): a checkout without it cannot
# run this test whatever GOCKER_TEST_STRICT says, so its absence is a loud skip, never a failure.
if [ ! -x "$tool" ]; then
  echo "SKIP: no OCI validation tool at $tool (set GOCKER_OCI_VALIDATE to run the judge)"
  exit 77
fi

# runtime-tools makes its bundles under TMPDIR (ocitest*) and leaves some behind: a directory of
# this run's own takes them, removed afterwards without crossing into anything left mounted there.
scratch=$(mktemp -d /tmp/gkoci.XXXXXX)
trap 'rm -rf --one-file-system "$scratch"' EXIT
output=$(TMPDIR=$scratch "$tool" "$runtime" 2>&1)
printf '%s\n' "$output"
summary=$(printf '%s\n' "$output" | grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' | tail -n 1)
[ -n "$summary" ] || { echo "FAIL: $tool printed no summary line"; exit 1; }
passed=${summary%% passed*}
failed=$(printf '%s\n' "$summary" | sed -E 's/.* ([0-9]+) failed.*/\1/')
base_passed=$(sed -n 's/^passed //p' "$baseline")
base_failed=$(sed -n 's/^failed //p' "$baseline")
echo "oci-validate: $passed passed, $failed failed (baseline: $base_passed passed, $base_failed failed)"
if [ "$passed" -lt "$base_passed" ] || [ "$failed" -gt "$base_failed" ]; then
  echo "FAIL: the validation count regressed against $baseline"
  exit 1
fi
