#include "runtime/security/capabilities.hpp"

#include <fcntl.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "base/unique_fd.hpp"

namespace gocker::runtime {
namespace {

struct CapDeleter {
  void operator()(cap_t caps) const { ::cap_free(caps); }
};
using CapState = std::unique_ptr<std::remove_pointer_t<cap_t>, CapDeleter>;

bool contains(const std::vector<int>& set, int capability) {
  return std::find(set.begin(), set.end(), capability) != set.end();
}

// cap_max_bits(): the number of capabilities the running kernel has (cap_last_cap + 1).
int kernel_capability_count() { return static_cast<int>(::cap_max_bits()); }

std::vector<cap_value_t> known_to_kernel(const std::vector<int>& set) {
  std::vector<cap_value_t> values;
  for (int capability : set)
    if (capability >= 0 && capability < kernel_capability_count()) values.push_back(capability);
  return values;
}

Status set_flag(cap_t state, cap_flag_t flag, const std::vector<int>& set) {
  std::vector<cap_value_t> values = known_to_kernel(set);
  if (values.empty()) return ok();
  if (::cap_set_flag(state, flag, static_cast<int>(values.size()), values.data(), CAP_SET) != 0) {
    return Error::from_errno(errno, "cap_set_flag");
  }
  return ok();
}

// The first capability of `sets` outside the bounding set, to name it when capset refuses.
std::string first_unavailable(const CapabilitySets& sets) {
  for (const auto* set : {&sets.permitted, &sets.effective, &sets.inheritable}) {
    for (int capability : known_to_kernel(*set)) {
      if (::cap_get_bound(static_cast<cap_value_t>(capability)) != 1) return capability_name(capability);
    }
  }
  return {};
}

// The bounding set as /proc/self/status's CapBnd mask: one read instead of a PR_CAPBSET_READ per
// capability (dozens of syscalls in every container start). Empty when /proc cannot say.
std::optional<uint64_t> read_bounding_mask() {
  UniqueFd status{::open("/proc/self/status", O_RDONLY | O_CLOEXEC)};
  if (!status) return std::nullopt;
  char buffer[4096];
  ssize_t length = ::read(status.get(), buffer, sizeof buffer - 1);
  if (length <= 0) return std::nullopt;
  std::string_view text(buffer, static_cast<size_t>(length));
  size_t at = text.find("\nCapBnd:");
  if (at == std::string_view::npos) return std::nullopt;
  at = text.find_first_not_of(" \t", at + 8);
  if (at == std::string_view::npos) return std::nullopt;
  uint64_t mask = 0;
  auto [end, error] = std::from_chars(text.data() + at, text.data() + text.size(), mask, 16);
  if (error != std::errc{} || end == text.data() + at) return std::nullopt;
  return mask;
}

}  // namespace

Status drop_bounding_set(const CapabilitySets& sets) {
  const std::optional<uint64_t> bounding = read_bounding_mask();
  for (int capability = 0; capability < kernel_capability_count(); ++capability) {
    if (contains(sets.bounding, capability)) continue;
    const bool held = bounding ? (capability < 64 && ((*bounding >> capability) & 1) != 0)
                               : ::cap_get_bound(static_cast<cap_value_t>(capability)) == 1;
    if (!held) continue;  // already gone
    if (::cap_drop_bound(static_cast<cap_value_t>(capability)) != 0) {
      return Error::from_errno(errno, "drop " + capability_name(capability) + " from the bounding set");
    }
  }
  return ok();
}

Status keep_capabilities_across_setuid(bool keep) {
  if (::prctl(PR_SET_KEEPCAPS, keep ? 1 : 0, 0, 0, 0) != 0) return Error::from_errno(errno, "prctl(PR_SET_KEEPCAPS)");
  return ok();
}

Status apply_capability_sets(const CapabilitySets& sets) {
  GOCKER_TRY(keep_capabilities_across_setuid(false));
  CapState state{::cap_init()};
  if (!state) return Error::from_errno(errno, "cap_init");
  GOCKER_TRY(set_flag(state.get(), CAP_EFFECTIVE, sets.effective));
  GOCKER_TRY(set_flag(state.get(), CAP_PERMITTED, sets.permitted));
  GOCKER_TRY(set_flag(state.get(), CAP_INHERITABLE, sets.inheritable));
  if (::cap_set_proc(state.get()) != 0) {
    int saved = errno;
    std::string missing = first_unavailable(sets);
    Error error = Error::from_errno(saved, "set capabilities");
    if (!missing.empty()) error.message += " (" + missing + " is not in this process's bounding set)";
    return error;
  }
  // One prctl; libcap's cap_reset_ambient() first probes every capability with
  // PR_CAP_AMBIENT_IS_SET (41 syscalls per start).
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
    return Error::from_errno(errno, "clear ambient capabilities");
  // The kernel raises an ambient capability only when it is permitted and inheritable too. runc's
  // own `spec` lists ambient ones that are not inheritable, and runc starts such configs: as it
  // does, the ones the kernel refuses are left out rather than failing the start.
  for (cap_value_t capability : known_to_kernel(sets.ambient)) {
    if (!contains(sets.permitted, capability) || !contains(sets.inheritable, capability)) continue;
    if (::cap_set_ambient(capability, CAP_SET) != 0) {
      return Error::from_errno(errno, "raise ambient " + capability_name(capability));
    }
  }
  return ok();
}

std::vector<int> bounding_capabilities() {
  std::vector<int> capabilities;
  for (int capability = 0; capability < kernel_capability_count(); ++capability) {
    if (::cap_get_bound(static_cast<cap_value_t>(capability)) == 1) capabilities.push_back(capability);
  }
  return capabilities;
}

}  // namespace gocker::runtime
