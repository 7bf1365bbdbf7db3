// Debian's python3-docker (docker-py) against gockerd, through tests/support/docker_py_smoke.py.
// Uses /usr/bin/python3 (the Debian interpreter that python3-docker installs into); without it or
// the module the program is skipped (a failure under GOCKER_TEST_STRICT=1).
#include <doctest/doctest.h>
#include <unistd.h>

#include "tests/support/harness.hpp"

using namespace gocker::test;

TEST_CASE("docker-py: ping, version, images, run, containers, logs, stop, remove") {
  const std::string python = "/usr/bin/python3";
  if (::access(python.c_str(), X_OK) != 0) skip_program("no /usr/bin/python3 (install python3-docker)");
  const auto probe = run_command({python, "-c", "import docker"});
  if (probe.exit_code != 0) skip_program("/usr/bin/python3 cannot import docker (install python3-docker): " + probe.err);

  Daemon daemon;
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  CommandOptions options;
  options.env = {{"DOCKER_HOST", daemon.host()}, {"PYTHONDONTWRITEBYTECODE", "1"}};
  options.timeout = 120s;
  const auto result =
      run_command({python, std::string(GOCKER_SOURCE_DIR) + "/tests/support/docker_py_smoke.py"}, options);
  INFO(result.describe());
  CHECK(result.exit_code == 0);
  CHECK(contains(result.out, "docker-py smoke: all checks passed"));
}
