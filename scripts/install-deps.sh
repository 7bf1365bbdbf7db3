#!/bin/sh
# Installs what gocker needs on Debian 12 from Debian's own packages (nothing else is fetched).
#
#   scripts/install-deps.sh          build dependencies (what scripts/quickstart.sh needs)
#   scripts/install-deps.sh --test   plus the test suite's extras: the docker CLI, python3-docker and
#                                    skopeo (tests drive gockerd with them and check its image
#                                    archives with skopeo; apt never starts dockerd, see
#                                    policy-rc.d below), podman and conmon (oci_engines_test runs
#                                    podman, and a dockerd of its own, with gocker-runc as their
#                                    runtime, inside its own namespaces),
#                                    docker-registry and zstd (registry_test runs a registry on
#                                    loopback inside its own network namespace; apt does not start
#                                    the packaged service, see policy-rc.d below),
#                                    systemd (for systemd-socket-activate), and nodejs and npm (the
#                                    openapi_lint test npm-installs a pinned OpenAPI validator into
#                                    the build dir), and the openssl CLI (daemon_surface_test makes
#                                    its throwaway TLS certificates with it), python3-jwt and
#                                    python3-cryptography (registry_token_test's token server
#                                    signs its JWTs with them), runc and crun (runtime_select_test
#                                    runs the same containers through gockerd --runtime runc|crun),
#                                    and clang-14 with its sanitizer and
#                                    libFuzzer runtimes (libclang-rt-14-dev, only a recommendation
#                                    of clang, which apt skips here) and llvm-symbolizer (llvm-14)
#                                    for the checked build test.sh makes in build/sanitize
#
# Idempotent: when every package is already installed it does not touch apt at all.
set -eu

if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-deps: run as root" >&2; exit 1; }
  exec sudo -E "$0" "$@"
fi

# lld-16: gockerd's code is laid out in the order it runs, unused sections dropped (cmake/StartupOrder.cmake).
# The last line: libarchive's own dependencies, which the static link of gockerd names itself
# (cmake/StaticDeps.cmake); libarchive-dev does not pull their -dev packages in.
build_packages="cmake make g++ pkg-config git libboost1.81-dev nlohmann-json3-dev libsqlitecpp-dev
  libspdlog-dev doctest-dev libcli11-dev libseccomp-dev libcap-dev libarchive-dev libssl-dev libsystemd-dev
  busybox-static ccache curl iproute2 procps util-linux tini lld-16
  libnl-route-3-dev libnl-3-dev libnftables-dev nftables
  liblz4-dev libzstd-dev libacl1-dev nettle-dev liblzma-dev libbz2-dev zlib1g-dev libxml2-dev"
test_packages="docker.io python3 python3-docker systemd nodejs skopeo docker-registry zstd openssl
  python3-jwt python3-cryptography podman conmon runc crun clang-14 libclang-rt-14-dev llvm-14"
# Debian's npm, unless an npm is already there (a NodeSource nodejs bundles its own and conflicts
# with Debian's npm package).
command -v npm >/dev/null 2>&1 || test_packages="$test_packages npm"

packages=$build_packages
if [ "${1:-}" = "--test" ]; then packages="$packages $test_packages"; fi

missing=""
for package in $packages; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing="$missing $package"
done
if [ -z "$missing" ]; then
  echo "install-deps: all packages already installed"
  exit 0
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# docker.io's maintainer scripts would start dockerd (and containerd) right away. gocker only needs
# the client, so a policy-rc.d that refuses every service start is in place while apt runs (the
# Debian mechanism invoke-rc.d and deb-systemd-invoke honour); an existing one is left alone.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# installed by gocker scripts/install-deps.sh while apt runs\nexit 101\n' > "$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y -qq --no-install-recommends $missing
