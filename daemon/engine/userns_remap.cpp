#include "engine/userns_remap.hpp"

#include <grp.h>
#include <pwd.h>

#include <charconv>
#include <optional>

#include "base/strings.hpp"
#include "runtime/file_util.hpp"

namespace gocker::engine {
namespace {

constexpr uid_t kOverflowId = 65534;

std::optional<uint32_t> parse_u32(const std::string& text) {
  uint32_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

uint32_t to_host(const std::vector<runtime::IdMapping>& mappings, uint32_t id) {
  auto host = runtime::host_id_for(mappings, id);
  return host ? *host : kOverflowId;
}

uint32_t to_container(const std::vector<runtime::IdMapping>& mappings, uint32_t id) {
  for (const auto& mapping : mappings)
    if (id >= mapping.host_id && id - mapping.host_id < mapping.size) return mapping.container_id + (id - mapping.host_id);
  return id;
}

struct Account {
  std::string name;
  unsigned id = 0;
};

// A user given by name or number; a number need not have a passwd entry (subuid may list it).
Result<Account> find_user(const std::string& spec) {
  std::vector<char> buffer(16384);
  struct passwd entry {};
  struct passwd* found = nullptr;
  if (auto number = parse_u32(spec)) {
    if (::getpwuid_r(*number, &entry, buffer.data(), buffer.size(), &found) == 0 && found) return Account{found->pw_name, *number};
    return Account{spec, *number};
  }
  int error = ::getpwnam_r(spec.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (error != 0) return Error::from_errno(error, "--userns-remap: look up user " + quoted(spec));
  if (!found) {
    return Error::invalid("--userns-remap: no user " + quoted(spec) +
                          (spec == kDefaultRemapUser ? " (created at install by scripts/add-gocker-user.sh)" : ""));
  }
  return Account{found->pw_name, found->pw_uid};
}

Result<Account> find_group(const std::string& spec) {
  std::vector<char> buffer(16384);
  struct group entry {};
  struct group* found = nullptr;
  if (auto number = parse_u32(spec)) {
    if (::getgrgid_r(*number, &entry, buffer.data(), buffer.size(), &found) == 0 && found) return Account{found->gr_name, *number};
    return Account{spec, *number};
  }
  int error = ::getgrnam_r(spec.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (error != 0) return Error::from_errno(error, "--userns-remap: look up group " + quoted(spec));
  if (!found) return Error::invalid("--userns-remap: no group " + quoted(spec));
  return Account{found->gr_name, found->gr_gid};
}

Result<std::vector<runtime::IdMapping>> ranges_from_file(const std::string& path, const Account& account,
                                                         const char* kind) {
  auto text = runtime::read_file(path);
  if (!text) return Error::invalid("--userns-remap: cannot read " + path + " (" + text.error().message + ")");
  auto ranges = subordinate_ranges(*text, account.name, account.id, path);
  if (!ranges) return std::move(ranges).error();
  if (ranges->empty()) {
    return Error::invalid("--userns-remap: " + path + " gives " + kind + " " + quoted(account.name) +
                          " no subordinate ids (add a line \"" + account.name + ":100000:65536\")");
  }
  return ranges;
}

}  // namespace

uid_t IdRemap::host_uid(uid_t container_uid) const { return to_host(uids, container_uid); }
gid_t IdRemap::host_gid(gid_t container_gid) const { return to_host(gids, container_gid); }
uid_t IdRemap::container_uid(uid_t host_uid) const { return to_container(uids, host_uid); }
gid_t IdRemap::container_gid(gid_t host_gid) const { return to_container(gids, host_gid); }

std::string IdRemap::key() const { return "u:" + runtime::format_id_map(uids) + "g:" + runtime::format_id_map(gids); }

bool IdRemap::operator==(const IdRemap& other) const { return key() == other.key(); }

void to_json(nlohmann::json& j, const IdRemap& remap) {
  auto list = [](const std::vector<runtime::IdMapping>& mappings) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& m : mappings) out.push_back({{"containerID", m.container_id}, {"hostID", m.host_id}, {"size", m.size}});
    return out;
  };
  j = nlohmann::json{{"uidMappings", list(remap.uids)}, {"gidMappings", list(remap.gids)}};
}

Status remap_from_json(const nlohmann::json& j, IdRemap& remap) {
  auto read = [&](const char* key, std::vector<runtime::IdMapping>& out) -> Status {
    auto it = j.find(key);
    if (it == j.end() || !it->is_array()) return Error::invalid(std::string("id remap: ") + key + " is not a list");
    for (const auto& item : *it) {
      if (!item.is_object()) return Error::invalid(std::string("id remap: ") + key + " holds a non-object");
      runtime::IdMapping mapping;
      for (auto [field, target] : {std::pair{"containerID", &mapping.container_id}, std::pair{"hostID", &mapping.host_id},
                                   std::pair{"size", &mapping.size}}) {
        auto value = item.find(field);
        if (value == item.end() || !value->is_number_unsigned() || value->get<uint64_t>() > UINT32_MAX)
          return Error::invalid(std::string("id remap: ") + key + "." + field + " is not a 32-bit id");
        *target = value->get<uint32_t>();
      }
      out.push_back(mapping);
    }
    return runtime::check_id_mappings(out, std::string("id remap ") + key);
  };
  if (!j.is_object()) return Error::invalid("id remap: not an object");
  remap = {};
  GOCKER_TRY(read("uidMappings", remap.uids));
  return read("gidMappings", remap.gids);
}

Result<std::vector<runtime::IdMapping>> subordinate_ranges(const std::string& text, const std::string& name,
                                                           unsigned numeric_id, const std::string& file) {
  std::vector<runtime::IdMapping> ranges;
  uint64_t next_container_id = 0;
  size_t line_number = 0;
  for (const std::string& raw : split(text, '\n')) {
    ++line_number;
    std::string line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    auto fields = split(line, ':');
    if (fields.size() != 3) return Error::invalid(file + ":" + std::to_string(line_number) + ": expected NAME:START:COUNT");
    if (fields[0] != name && fields[0] != std::to_string(numeric_id)) continue;
    auto start = parse_u32(fields[1]);
    auto count = parse_u32(fields[2]);
    if (!start || !count || *count == 0)
      return Error::invalid(file + ":" + std::to_string(line_number) + ": bad range " + quoted(line));
    if (next_container_id + *count > uint64_t{1} << 32)
      return Error::invalid(file + ": the ranges of " + quoted(name) + " add up past 4294967295 ids");
    ranges.push_back({static_cast<uint32_t>(next_container_id), *start, *count});
    next_container_id += *count;
  }
  return ranges;
}

Result<IdRemap> resolve_userns_remap(const std::string& spec, const std::string& subuid_path, const std::string& subgid_path) {
  std::string user_spec = spec == "default" ? kDefaultRemapUser : spec;
  std::string group_spec;
  if (auto colon = user_spec.find(':'); colon != std::string::npos) {
    group_spec = user_spec.substr(colon + 1);
    user_spec.resize(colon);
  }
  if (user_spec.empty()) return Error::invalid("--userns-remap " + quoted(spec) + ": no user named");
  auto user = find_user(user_spec);
  if (!user) return std::move(user).error();
  if (user->id == 0) return Error::invalid("--userns-remap: remapping to root would remap nothing");
  // Without a group, the user's name (as dockerd): its subgid line normally bears the user's name.
  Account group = group_spec.empty() ? *user : Account{};
  if (!group_spec.empty()) {
    auto found = find_group(group_spec);
    if (!found) return std::move(found).error();
    group = std::move(found).value();
  }
  IdRemap remap;
  auto uids = ranges_from_file(subuid_path, *user, "user");
  if (!uids) return std::move(uids).error();
  auto gids = ranges_from_file(subgid_path, group, group_spec.empty() ? "user" : "group");
  if (!gids) return std::move(gids).error();
  remap.uids = std::move(uids).value();
  remap.gids = std::move(gids).value();
  GOCKER_TRY(runtime::check_id_mappings(remap.uids, subuid_path));
  GOCKER_TRY(runtime::check_id_mappings(remap.gids, subgid_path));
  // A range holding host id 0 would make some container id the host's root.
  if (remap.container_uid(0) != 0 || remap.container_gid(0) != 0 || remap.root_uid() == 0 || remap.root_gid() == 0)
    return Error::invalid("--userns-remap: the subordinate ranges of " + quoted(user->name) + " include the host's root (id 0)");
  return remap;
}

}  // namespace gocker::engine
