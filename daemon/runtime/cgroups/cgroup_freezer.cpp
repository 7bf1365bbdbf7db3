// Pause and unpause: the v1 freezer controller and v2's cgroup.freeze.
//
// v1: writing FROZEN to freezer.state starts freezing; the state reads FREEZING until every task
// has stopped (a task in an uninterruptible sleep delays it). There is no change notification for
// freezer.state, so the write is retried and the state re-read, boundedly, as runc does; if the
// cgroup will not freeze, it is thawed again and the pause fails (a half-frozen container is worse
// than a running one).
// v2: writing 1 to cgroup.freeze starts freezing; cgroup.events' "frozen" key becomes 1 when done,
// and the kernel signals a modification of cgroup.events to inotify/poll watchers
// (Documentation/admin-guide/cgroup-v2.rst, "cgroup.events"), so we wait for that event.
#include <poll.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "base/strings.hpp"
#include "base/unique_fd.hpp"
#include "runtime/cgroups/cgroup_plan.hpp"
#include "runtime/cgroups/cgroup_resources.hpp"

namespace gocker::runtime {

namespace {

constexpr int kV1FreezeAttempts = 1000;

void pause_briefly() {
  // 1 ms between v1 freeze attempts: the kernel offers nothing to wait on (see above).
  struct timespec delay {0, 1'000'000};
  while (::nanosleep(&delay, &delay) != 0 && errno == EINTR) {
  }
}

Result<std::string> read_freezer_state(const std::string& dir) {
  auto state = read_cgroup_file(dir + "/freezer.state");
  if (!state) return std::move(state).error();
  return trim(*state);
}

}  // namespace

Status set_cgroup_v1_frozen(const std::string& freezer_dir, bool frozen) {
  const char* wanted = frozen ? "FROZEN" : "THAWED";
  for (int attempt = 0; attempt < kV1FreezeAttempts; ++attempt) {
    GOCKER_TRY(write_cgroup_file(freezer_dir + "/freezer.state", wanted));
    auto state = read_freezer_state(freezer_dir);
    if (!state) return std::move(state).error();
    if (*state == wanted) return ok();
    pause_briefly();
  }
  // Give up: never leave the cgroup stuck in FREEZING.
  (void)write_cgroup_file(freezer_dir + "/freezer.state", "THAWED");
  return Error::unavailable(std::string("cgroup ") + gocker::quoted(freezer_dir) + " did not reach " + wanted);
}

Result<bool> cgroup_v1_frozen(const std::string& freezer_dir) {
  auto state = read_freezer_state(freezer_dir);
  if (!state) return std::move(state).error();
  return *state != "THAWED";
}

Result<bool> cgroup_v2_frozen(const std::string& dir) {
  auto asked = read_cgroup_file(dir + "/cgroup.freeze");
  if (!asked) return std::move(asked).error();
  return trim(*asked) == "1";
}

Status set_cgroup_v2_frozen(const std::string& dir, bool frozen, std::chrono::milliseconds timeout) {
  const std::string events_path = dir + "/cgroup.events";
  const std::string what = std::string(frozen ? "freeze" : "thaw") + " cgroup " + gocker::quoted(dir);
  // The watch is in place before the write, so the change cannot slip between write and wait.
  int raw_fd = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (raw_fd < 0) return Error::from_errno(errno, what + ": inotify_init1");
  UniqueFd inotify{raw_fd};
  if (::inotify_add_watch(inotify.get(), events_path.c_str(), IN_MODIFY) < 0) {
    return Error::from_errno(errno, what + ": watch " + gocker::quoted(events_path));
  }
  Status written = write_cgroup_file(dir + "/cgroup.freeze", frozen ? "1" : "0");
  if (!written) return std::move(written).error().context(what);

  const uint64_t wanted = frozen ? 1 : 0;
  struct timespec start {};
  ::clock_gettime(CLOCK_MONOTONIC, &start);
  while (true) {
    auto events = read_cgroup_file(events_path);
    if (!events) return std::move(events).error().context(what);
    // An empty read is a writer caught between truncate and write (only a test fixture does
    // that; the kernel replaces the content at once): the next modification event follows.
    if (!trim(*events).empty()) {
      auto state = parse_keyed_value(*events, "frozen");
      if (!state) return std::move(state).error().context(what + ": " + gocker::quoted(events_path) + " (Linux 5.2+)");
      if (*state == wanted) return ok();
    }

    struct timespec now {};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const int64_t elapsed_ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1'000'000;
    const int64_t remaining_ms = timeout.count() - elapsed_ms;
    if (remaining_ms <= 0) {
      if (frozen) (void)write_cgroup_file(dir + "/cgroup.freeze", "0");
      return Error::unavailable(what + ": cgroup.events did not report frozen " + std::to_string(wanted) + " within " +
                                std::to_string(timeout.count()) + " ms");
    }
    struct pollfd watched {inotify.get(), POLLIN, 0};
    int ready = ::poll(&watched, 1, static_cast<int>(remaining_ms));
    if (ready < 0 && errno != EINTR) return Error::from_errno(errno, what + ": poll inotify");
    // Drain the queued events; the loop re-reads the file whatever they were.
    char buffer[4096];
    while (::read(inotify.get(), buffer, sizeof buffer) > 0) {
    }
  }
}

}  // namespace gocker::runtime
