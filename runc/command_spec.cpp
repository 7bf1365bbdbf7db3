// spec (a starting config.json) and features (runtime-spec features.md: what this runtime carries
// out, for engines that ask before they create).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "base/unique_fd.hpp"
#include "cli.hpp"
#include "logging.hpp"
#include "runtime/file_util.hpp"

namespace gocker::runc {
namespace {

using nlohmann::json;

json default_capabilities() {
  // The set Docker and runc give a default container.
  return json::array({"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"});
}

json mount(const char* destination, const char* type, const char* source, std::initializer_list<const char*> options) {
  json entry = {{"destination", destination}, {"type", type}, {"source", source}};
  entry["options"] = json::array();
  for (const char* option : options) entry["options"].push_back(option);
  return entry;
}

// An interactive shell in ./rootfs with its own namespaces, the usual pseudo-filesystems and the
// masked and read-only paths every runtime applies by default.
json default_spec() {
  json capabilities = default_capabilities();
  json spec = {
      {"ociVersion", "1.1.0"},
      {"process",
       {{"terminal", true},
        {"user", {{"uid", 0}, {"gid", 0}}},
        {"args", {"sh"}},
        {"env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
        {"cwd", "/"},
        {"capabilities",
         {{"bounding", capabilities}, {"effective", capabilities}, {"permitted", capabilities}, {"ambient", capabilities}}},
        {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}}},
        {"noNewPrivileges", true}}},
      {"root", {{"path", "rootfs"}, {"readonly", true}}},
      {"hostname", "gocker-runc"},
      {"mounts",
       {mount("/proc", "proc", "proc", {}),
        mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
        mount("/dev/pts", "devpts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
        mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
        mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
        mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"})}},
      {"linux",
       {{"resources", {{"devices", {{{"allow", false}, {"access", "rwm"}}}}}},
        {"namespaces",
         {{{"type", "pid"}}, {{"type", "network"}}, {{"type", "ipc"}}, {{"type", "uts"}}, {{"type", "mount"}},
          {{"type", "cgroup"}}}},
        {"maskedPaths",
         {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
          "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"}},
        {"readonlyPaths",
         {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}}}}};
  return spec;
}

}  // namespace

int run_spec(const std::string& bundle, bool rootless) {
  if (rootless) return fail("gocker-runc spec: --rootless is not supported");
  std::string path = (bundle.empty() ? std::string(".") : bundle) + "/config.json";
  struct stat existing {};
  if (::stat(path.c_str(), &existing) == 0) return fail("File " + path + " exists. Remove it first");
  std::string text = default_spec().dump(1, '\t') + "\n";
  gocker::UniqueFd fd{::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666)};
  if (!fd) return fail("open " + path + ": " + std::strerror(errno));
  if (auto written = runtime::write_all(fd.get(), text, "write " + path); !written) return fail(written.error().message);
  return 0;
}

int run_features() {
  json features = {
      {"ociVersionMin", "1.0.0"},
      {"ociVersionMax", "1.1.0"},
      {"hooks", {"prestart", "createRuntime", "poststart", "poststop"}},
      {"mountOptions",
       {"async", "atime", "bind", "dev", "diratime", "dirsync", "exec", "mand", "noatime", "nodev", "nodiratime",
        "noexec", "nomand", "norelatime", "nostrictatime", "nosuid", "private", "rbind", "relatime", "remount", "ro",
        "rprivate", "rshared", "rslave", "runbindable", "rw", "shared", "slave", "strictatime", "suid", "sync",
        "unbindable"}},
      {"linux",
       {{"namespaces", {"cgroup", "ipc", "mount", "network", "pid", "uts"}},
        {"cgroup", {{"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}}}}},
      {"annotations", {{"org.gocker.runc.version", GOCKER_VERSION}}}};
  (void)runtime::write_all(1, features.dump(4) + "\n", "write features");
  return 0;
}

}  // namespace gocker::runc
