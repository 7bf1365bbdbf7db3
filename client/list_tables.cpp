#include "list_tables.hpp"

#include <ctime>

#include "format.hpp"
#include "inspect_format.hpp"

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

// Go's time.Time.String() of a unix time in the local zone: "2024-05-07 20:33:45 +0000 UTC".
std::string go_local_time(int64_t unix_seconds) {
  const time_t seconds = static_cast<time_t>(unix_seconds);
  tm local{};
  if (localtime_r(&seconds, &local) == nullptr) return std::to_string(unix_seconds);
  char buffer[80];
  if (std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S %z %Z", &local) == 0) return std::to_string(unix_seconds);
  return buffer;
}

std::string joined_labels(const std::map<std::string, std::string>& labels) {
  std::string out;
  for (const auto& [key, value] : labels) {
    if (!out.empty()) out += ',';
    out += key + "=" + value;
  }
  return out;
}

// The column titles docker's ps prints for each field in a "table" format.
const nlohmann::ordered_json& container_headers() {
  static const nlohmann::ordered_json headers = {
      {"Command", "COMMAND"}, {"CreatedAt", "CREATED AT"}, {"ID", "CONTAINER ID"},
      {"Image", "IMAGE"},     {"Labels", "LABELS"},        {"LocalVolumes", "LOCAL VOLUMES"},
      {"Mounts", "MOUNTS"},   {"Names", "NAMES"},          {"Networks", "NETWORKS"},
      {"Ports", "PORTS"},     {"RunningFor", "CREATED"},   {"Size", "SIZE"},
      {"State", "STATE"},     {"Status", "STATUS"}};
  return headers;
}

// docker's HeaderContext.Label: the last dot-separated part of the key, "-" and "_" as spaces.
std::string label_header(std::string_view key) {
  size_t dot = key.rfind('.');
  std::string header(dot == std::string_view::npos ? key : key.substr(dot + 1));
  for (char& c : header)
    if (c == '-' || c == '_') c = ' ';
  return header;
}

// The format as docker's formatter prepares it: without "table", trimmed of spaces, and with the
// two-character sequences \t and \n made into a tab and a newline.
std::string prepare_format(std::string_view format) {
  while (!format.empty() && format.front() == ' ') format.remove_prefix(1);
  while (!format.empty() && format.back() == ' ') format.remove_suffix(1);
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] == '\\' && i + 1 < format.size() && (format[i + 1] == 't' || format[i + 1] == 'n')) {
      out += format[i + 1] == 't' ? '\t' : '\n';
      ++i;
    } else {
      out += format[i];
    }
  }
  return out;
}

std::vector<std::string> split_cells(const std::string& line) {
  std::vector<std::string> cells;
  size_t start = 0;
  for (size_t tab = line.find('\t'); tab != std::string::npos; tab = line.find('\t', start)) {
    cells.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
  cells.push_back(line.substr(start));
  return cells;
}

}  // namespace

// docker ps's PORTS: "0.0.0.0:8080->80/tcp, 53/udp".
static std::string display_ports(const nlohmann::json& ports) {
  std::string joined;
  if (!ports.is_array()) return joined;
  for (const auto& port : ports) {
    if (!port.is_object()) continue;
    std::string text;
    const int public_port = port.value("PublicPort", 0);
    if (public_port != 0) text = port.value("IP", "") + ":" + std::to_string(public_port) + "->";
    text += std::to_string(port.value("PrivatePort", 0)) + "/" + port.value("Type", "tcp");
    joined += (joined.empty() ? "" : ", ") + text;
  }
  return joined;
}

nlohmann::ordered_json container_format_fields(const api::ContainerSummary& container, int64_t now_unix_seconds,
                                               bool truncate) {
  const std::string command = truncate ? ellipsis(container.command, kCommandWidth) : container.command;
  return nlohmann::ordered_json{{"Command", go_quote(command)},
                                {"CreatedAt", go_local_time(container.created)},
                                {"ID", truncate ? short_id(container.id) : container.id},
                                {"Image", container.image},
                                {"Labels", joined_labels(container.labels)},
                                {"LocalVolumes", "0"},
                                {"Mounts", ""},
                                {"Names", display_names(container.names)},
                                {"Networks", ""},
                                {"Ports", display_ports(container.ports)},
                                {"RunningFor", time_ago(container.created, now_unix_seconds)},
                                {"Size", "0B"},
                                {"State", container.state},
                                {"Status", container.status}};
}

Outcome<std::string> render_container_format(std::string_view format,
                                             const std::vector<api::ContainerSummary>& containers,
                                             int64_t now_unix_seconds, bool truncate) {
  constexpr std::string_view kTable = "table";
  const bool table = format.substr(0, kTable.size()) == kTable;
  if (table) format.remove_prefix(kTable.size());
  std::string prepared = prepare_format(format);
  if (prepared == "json") prepared = "{{json .}}";  // docker 23+: --format json
  if (table && prepared.empty()) return format_table(container_table(containers, now_unix_seconds, truncate));

  std::vector<std::string> lines;
  if (table) {
    auto header = render_template(prepared, container_headers(),
                                  [](std::string_view name, std::string_view argument) -> std::optional<nlohmann::ordered_json> {
                                    if (name != "Label") return std::nullopt;
                                    return label_header(argument);
                                  });
    if (!header) return std::move(header).error();
    lines.push_back(std::move(*header));
  }
  for (const auto& container : containers) {
    const auto& labels = container.labels;
    auto line = render_template(prepared, container_format_fields(container, now_unix_seconds, truncate),
                                [&labels](std::string_view name, std::string_view argument) -> std::optional<nlohmann::ordered_json> {
                                  if (name != "Label") return std::nullopt;
                                  auto found = labels.find(std::string(argument));
                                  return found == labels.end() ? std::string() : found->second;
                                });
    if (!line) return std::move(line).error();
    lines.push_back(std::move(*line));
  }
  std::string out;
  if (!table) {
    for (const auto& line : lines) out += line + "\n";
    return out;
  }
  TableRows rows;
  for (const auto& line : lines) rows.push_back(split_cells(line));
  return format_table(rows);
}

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
                    time_ago(container.created, now_unix_seconds), container.status, display_ports(container.ports),
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
