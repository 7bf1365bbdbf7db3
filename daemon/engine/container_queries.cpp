#include <algorithm>

#include "base/strings.hpp"
#include "engine/engine_impl.hpp"
#include "engine/oci_config.hpp"
#include "engine/status_text.hpp"
#include "engine/time_format.hpp"

namespace gocker::engine {
namespace {

int64_t nanos_or_zero(const std::string& timestamp) {
  if (timestamp.empty()) return 0;
  return parse_rfc3339_nanos(timestamp).value_or(0);
}

std::string join_command(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& arg : args) {
    if (!out.empty()) out += ' ';
    out += arg;
  }
  return out;
}

// Docker's list filters: id (prefix), name (substring), status, label (key or key=value), exited.
bool matches_filters(const Container& container, const ListOptions& options) {
  const auto& record = container.record;
  std::map<std::string, std::vector<std::string>> by_key;
  for (const auto& [key, value] : options.filters) by_key[key].push_back(value);
  for (const auto& [key, values] : by_key) {
    auto any = [&](auto predicate) { return std::any_of(values.begin(), values.end(), predicate); };
    bool matched = true;
    if (key == "id") matched = any([&](const std::string& v) { return starts_with(record.id, v); });
    else if (key == "name") matched = any([&](const std::string& v) {
      std::string wanted = !v.empty() && v[0] == '/' ? v.substr(1) : v;
      return record.name.find(wanted) != std::string::npos;
    });
    else if (key == "status") matched = any([&](const std::string& v) { return record.status == v; });
    else if (key == "exited") matched = record.status == "exited" &&
                                       any([&](const std::string& v) { return std::to_string(record.exit_code) == v; });
    else if (key == "label") matched = any([&](const std::string& v) {
      auto equals = v.find('=');
      auto label = container.config.labels.find(v.substr(0, equals));
      if (label == container.config.labels.end()) return false;
      return equals == std::string::npos || label->second == v.substr(equals + 1);
    });
    else if (key == "ancestor") matched = any([&](const std::string& v) { return record.image_ref == v || starts_with(record.image_id, v); });
    if (!matched) return false;
  }
  return true;
}

}  // namespace

api::ContainerSummary EngineImpl::summarize(const Container& container, int64_t now_nanos) const {
  const auto& record = container.record;
  api::ContainerSummary summary;
  summary.id = record.id;
  summary.names = {"/" + record.name};
  summary.image = record.image_ref;
  summary.image_id = record.image_id;
  summary.command = join_command(process_args(container.config));
  summary.created = nanos_or_zero(record.created_at) / 1'000'000'000;
  summary.state = record.status;
  summary.status = status_text({record.status, record.exit_code, nanos_or_zero(record.started_at),
                                nanos_or_zero(record.finished_at)},
                               now_nanos);
  summary.labels = container.config.labels;
  return summary;
}

Result<std::vector<api::ContainerSummary>> EngineImpl::list_containers(const ListOptions& options) const {
  const int64_t now = now_unix_nanos();
  std::vector<std::pair<std::string, api::ContainerSummary>> rows;
  const bool has_status_filter = std::any_of(options.filters.begin(), options.filters.end(),
                                             [](const auto& filter) { return filter.first == "status"; });
  {
    std::lock_guard lock(registry_mutex_);
    rows.reserve(containers_.size());
    for (const auto& [id, container] : containers_) {
      std::lock_guard container_lock(container->mutex);
      // As Docker: stopped containers show with all, a limit, or a status filter.
      const bool shown = options.all || container->is_running() || options.limit > 0 || has_status_filter;
      if (!shown) continue;
      if (!matches_filters(*container, options)) continue;
      rows.emplace_back(container->record.created_at, summarize(*container, now));
    }
  }
  // Newest first, as Docker lists them (RFC 3339 UTC timestamps sort as strings).
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<api::ContainerSummary> out;
  out.reserve(rows.size());
  for (auto& row : rows) {
    if (options.limit > 0 && static_cast<int>(out.size()) >= options.limit) break;
    out.push_back(std::move(row.second));
  }
  return out;
}

Result<api::ContainerInspect> EngineImpl::inspect_container(const std::string& ref) const {
  auto found = find(ref);
  if (!found) return std::move(found).error();
  const auto& container = *found.value();
  std::lock_guard lock(container.mutex);
  const auto& record = container.record;
  api::ContainerInspect inspect;
  inspect.id = record.id;
  inspect.created = record.created_at;
  auto args = process_args(container.config);
  if (!args.empty()) {
    inspect.path = args.front();
    inspect.args.assign(args.begin() + 1, args.end());
  }
  auto& state = inspect.state;
  state.status = record.status;
  state.running = container.is_running();
  state.dead = record.status == "dead";
  state.oom_killed = record.oom_killed;
  state.pid = container.is_running() ? record.pid : 0;
  state.exit_code = record.exit_code;
  state.error = record.error;
  state.started_at = record.started_at.empty() ? kZeroTime : record.started_at;
  state.finished_at = record.finished_at.empty() ? kZeroTime : record.finished_at;
  inspect.image = record.image_id;
  inspect.name = "/" + record.name;
  inspect.log_path = container.log_path();
  inspect.hostname_path = container.dir + "/hostname";
  inspect.hosts_path = container.dir + "/hosts";
  inspect.resolv_conf_path = container.dir + "/resolv.conf";
  inspect.restart_count = record.restart_count;
  inspect.config = container.config;
  inspect.host_config = container.host_config;
  return inspect;
}

Result<bool> EngineImpl::container_has_tty(const std::string& ref) const {
  auto found = find(ref);
  if (!found) return std::move(found).error();
  return found.value()->config.tty;
}

}  // namespace gocker::engine
