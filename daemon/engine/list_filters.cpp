#include "engine/list_filters.hpp"

#include <algorithm>
#include <charconv>
#include <regex>
#include <string_view>

#include "base/strings.hpp"

namespace gocker::engine {
namespace {

constexpr std::string_view kKnownKeys[] = {"ancestor", "before", "expose", "exited", "health", "id", "isolation",
                                           "is-task", "label", "name", "network", "publish", "since", "status",
                                           "volume"};
constexpr std::string_view kStatuses[] = {"created", "restarting", "running", "removing", "paused", "exited", "dead"};

bool is_integer(std::string_view text) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && error == std::errc{} && end == text.data() + text.size();
}

// Docker matches names as Go regexps against "/name"; a pattern that is not a valid regexp
// falls back to a plain substring search rather than failing the whole listing.
bool name_matches(const std::string& name, const std::string& pattern) {
  const std::string slashed = "/" + name;
  try {
    return std::regex_search(slashed, std::regex(pattern, std::regex::ECMAScript));
  } catch (const std::regex_error&) {
    return slashed.find(pattern) != std::string::npos;
  }
}

// "busybox" and "busybox:latest" name the same image.
std::string with_default_tag(const std::string& reference) {
  const size_t slash = reference.rfind('/');
  const size_t colon = reference.rfind(':');
  if (reference.find('@') != std::string::npos) return reference;
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return reference + ":latest";
  return reference;
}

bool ancestor_matches(const ListedContainer& container, const std::string& wanted) {
  if (with_default_tag(container.image_ref) == with_default_tag(wanted)) return true;
  std::string id = container.image_id;
  if (starts_with(id, "sha256:") && !starts_with(wanted, "sha256:")) id = id.substr(7);
  return wanted.size() >= 4 && starts_with(id, wanted);
}

bool label_matches(const ListedContainer& container, const std::string& wanted) {
  if (container.labels == nullptr) return false;
  const size_t equals = wanted.find('=');
  auto label = container.labels->find(wanted.substr(0, equals));
  if (label == container.labels->end()) return false;
  return equals == std::string::npos || label->second == wanted.substr(equals + 1);
}

bool matches_one(const ListedContainer& container, const std::string& key, const std::string& value) {
  if (key == "id") return starts_with(container.id, value);
  if (key == "name") return name_matches(container.name, value);
  if (key == "status") return container.status == value;
  if (key == "exited") return container.status == "exited" && std::to_string(container.exit_code) == value;
  if (key == "label") return label_matches(container, value);
  if (key == "ancestor") return ancestor_matches(container, value);
  // before/since are applied through CreationBounds; the keys gocker has nothing for (network,
  // volume, health...) match no container.
  return key == "before" || key == "since";
}

}  // namespace

Status validate_list_filters(const ListFilters& filters) {
  for (const auto& [key, value] : filters) {
    if (std::find(std::begin(kKnownKeys), std::end(kKnownKeys), key) == std::end(kKnownKeys))
      return Error::invalid("invalid filter '" + key + "'");
    if (key == "status" && std::find(std::begin(kStatuses), std::end(kStatuses), value) == std::end(kStatuses))
      return Error::invalid("invalid filter 'status=" + value + "'");
    if (key == "exited" && !is_integer(value)) return Error::invalid("invalid filter 'exited=" + value + "'");
  }
  return ok();
}

bool matches_list_filters(const ListedContainer& container, const ListFilters& filters, const CreationBounds& bounds) {
  if (bounds.before && !(container.created_at < *bounds.before)) return false;
  if (bounds.since && !(container.created_at > *bounds.since)) return false;
  std::vector<std::string> keys;
  for (const auto& filter : filters)
    if (std::find(keys.begin(), keys.end(), filter.first) == keys.end()) keys.push_back(filter.first);
  for (const auto& key : keys) {
    bool any = false;
    for (const auto& [filter_key, value] : filters)
      if (filter_key == key && matches_one(container, key, value)) any = true;
    if (!any) return false;
  }
  return true;
}

bool list_filters_show_stopped(const ListFilters& filters) {
  return std::any_of(filters.begin(), filters.end(), [](const auto& filter) {
    return filter.first == "status" || filter.first == "before" || filter.first == "since";
  });
}

}  // namespace gocker::engine
