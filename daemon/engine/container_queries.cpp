#include <algorithm>

#include "base/strings.hpp"
#include "engine/engine_impl.hpp"
#include "engine/list_filters.hpp"
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

ListedContainer listed(const Container& container) {
  const auto& record = container.record;
  return ListedContainer{record.id,       record.name,       container.paused ? "paused" : record.status,    record.exit_code,
                         record.image_ref, record.image_id,  record.created_at, &container.config.labels};
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
  summary.state = container.paused ? "paused" : record.status;
  summary.status = status_text({record.status, record.exit_code, nanos_or_zero(record.started_at),
                                nanos_or_zero(record.finished_at), container.paused},
                               now_nanos);
  summary.labels = container.config.labels;
  for (const auto& mount : container.mounts) summary.mounts.push_back(mount_point(mount));
  summary.ports = networks_->summary_ports(record.id);
  summary.network_mode = container.host_config.network_mode.empty() ? "default" : container.host_config.network_mode;
  summary.networks = networks_->summary_networks(record.id);
  return summary;
}

Result<std::vector<api::ContainerSummary>> EngineImpl::list_containers(const ListOptions& options) const {
  const int64_t now = now_unix_nanos();
  std::vector<std::pair<std::string, api::ContainerSummary>> rows;
  GOCKER_TRY(validate_list_filters(options.filters));
  // before/since name containers: resolved to their creation times before the registry lock.
  CreationBounds bounds;
  for (const auto& [key, value] : options.filters) {
    if (key != "before" && key != "since") continue;
    auto found = find(value);
    if (!found) return std::move(found).error();
    std::lock_guard lock(found.value()->mutex);
    (key == "before" ? bounds.before : bounds.since) = found.value()->record.created_at;
  }
  const bool filters_show_stopped = list_filters_show_stopped(options.filters);
  {
    std::lock_guard lock(registry_mutex_);
    rows.reserve(containers_.size());
    for (const auto& [id, container] : containers_) {
      std::lock_guard container_lock(container->mutex);
      // As Docker: stopped containers show with all, a limit, or a status/before/since filter; a
      // restarting one counts as running (dockerd keeps State.Running set while it waits).
      const bool shown = options.all || container->is_running() || container->record.status == "restarting" ||
                         options.limit > 0 || filters_show_stopped;
      if (!shown) continue;
      if (!matches_list_filters(listed(*container), options.filters, bounds)) continue;
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
  state.status = container.paused ? "paused" : record.status;
  state.paused = container.paused;
  state.restarting = record.status == "restarting";
  state.running = container.is_running() || state.restarting;  // as dockerd: Running stays set while restarting
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
  for (const auto& mount : container.mounts) inspect.mounts.push_back(mount_point(mount));
  inspect.resolv_conf_path = container.dir + "/resolv.conf";
  inspect.restart_count = record.restart_count;
  inspect.config = container.config;
  inspect.host_config = container.host_config;
  inspect.network_settings = networks_->settings(container.record.id, container.config);
  return inspect;
}

Result<bool> EngineImpl::container_has_tty(const std::string& ref) const {
  auto found = find(ref);
  if (!found) return std::move(found).error();
  return found.value()->config.tty;
}

}  // namespace gocker::engine
