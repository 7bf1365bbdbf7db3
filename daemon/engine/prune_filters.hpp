#pragma once
// The `filters` of POST /images/prune and POST /containers/prune, as plain data (unit-tested),
// with dockerd's meaning (daemon/prune filters in moby):
//   until=<time>          keep what was created after the time: a Go duration before now ("24h",
//                         "1h30m"), an RFC 3339 UTC time ("2026-12-03T10:00:00Z"), a date
//                         ("2026-12-03", UTC) or unix seconds ("1764756000", "1764756000.5")
//   label=<key>[=<value>] prune only what carries every such label
//   label!=<key>[=<value>] keep what carries all of them
//   dangling=true|false   images only: untagged images (the default) or every unused one
// Any other key, a second `until` or a value that does not parse is InvalidArgument in dockerd's
// words ("invalid filter 'x'"), answered 400 before anything is removed.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace gocker::engine {

enum class PruneTarget { Images, Containers };

struct PruneFilters {
  bool dangling_only = true;  // images only
  std::optional<int64_t> until_nanos;
  std::vector<std::string> labels;
  std::vector<std::string> not_labels;
};

Result<PruneFilters> parse_prune_filters(const std::vector<std::pair<std::string, std::string>>& filters,
                                         PruneTarget target, int64_t now_nanos);

// Go's time.ParseDuration ("1h30m", "1.5h", "-10s", "300ms") in nanoseconds; nullopt if malformed.
std::optional<int64_t> parse_go_duration(std::string_view text);

// dockerd's timetypes.GetTimestamp for `until` (the forms listed above), as unix nanoseconds.
std::optional<int64_t> parse_until_time(std::string_view text, int64_t now_nanos);

// Whether something with these labels, created at `created_nanos`, is to be pruned.
bool prune_filters_select(const PruneFilters& filters, const std::map<std::string, std::string>& labels,
                          int64_t created_nanos);

}  // namespace gocker::engine
