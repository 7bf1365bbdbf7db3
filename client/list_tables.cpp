#include "list_tables.hpp"

#include "format.hpp"

namespace gocker::client {

namespace {

constexpr size_t kCommandWidth = 20;

// "registry:5000/name:tag" -> {"registry:5000/name", "tag"}: the tag is after the last colon
// that follows the last slash.
std::pair<std::string, std::string> split_repo_tag(const std::string& reference) {
  size_t slash = reference.rfind('/');
  size_t colon = reference.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return {reference, "<none>"};
  return {reference.substr(0, colon), reference.substr(colon + 1)};
}

}  // namespace

std::string display_names(const std::vector<std::string>& names) {
  std::string joined;
  for (const auto& name : names) {
    if (!joined.empty()) joined += ',';
    joined += !name.empty() && name.front() == '/' ? name.substr(1) : name;
  }
  return joined;
}

TableRows container_table(const std::vector<api::ContainerSummary>& containers, int64_t now_unix_seconds,
                          bool truncate) {
  TableRows rows{{"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"}};
  for (const auto& container : containers) {
    std::string command = truncate ? ellipsis(container.command, kCommandWidth) : container.command;
    rows.push_back({truncate ? short_id(container.id) : container.id, container.image, go_quote(command),
                    time_ago(container.created, now_unix_seconds), container.status, "",
                    display_names(container.names)});
  }
  return rows;
}

TableRows image_table(const std::vector<api::ImageSummary>& images, int64_t now_unix_seconds, bool truncate) {
  TableRows rows{{"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"}};
  for (const auto& image : images) {
    std::string id = truncate ? short_id(image.id) : image.id;
    std::string created = time_ago(image.created, now_unix_seconds);
    std::string size = human_size(static_cast<double>(image.size));
    if (image.repo_tags.empty()) {
      rows.push_back({"<none>", "<none>", id, created, size});
      continue;
    }
    for (const auto& reference : image.repo_tags) {
      auto [repository, tag] = split_repo_tag(reference);
      rows.push_back({repository, tag, id, created, size});
    }
  }
  return rows;
}

}  // namespace gocker::client
