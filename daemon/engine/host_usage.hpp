#pragma once
// Host-wide figures docker stats pairs with a container's cgroup counters.
#include <cstdint>

#include "base/result.hpp"

namespace gocker::engine {

// Total CPU time of the host since boot in nanoseconds: the first line of /proc/stat (user, nice,
// system, idle, iowait, irq, softirq), as dockerd's system_cpu_usage. The CLI divides the
// container's cpu delta by this delta.
Result<uint64_t> host_cpu_usage_nanos();

// MemTotal of /proc/meminfo in bytes: the "limit" of a container without a memory limit.
Result<uint64_t> host_memory_bytes();

}  // namespace gocker::engine
