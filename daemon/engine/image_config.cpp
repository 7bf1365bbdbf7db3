#include "engine/image_config.hpp"

#include <algorithm>

#include "engine/time_format.hpp"

namespace gocker::engine {
namespace {

std::string string_field(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t unix_seconds(const std::string& rfc3339) {
  auto nanos = parse_rfc3339_nanos(rfc3339);
  return nanos ? *nanos / 1'000'000'000 : 0;
}

}  // namespace

const char* image_architecture() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__i386__)
  return "386";
#elif defined(__arm__)
  return "arm";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "ppc64le";
#elif defined(__s390x__)
  return "s390x";
#else
  return "unknown";
#endif
}

nlohmann::json committed_defaults(const nlohmann::json& parent_defaults, const api::ContainerConfig& container) {
  nlohmann::json defaults = parent_defaults.is_object() ? parent_defaults : nlohmann::json::object();
  defaults["Env"] = container.env;
  defaults["Cmd"] = container.cmd.empty() ? nlohmann::json(nullptr) : nlohmann::json(container.cmd);
  defaults["Entrypoint"] = container.entrypoint && !container.entrypoint->empty() ? nlohmann::json(*container.entrypoint)
                                                                                  : nlohmann::json(nullptr);
  defaults["WorkingDir"] = container.working_dir;
  defaults["User"] = container.user;
  defaults["Labels"] = container.labels.empty() ? nlohmann::json(nullptr) : nlohmann::json(container.labels);
  if (!container.stop_signal.empty()) defaults["StopSignal"] = container.stop_signal;
  return defaults;
}

nlohmann::json derive_image_config(const nlohmann::json& parent, nlohmann::json defaults, const NewLayerInfo& layer) {
  nlohmann::json diff_ids = nlohmann::json::array();
  nlohmann::json history = nlohmann::json::array();
  if (parent.is_object()) {
    if (auto rootfs = parent.find("rootfs"); rootfs != parent.end() && rootfs->is_object()) {
      if (auto ids = rootfs->find("diff_ids"); ids != rootfs->end() && ids->is_array()) diff_ids = *ids;
    }
    if (auto old = parent.find("history"); old != parent.end() && old->is_array()) history = *old;
  }
  if (!layer.empty_layer) diff_ids.push_back(layer.diff_id);
  nlohmann::json entry{{"created", layer.created}, {"created_by", layer.created_by}};
  if (!layer.author.empty()) entry["author"] = layer.author;
  if (!layer.comment.empty()) entry["comment"] = layer.comment;
  if (layer.empty_layer) entry["empty_layer"] = true;
  history.push_back(std::move(entry));

  nlohmann::json config{
      {"architecture", parent.is_object() && parent.contains("architecture") ? parent["architecture"]
                                                                             : nlohmann::json(image_architecture())},
      {"os", "linux"},
      {"created", layer.created},
      {"config", defaults.is_object() ? std::move(defaults) : nlohmann::json::object()},
      {"rootfs", {{"type", "layers"}, {"diff_ids", std::move(diff_ids)}}},
      {"history", std::move(history)},
  };
  if (!layer.author.empty()) config["author"] = layer.author;
  if (!layer.comment.empty()) config["comment"] = layer.comment;
  if (!layer.container_id.empty()) config["container"] = layer.container_id;
  return config;
}

std::vector<api::ImageHistoryItem> image_history(const nlohmann::json& config, const std::string& image_id,
                                                 const std::vector<std::string>& tags,
                                                 const std::vector<int64_t>& layer_sizes) {
  std::vector<api::ImageHistoryItem> rows;
  size_t layer = 0;
  if (config.is_object()) {
    if (auto history = config.find("history"); history != config.end() && history->is_array()) {
      for (const auto& entry : *history) {
        if (!entry.is_object()) continue;
        api::ImageHistoryItem row;
        row.id = "<missing>";
        row.created = unix_seconds(string_field(entry, "created"));
        row.created_by = string_field(entry, "created_by");
        row.comment = string_field(entry, "comment");
        auto empty = entry.find("empty_layer");
        if (!(empty != entry.end() && empty->is_boolean() && empty->get<bool>())) {
          if (layer < layer_sizes.size()) row.size = layer_sizes[layer];
          ++layer;
        }
        rows.push_back(std::move(row));
      }
    }
  }
  // An image without history (written by other tools) still shows one row per layer.
  for (; layer < layer_sizes.size(); ++layer) {
    api::ImageHistoryItem row;
    row.id = "<missing>";
    row.created = unix_seconds(string_field(config, "created"));
    row.size = layer_sizes[layer];
    rows.push_back(std::move(row));
  }
  std::reverse(rows.begin(), rows.end());
  if (!rows.empty()) {
    rows.front().id = image_id;
    rows.front().tags = tags;
  }
  return rows;
}

}  // namespace gocker::engine
