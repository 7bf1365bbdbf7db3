#!/bin/sh
# ctest entry "openapi_lint": openapi.yaml must pass a real OpenAPI 3 validator, not only the route
# contract test. The validator is swagger-cli 4.0.4 (@apidevtools/swagger-parser: the OpenAPI 3.0
# JSON schema plus $ref resolution), its whole dependency tree pinned by package-lock.json next to
# this script, every package of it running on Debian 12's Node 18. npm installs it once into
# <tools dir> (a directory of the build tree, never a global prefix) and reuses it while the lock
# file is unchanged.
#
#   run.sh <source dir> <tools dir>
#
# Exit status: 0 valid; 1 the validator rejects the file (its messages on stderr); 77 (ctest's
# skip) when node/npm are missing or npm cannot fetch the packages (no registry), which is a
# failure (1) under GOCKER_TEST_STRICT=1, as in CI. The npm registry may sit behind a proxy: npm
# reads the usual npm_config_proxy / HTTPS_PROXY settings.
set -u
source_dir=$1
tools_dir=$2
here=$(cd "$(dirname "$0")" && pwd)

skip() {
  echo "SKIP: openapi_lint: $*" >&2
  if [ "${GOCKER_TEST_STRICT:-0}" = 1 ]; then
    echo "FAIL: GOCKER_TEST_STRICT=1 makes a skipped test a failure" >&2
    exit 1
  fi
  exit 77
}

command -v node >/dev/null 2>&1 || skip "no node (scripts/install-deps.sh --test installs Debian's nodejs and npm)"
command -v npm >/dev/null 2>&1 || skip "no npm (scripts/install-deps.sh --test installs Debian's npm)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' ||
  skip "node $(node --version) is older than 18, the oldest the pinned validator is checked with"

validator=$tools_dir/node_modules/.bin/swagger-cli
stamp=$tools_dir/installed-package-lock.json
if [ ! -x "$validator" ] || ! cmp -s "$here/package-lock.json" "$stamp"; then
  echo "openapi_lint: installing the validator into $tools_dir (npm ci, pinned by $here/package-lock.json)" >&2
  rm -rf "$tools_dir"
  mkdir -p "$tools_dir" || exit 1
  cp "$here/package.json" "$here/package-lock.json" "$tools_dir/" || exit 1
  # --ignore-scripts: nothing from the registry runs at install time.
  if ! npm ci --prefix "$tools_dir" --ignore-scripts --no-audit --no-fund --loglevel=error \
      --fetch-retries=1 --fetch-timeout=60000 >"$tools_dir/npm-install.log" 2>&1; then
    tail -n 20 "$tools_dir/npm-install.log" >&2
    skip "npm could not install @apidevtools/swagger-cli@4.0.4 (registry unreachable? log: $tools_dir/npm-install.log)"
  fi
  cp "$here/package-lock.json" "$stamp" || exit 1
fi

echo "openapi_lint: $("$validator" --version 2>/dev/null | head -n 1) validate $source_dir/openapi.yaml (node $(node --version))"
"$validator" validate "$source_dir/openapi.yaml"
