#include "runtime/oci_config_extras.hpp"

#include "base/strings.hpp"
#include "runtime/config_reader.hpp"
#include "runtime/mount_plan.hpp"

namespace gocker::runtime {

using nlohmann::json;

namespace {

// linux.resources.memory beyond limit and swap (which oci_config.cpp reads for the engine too).
Status parse_memory_extras(ConfigReader& reader, const json& document, CgroupLimits& out) {
  const json* linux_section = reader.object_field(document, "linux");
  const json* resources = linux_section ? reader.object_field(*linux_section, "resources") : nullptr;
  const json* memory = resources ? reader.object_field(*resources, "memory") : nullptr;
  if (!memory) return ok();
  const std::string where = "linux.resources.memory";
  GOCKER_TRY(reader.integer_field(*memory, "reservation", where, out.memory_reservation));
  GOCKER_TRY(reader.integer_field(*memory, "kernel", where, out.memory_kernel));
  GOCKER_TRY(reader.integer_field(*memory, "kernelTCP", where, out.memory_kernel_tcp));
  GOCKER_TRY(reader.integer_field(*memory, "swappiness", where, out.memory_swappiness));
  if (out.memory_swappiness && *out.memory_swappiness > 100) {
    return Error::invalid("config.json field " + where + ".swappiness: must be at most 100, got " +
                          std::to_string(*out.memory_swappiness));
  }
  GOCKER_TRY(reader.bool_field(*memory, "disableOOMKiller", where, out.memory_disable_oom_killer));
  return ok();
}

// A weight of 0 is "not set" (dockerd writes {"weight": 0} for every container), as in runc.
void drop_zero(std::optional<uint16_t>& weight) {
  if (weight == 0) weight.reset();
}

// One linux.resources.blockIO device list: weightDevice (weights) or a throttle list (rates).
Status parse_block_io_devices(ConfigReader& reader, const json& block_io, const char* key, bool is_throttle,
                              std::vector<BlockIoDevice>& out) {
  const json* list = reader.object_field(block_io, key);
  if (!list) return ok();
  const std::string where = std::string("linux.resources.blockIO.") + key;
  if (!list->is_array()) return Error::invalid("config.json field " + where + ": must be an array");
  for (const json& entry : *list) {
    if (!entry.is_object()) return Error::invalid("config.json field " + where + ": entries must be objects");
    std::optional<int64_t> major, minor;
    std::optional<uint64_t> rate;
    BlockIoDevice device;
    GOCKER_TRY(reader.integer_field(entry, "major", where + "[]", major));
    GOCKER_TRY(reader.integer_field(entry, "minor", where + "[]", minor));
    if (!major || !minor) return Error::invalid("config.json " + where + "[]: major and minor are required");
    device.major = *major;
    device.minor = *minor;
    if (is_throttle) {
      GOCKER_TRY(reader.integer_field(entry, "rate", where + "[]", rate));
      if (!rate) return Error::invalid("config.json " + where + "[]: rate is required");
      device.rate = *rate;
    } else {
      GOCKER_TRY(reader.integer_field(entry, "weight", where + "[]", device.weight));
      GOCKER_TRY(reader.integer_field(entry, "leafWeight", where + "[]", device.leaf_weight));
      drop_zero(device.weight);
      drop_zero(device.leaf_weight);
    }
    out.push_back(device);
  }
  return ok();
}

Status parse_block_io(ConfigReader& reader, const json& document, BlockIoLimits& out) {
  const json* linux_section = reader.object_field(document, "linux");
  const json* resources = linux_section ? reader.object_field(*linux_section, "resources") : nullptr;
  const json* block_io = resources ? reader.object_field(*resources, "blockIO") : nullptr;
  if (!block_io) return ok();
  if (!block_io->is_object()) return Error::invalid("config.json field linux.resources.blockIO: must be an object");
  GOCKER_TRY(reader.integer_field(*block_io, "weight", "linux.resources.blockIO", out.weight));
  GOCKER_TRY(reader.integer_field(*block_io, "leafWeight", "linux.resources.blockIO", out.leaf_weight));
  drop_zero(out.weight);
  drop_zero(out.leaf_weight);
  GOCKER_TRY(parse_block_io_devices(reader, *block_io, "weightDevice", false, out.weight_devices));
  GOCKER_TRY(parse_block_io_devices(reader, *block_io, "throttleReadBpsDevice", true, out.throttle_read_bps));
  GOCKER_TRY(parse_block_io_devices(reader, *block_io, "throttleWriteBpsDevice", true, out.throttle_write_bps));
  GOCKER_TRY(parse_block_io_devices(reader, *block_io, "throttleReadIOPSDevice", true, out.throttle_read_iops));
  GOCKER_TRY(parse_block_io_devices(reader, *block_io, "throttleWriteIOPSDevice", true, out.throttle_write_iops));
  return ok();
}

// "2MB", "1GB", "64KB": digits and a unit, which is all a hugetlb file name may contain.
bool is_page_size(const std::string& size) {
  size_t digits = size.find_first_not_of("0123456789");
  if (digits == 0 || digits == std::string::npos) return false;
  const std::string unit = size.substr(digits);
  return unit == "KB" || unit == "MB" || unit == "GB";
}

Status parse_hugepages_and_network(ConfigReader& reader, const json& document, CgroupLimits& out) {
  const json* linux_section = reader.object_field(document, "linux");
  const json* resources = linux_section ? reader.object_field(*linux_section, "resources") : nullptr;
  if (!resources) return ok();
  if (const json* hugepages = reader.object_field(*resources, "hugepageLimits")) {
    const std::string where = "linux.resources.hugepageLimits";
    if (!hugepages->is_array()) return Error::invalid("config.json field " + where + ": must be an array");
    for (const json& entry : *hugepages) {
      if (!entry.is_object()) return Error::invalid("config.json field " + where + ": entries must be objects");
      HugepageLimit hugepage;
      std::optional<uint64_t> limit;
      GOCKER_TRY(reader.string_field(entry, "pageSize", where + "[]", hugepage.page_size));
      GOCKER_TRY(reader.integer_field(entry, "limit", where + "[]", limit));
      if (!is_page_size(hugepage.page_size)) {
        return Error::invalid("config.json field " + where + "[].pageSize: " + gocker::quoted(hugepage.page_size) +
                              " is not a page size (like \"2MB\" or \"1GB\")");
      }
      if (!limit) return Error::invalid("config.json " + where + "[]: limit is required");
      hugepage.limit = *limit;
      out.hugepage_limits.push_back(std::move(hugepage));
    }
  }
  if (const json* network = reader.object_field(*resources, "network")) {
    const std::string where = "linux.resources.network";
    if (!network->is_object()) return Error::invalid("config.json field " + where + ": must be an object");
    GOCKER_TRY(reader.integer_field(*network, "classID", where, out.network.class_id));
    if (const json* priorities = reader.object_field(*network, "priorities")) {
      if (!priorities->is_array()) return Error::invalid("config.json field " + where + ".priorities: must be an array");
      for (const json& entry : *priorities) {
        if (!entry.is_object()) return Error::invalid("config.json field " + where + ".priorities: entries must be objects");
        std::string name;
        std::optional<uint32_t> priority;
        GOCKER_TRY(reader.string_field(entry, "name", where + ".priorities[]", name));
        GOCKER_TRY(reader.integer_field(entry, "priority", where + ".priorities[]", priority));
        if (name.empty() || name.find_first_of(" \n/") != std::string::npos) {
          return Error::invalid("config.json field " + where + ".priorities[].name: " + gocker::quoted(name) +
                                " is not an interface name");
        }
        out.network.priorities.emplace_back(std::move(name), priority.value_or(0));
      }
    }
  }
  return ok();
}

Status parse_rootfs_propagation(ConfigReader& reader, const json& document, OciSpec& spec) {
  const json* linux_section = reader.object_field(document, "linux");
  if (!linux_section) return ok();
  std::string propagation;
  GOCKER_TRY(reader.string_field(*linux_section, "rootfsPropagation", "linux", propagation));
  if (propagation.empty()) return ok();
  MountOptions parsed = parse_mount_options({propagation});
  if (parsed.propagation == 0) {
    return Error::invalid("config.json field linux.rootfsPropagation: unknown propagation " + gocker::quoted(propagation));
  }
  spec.rootfs_propagation = parsed.propagation;
  return ok();
}

Status parse_hook_list(ConfigReader& reader, const json& hooks, const char* key, std::vector<OciHook>& out) {
  const json* list = reader.object_field(hooks, key);
  if (!list) return ok();
  std::string where = std::string("hooks.") + key;
  if (!list->is_array()) return Error::invalid("config.json field " + where + ": must be an array");
  for (const json& entry : *list) {
    if (!entry.is_object()) return Error::invalid("config.json field " + where + ": entries must be objects");
    OciHook hook;
    GOCKER_TRY(reader.string_field(entry, "path", where + "[]", hook.path));
    GOCKER_TRY(reader.string_array(entry, "args", where + "[]", hook.args));
    GOCKER_TRY(reader.string_array(entry, "env", where + "[]", hook.env));
    GOCKER_TRY(reader.integer_field(entry, "timeout", where + "[]", hook.timeout_seconds));
    if (hook.path.empty() || hook.path.front() != '/') {
      return Error::invalid("config.json field " + where + "[].path: must be an absolute path, got " + gocker::quoted(hook.path));
    }
    if (hook.timeout_seconds && *hook.timeout_seconds <= 0) {
      return Error::invalid("config.json field " + where + "[].timeout: must be positive");
    }
    out.push_back(std::move(hook));
  }
  return ok();
}

Status parse_hooks(ConfigReader& reader, const json& document, OciHooks& out) {
  const json* hooks = reader.object_field(document, "hooks");
  if (!hooks) return ok();
  if (!hooks->is_object()) return Error::invalid("config.json field hooks: must be an object");
  GOCKER_TRY(parse_hook_list(reader, *hooks, "prestart", out.prestart));
  GOCKER_TRY(parse_hook_list(reader, *hooks, "createRuntime", out.create_runtime));
  GOCKER_TRY(parse_hook_list(reader, *hooks, "createContainer", out.create_container));
  GOCKER_TRY(parse_hook_list(reader, *hooks, "startContainer", out.start_container));
  GOCKER_TRY(parse_hook_list(reader, *hooks, "poststart", out.poststart));
  GOCKER_TRY(parse_hook_list(reader, *hooks, "poststop", out.poststop));
  return ok();
}

}  // namespace

bool OciSpec::joins_namespace(NamespaceType type) const {
  for (const auto& [joined, path] : namespace_paths) {
    if (joined == type) return true;
  }
  return false;
}

Status parse_config_extras(const json& document, OciSpec& spec) {
  ConfigReader reader;
  GOCKER_TRY(parse_memory_extras(reader, document, spec.resources));
  GOCKER_TRY(parse_block_io(reader, document, spec.resources.block_io));
  GOCKER_TRY(parse_hugepages_and_network(reader, document, spec.resources));
  GOCKER_TRY(parse_rootfs_propagation(reader, document, spec));
  GOCKER_TRY(parse_hooks(reader, document, spec.hooks));
  auto annotations = document.find("annotations");
  if (annotations != document.end() && annotations->is_object()) {
    for (const auto& [key, value] : annotations->items()) {
      if (!value.is_string()) {
        return Error::invalid("config.json annotation " + gocker::quoted(key) + ": must be a string");
      }
      spec.annotations[key] = value.get<std::string>();
    }
  }
  return ok();
}

}  // namespace gocker::runtime
