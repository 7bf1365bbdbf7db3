#include "bench/runtime_cli_bench.hpp"

#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "bench/figures.hpp"
#include "tests/support/process.hpp"

namespace gocker::bench {
namespace {

// A bundle of the built-in busybox rootfs running `true`: the config gocker-runc's `spec` writes,
// without a terminal, in a cgroup of the bench's own.
bool make_bundle(const std::string& dir) {
  std::filesystem::create_directories(dir + "/rootfs");
  if (test::run_command({"tar", "-C", dir + "/rootfs", "-xf", std::string(GOCKER_IMAGE_DIR) + "/busybox-rootfs.tar"}).exit_code != 0)
    return false;
  if (test::run_command({GOCKER_RUNC_BIN, "spec", "-b", dir}).exit_code != 0) return false;
  std::ifstream in(dir + "/config.json");
  auto config = nlohmann::json::parse(in, nullptr, false);
  if (!config.is_object()) return false;
  config["process"]["args"] = {"true"};
  config["process"]["terminal"] = false;
  config["linux"]["cgroupsPath"] = "/gocker-bench-" + std::to_string(::getpid()) + "/runtime";
  std::ofstream(dir + "/config.json") << config.dump();
  return true;
}

void runtime_series(int runs) {
  char pattern[] = "/tmp/gk-bench-bundle.XXXXXX";
  if (::mkdtemp(pattern) == nullptr) return;
  const std::string dir = pattern;
  std::printf("\nthe runtime alone: RUNTIME run of a busybox `true` bundle (no daemon, no network namespace wiring)\n");
  if (!make_bundle(dir)) {
    std::printf("  could not build the bundle in %s\n", dir.c_str());
    std::filesystem::remove_all(dir);
    return;
  }
  std::vector<std::pair<std::string, std::string>> runtimes = {{"gocker-runc", GOCKER_RUNC_BIN}};
  for (const char* name : {"runc", "crun"}) {
    for (const char* directory : {"/usr/sbin/", "/usr/bin/"}) {
      const std::string path = std::string(directory) + name;
      if (::access(path.c_str(), X_OK) != 0) continue;
      runtimes.emplace_back(name, path);
      break;
    }
  }
  std::vector<std::vector<double>> times(runtimes.size());
  std::vector<int> failures(runtimes.size(), 0);
  for (int round = 0; round < runs; ++round) {
    for (size_t index = 0; index < runtimes.size(); ++index) {
      const auto& [name, binary] = runtimes[index];
      const std::string root = dir + "/state-" + name;
      const std::string id = "bench-" + std::to_string(round);
      test::CommandResult result;
      times[index].push_back(time_ms([&] { result = test::run_command({binary, "--root", root, "run", "-b", dir, id}); }));
      if (result.exit_code != 0 && failures[index]++ == 0)
        std::fprintf(stderr, "%s run: %s\n", name.c_str(), result.describe().c_str());
    }
  }
  for (size_t index = 0; index < runtimes.size(); ++index) {
    const std::string label = "  " + runtimes[index].first + " run";
    const std::string failed = failures[index] ? "(" + std::to_string(failures[index]) + " failed)" : "";
    print_series(label.c_str(), times[index], failed.c_str());
  }
  std::filesystem::remove_all(dir);
  // The runtimes remove their containers' cgroups, not the parent the bundle named.
  const std::string parent = "gocker-bench-" + std::to_string(::getpid());
  std::error_code ignored;
  ::rmdir(("/sys/fs/cgroup/" + parent).c_str());
  for (const auto& hierarchy : std::filesystem::directory_iterator("/sys/fs/cgroup", ignored))
    ::rmdir((hierarchy.path() / parent).c_str());
}

bool is_hybrid_cgroup_host() {
  struct statfs unified {};
  return ::statfs("/sys/fs/cgroup/unified", &unified) == 0 && unified.f_type == CGROUP2_SUPER_MAGIC;
}

}  // namespace

// crun 1.8 refuses a hybrid host (v1 controllers plus a cgroup2 mount), so on one the runtimes
// run in a child process with a mount namespace of its own without the cgroup2 mount; all of
// them, so that the figures stay comparable.
void runtime_cli_timings(int runs) {
  if (!is_hybrid_cgroup_host()) {
    runtime_series(runs);
    return;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t child = ::fork();
  if (child < 0) {
    std::perror("gocker-bench: fork for the runtime timings");
    return;
  }
  if (child == 0) {
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::umount2("/sys/fs/cgroup/unified", MNT_DETACH) != 0) {
      std::perror("gocker-bench: a mount namespace without the cgroup2 mount");
      std::fflush(stderr);
      ::_exit(1);
    }
    runtime_series(runs);
    std::fflush(stdout);
    std::fflush(stderr);
    ::_exit(0);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace gocker::bench
