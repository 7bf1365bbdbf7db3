#include "usage_report.hpp"

#include <utility>
#include <vector>

#include "format.hpp"

namespace gocker::client {
namespace {

using nlohmann::json;

// A field of an object that may be absent, null or of another type (a daemon's answer).
int64_t integer(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->get<int64_t>() : 0;
}

std::string text(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json& list(const json& object, const char* key) {
  static const json kEmpty = json::array();
  auto it = object.find(key);
  return it != object.end() && it->is_array() ? *it : kEmpty;
}

std::string size(int64_t bytes) { return human_size(static_cast<double>(bytes)); }

// "1.2MB (70%)", the percentage left out when there is nothing at all (as the docker CLI).
std::string reclaimable(int64_t bytes, int64_t total) {
  if (total <= 0) return size(bytes);
  return size(bytes) + " (" + std::to_string(bytes * 100 / total) + "%)";
}

bool is_active_container(const json& container) {
  const std::string state = text(container, "State");
  return state == "running" || state == "paused" || state == "restarting";
}

std::vector<std::string> image_row(const json& image, int64_t now) {
  // Only the first tag, as the docker CLI's df does; "<none>" for an untagged image.
  std::string repository = "<none>";
  std::string tag = "<none>";
  const json& tags = list(image, "RepoTags");
  if (!tags.empty() && tags[0].is_string()) {
    const std::string name = tags[0].get<std::string>();
    const size_t colon = name.rfind(':');
    if (colon != std::string::npos && name.find('/', colon) == std::string::npos) {
      repository = name.substr(0, colon);
      tag = name.substr(colon + 1);
    }
  }
  const int64_t image_size = integer(image, "Size");
  const int64_t shared = integer(image, "SharedSize");
  return {repository,
          tag,
          short_id(text(image, "Id")),
          time_ago(integer(image, "Created"), now),
          size(image_size),
          size(shared),
          size(image_size - shared),
          std::to_string(integer(image, "Containers"))};
}

std::vector<std::string> container_row(const json& container, int64_t now) {
  int volumes = 0;
  for (const auto& mount : list(container, "Mounts"))
    if (mount.is_object() && text(mount, "Type") == "volume") ++volumes;
  std::string name;
  const json& names = list(container, "Names");
  if (!names.empty() && names[0].is_string()) name = names[0].get<std::string>();
  if (!name.empty() && name[0] == '/') name.erase(0, 1);
  return {short_id(text(container, "Id")),
          text(container, "Image"),
          go_quote(ellipsis(text(container, "Command"), 20)),
          std::to_string(volumes),
          size(integer(container, "SizeRw")),
          time_ago(integer(container, "Created"), now),
          text(container, "Status"),
          name};
}

const json& usage_data(const json& volume) {
  static const json kEmpty = json::object();
  auto it = volume.find("UsageData");
  return it != volume.end() && it->is_object() ? *it : kEmpty;
}

}  // namespace

std::string prune_section(const json& report) {
  if (!report.is_object()) return "";
  std::string out;
  if (const json& images = list(report, "ImagesDeleted"); !images.empty()) {
    out = "Deleted Images:\n";
    for (const auto& item : images) {
      if (!item.is_object()) continue;
      if (!text(item, "Untagged").empty()) out += "untagged: " + text(item, "Untagged") + "\n";
      else out += "deleted: " + text(item, "Deleted") + "\n";
    }
    return out;
  }
  static constexpr std::pair<const char*, const char*> kSections[] = {{"ContainersDeleted", "Deleted Containers:\n"},
                                                                      {"VolumesDeleted", "Deleted Volumes:\n"},
                                                                      {"NetworksDeleted", "Deleted Networks:\n"}};
  for (const auto& [key, heading] : kSections) {
    const json& names = list(report, key);
    if (names.empty()) continue;
    out = heading;
    for (const auto& name : names)
      if (name.is_string()) out += name.get<std::string>() + "\n";
    return out;
  }
  return out;
}

std::string disk_usage_table(const json& usage) {
  const int64_t layers_size = integer(usage, "LayersSize");
  int active_images = 0;
  int64_t used_by_containers = 0;
  for (const auto& image : list(usage, "Images")) {
    if (integer(image, "Containers") == 0) continue;
    ++active_images;
    // A layer shared with another image stays whatever happens to this one.
    if (integer(image, "Size") >= 0 && integer(image, "SharedSize") >= 0)
      used_by_containers += integer(image, "Size") - integer(image, "SharedSize");
  }

  int active_containers = 0;
  int64_t containers_size = 0;
  int64_t stopped_size = 0;
  for (const auto& container : list(usage, "Containers")) {
    const int64_t written = integer(container, "SizeRw");
    containers_size += written;
    if (is_active_container(container)) ++active_containers;
    else stopped_size += written;
  }

  int active_volumes = 0;
  int64_t volumes_size = 0;
  int64_t unused_volumes_size = 0;
  for (const auto& volume : list(usage, "Volumes")) {
    const int64_t held = integer(usage_data(volume), "Size");
    if (held < 0) continue;  // -1: not computed
    volumes_size += held;
    if (integer(usage_data(volume), "RefCount") > 0) ++active_volumes;
    else unused_volumes_size += held;
  }

  std::vector<std::vector<std::string>> rows{{"TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"}};
  rows.push_back({"Images", std::to_string(list(usage, "Images").size()), std::to_string(active_images), size(layers_size),
                  reclaimable(layers_size - used_by_containers, layers_size)});
  rows.push_back({"Containers", std::to_string(list(usage, "Containers").size()), std::to_string(active_containers),
                  size(containers_size), reclaimable(stopped_size, containers_size)});
  rows.push_back({"Local Volumes", std::to_string(list(usage, "Volumes").size()), std::to_string(active_volumes),
                  size(volumes_size), reclaimable(unused_volumes_size, volumes_size)});
  rows.push_back({"Build Cache", "0", "0", size(0), size(0)});
  return format_table(rows);
}

std::string disk_usage_verbose(const json& usage, int64_t now) {
  std::vector<std::vector<std::string>> images{
      {"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS"}};
  for (const auto& image : list(usage, "Images")) images.push_back(image_row(image, now));

  std::vector<std::vector<std::string>> containers{
      {"CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS", "NAMES"}};
  for (const auto& container : list(usage, "Containers")) containers.push_back(container_row(container, now));

  std::vector<std::vector<std::string>> volumes{{"VOLUME NAME", "LINKS", "SIZE"}};
  for (const auto& volume : list(usage, "Volumes")) {
    const json& data = usage_data(volume);
    volumes.push_back({text(volume, "Name"), std::to_string(integer(data, "RefCount")),
                       integer(data, "Size") < 0 ? "N/A" : size(integer(data, "Size"))});
  }

  return "Images space usage:\n\n" + format_table(images) + "\nContainers space usage:\n\n" + format_table(containers) +
         "\nLocal Volumes space usage:\n\n" + format_table(volumes) + "\nBuild cache usage: 0B\n\n" +
         format_table({{"CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE", "SHARED"}});
}

}  // namespace gocker::client
