#include "engine/mount_spec.hpp"

#include <algorithm>
#include <set>

#include "base/strings.hpp"

namespace gocker::engine {
namespace {

constexpr std::string_view kPropagationModes[] = {"private", "rprivate", "shared", "rshared", "slave", "rslave"};

bool is_propagation(std::string_view mode) {
  return std::find(std::begin(kPropagationModes), std::end(kPropagationModes), mode) != std::end(kPropagationModes);
}

// The comma list after the destination of a -v spec: ro/rw, SELinux labels (z/Z, accepted and
// ignored: gocker sets no labels), nocopy, a propagation mode, and the macOS consistency words.
struct BindMode {
  bool read_only = false;
  bool no_copy = false;
  std::string propagation;
};

Result<BindMode> parse_bind_mode(std::string_view text) {
  BindMode mode;
  int rw_words = 0;
  for (const std::string& word : split(std::string(text), ',')) {
    if (word.empty()) continue;
    if (word == "ro" || word == "rw") {
      mode.read_only = word == "ro";
      ++rw_words;
    } else if (word == "nocopy") {
      mode.no_copy = true;
    } else if (is_propagation(word)) {
      if (!mode.propagation.empty()) return Error::invalid("invalid mode: " + std::string(text));
      mode.propagation = word;
    } else if (word != "z" && word != "Z" && word != "consistent" && word != "cached" && word != "delegated") {
      return Error::invalid("invalid mode: " + std::string(text));
    }
  }
  if (rw_words > 1) return Error::invalid("invalid mode: " + std::string(text));
  return mode;
}

bool is_valid_mode(std::string_view text) { return static_cast<bool>(parse_bind_mode(text)); }

Status check_destination(std::string_view type, const std::string& destination) {
  if (destination.empty() || destination.front() != '/')
    return Error::invalid("invalid mount config for type \"" + std::string(type) + "\": invalid mount path: '" +
                          destination + "' mount path must be absolute");
  if (clean_container_path(destination) == "/")
    return Error::invalid("invalid specification: destination can't be '/'");
  return ok();
}

Result<MountRequest> from_mount(const api::Mount& mount) {
  MountRequest request;
  request.type = mount.type;
  request.destination = mount.target;
  request.read_only = mount.read_only;
  const std::string invalid = "invalid mount config for type \"" + mount.type + "\": ";
  if (mount.target.empty()) return Error::invalid(invalid + "field Target must not be empty");
  GOCKER_TRY(check_destination(mount.type, mount.target));
  if (mount.type == "bind") {
    if (mount.source.empty()) return Error::invalid(invalid + "field Source must not be empty");
    if (mount.source.front() != '/')
      return Error::invalid(invalid + "invalid mount path: '" + mount.source + "' mount path must be absolute");
    if (!mount.propagation.empty() && !is_propagation(mount.propagation))
      return Error::invalid(invalid + "invalid propagation mode: " + mount.propagation);
    request.source = clean_container_path(mount.source);
    request.propagation = mount.propagation.empty() ? "rprivate" : mount.propagation;
  } else if (mount.type == "volume") {
    if (!mount.source.empty()) GOCKER_TRY(validate_volume_name(mount.source));
    if (!mount.propagation.empty()) return Error::invalid(invalid + "field BindOptions must not be specified");
    request.source = mount.source;
    request.no_copy = mount.no_copy;
    request.volume_labels = mount.volume_labels;
    request.mode = "z";
  } else if (mount.type == "tmpfs") {
    if (!mount.source.empty()) return Error::invalid(invalid + "field Source must not be specified");
    if (mount.tmpfs_size < 0) return Error::invalid(invalid + "invalid tmpfs size " + std::to_string(mount.tmpfs_size));
    if (mount.tmpfs_size > 0) request.tmpfs_options.push_back("size=" + std::to_string(mount.tmpfs_size));
    if (mount.tmpfs_mode != 0) {
      char octal[16];
      std::snprintf(octal, sizeof octal, "%o", mount.tmpfs_mode & 07777);
      request.tmpfs_options.push_back(std::string("mode=") + octal);
    }
  } else {
    return Error::invalid("mount type unknown: " + quoted(mount.type));
  }
  request.destination = clean_container_path(request.destination);
  return request;
}

}  // namespace

std::string clean_container_path(std::string_view path) {
  std::vector<std::string> parts;
  for (const std::string& part : split(std::string(path), '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string cleaned;
  for (const auto& part : parts) cleaned += "/" + part;
  return cleaned.empty() ? "/" : cleaned;
}

Status validate_volume_name(std::string_view name) {
  auto allowed = [](char c, bool first) {
    if (std::isalnum(static_cast<unsigned char>(c))) return true;
    return !first && (c == '_' || c == '.' || c == '-');
  };
  bool valid = name.size() >= 2;
  for (size_t i = 0; valid && i < name.size(); ++i) valid = allowed(name[i], i == 0);
  if (!valid)
    return Error::invalid("create " + std::string(name) + ": \"" + std::string(name) +
                          "\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" "
                          "are allowed. If you intended to pass a host directory, use absolute path");
  return ok();
}

Result<MountRequest> parse_bind_spec(std::string_view spec) {
  const std::string raw(spec);
  std::vector<std::string> parts = split(raw, ':');
  std::string source, destination, mode;
  if (parts.size() == 1) {
    destination = parts[0];
  } else if (parts.size() == 2) {
    // "/dst:ro" is an anonymous volume with a mode; anything else is "src:dst".
    if (!parts[1].empty() && is_valid_mode(parts[1])) {
      destination = parts[0];
      mode = parts[1];
    } else {
      source = parts[0];
      destination = parts[1];
    }
  } else if (parts.size() == 3) {
    source = parts[0];
    destination = parts[1];
    mode = parts[2];
  } else {
    return Error::invalid("invalid volume specification: '" + raw + "'");
  }
  if (destination.empty() || (parts.size() >= 2 && source.empty() && mode.empty()))
    return Error::invalid("invalid volume specification: '" + raw + "'");
  auto parsed_mode = parse_bind_mode(mode);
  if (!parsed_mode) return Error::invalid("invalid mode: " + mode);

  MountRequest request;
  request.read_only = parsed_mode->read_only;
  request.no_copy = parsed_mode->no_copy;
  request.mode = mode;
  if (!source.empty() && source.front() == '/') {
    request.type = "bind";
    request.source = clean_container_path(source);
    request.create_source = true;
    request.propagation = parsed_mode->propagation.empty() ? "rprivate" : parsed_mode->propagation;
  } else {
    request.type = "volume";
    if (!source.empty()) GOCKER_TRY(validate_volume_name(source));
    if (!parsed_mode->propagation.empty())
      return Error::invalid("invalid mount config for type \"volume\": propagation is only for bind mounts");
    request.source = source;
    if (request.mode.empty()) request.mode = "z";
  }
  GOCKER_TRY(check_destination(request.type, destination));
  request.destination = clean_container_path(destination);
  return request;
}

Result<std::vector<MountRequest>> parse_mount_requests(const api::HostConfig& host_config,
                                                       const std::vector<std::string>& config_volumes) {
  std::vector<MountRequest> requests;
  std::set<std::string> destinations;
  auto add = [&](MountRequest request) -> Status {
    if (!destinations.insert(request.destination).second)
      return Error::invalid("Duplicate mount point: " + request.destination);
    requests.push_back(std::move(request));
    return ok();
  };
  for (const std::string& spec : host_config.binds) {
    auto request = parse_bind_spec(spec);
    if (!request) return std::move(request).error();
    GOCKER_TRY(add(std::move(request).value()));
  }
  for (const api::Mount& mount : host_config.mounts) {
    auto request = from_mount(mount);
    if (!request) return std::move(request).error();
    GOCKER_TRY(add(std::move(request).value()));
  }
  for (const auto& [path, options] : host_config.tmpfs) {
    GOCKER_TRY(check_destination("tmpfs", path));
    MountRequest request;
    request.type = "tmpfs";
    request.destination = clean_container_path(path);
    for (const std::string& option : split(options, ','))
      if (!option.empty()) request.tmpfs_options.push_back(option);
    for (const std::string& option : request.tmpfs_options)
      if (option == "ro") request.read_only = true;
    GOCKER_TRY(add(std::move(request)));
  }
  for (const std::string& path : config_volumes) {
    GOCKER_TRY(check_destination("volume", path));
    MountRequest request;
    request.type = "volume";
    request.destination = clean_container_path(path);
    request.mode = "";
    request.from_config = true;
    if (destinations.count(request.destination)) continue;  // an explicit mount wins
    destinations.insert(request.destination);
    requests.push_back(std::move(request));
  }
  return requests;
}

}  // namespace gocker::engine
