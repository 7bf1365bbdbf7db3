#pragma once
// The seccomp filter flags a profile may name (linux.seccomp.flags): one table for the parser,
// which refuses any other name, and for the compiler, which turns them into seccomp(2) flags.
#include <linux/seccomp.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

namespace gocker::runtime {

inline constexpr std::array<std::pair<std::string_view, uint32_t>, 3> kSeccompFilterFlags{{
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
}};

inline std::optional<uint32_t> seccomp_filter_flag(std::string_view name) {
  for (const auto& [known, value] : kSeccompFilterFlags)
    if (known == name) return value;
  return std::nullopt;
}

}  // namespace gocker::runtime
