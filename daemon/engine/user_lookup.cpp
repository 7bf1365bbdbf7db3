#include "engine/user_lookup.hpp"

#include <charconv>
#include <optional>

#include "base/strings.hpp"

namespace gocker::engine {
namespace {

std::optional<uint32_t> parse_id(std::string_view text) {
  if (text.empty()) return std::nullopt;
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

struct PasswdEntry {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string home;
};

struct GroupEntry {
  std::string name;
  uint32_t gid = 0;
  std::vector<std::string> members;
};

std::vector<PasswdEntry> parse_passwd(std::string_view text) {
  std::vector<PasswdEntry> entries;
  for (const auto& line : split(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    auto fields = split(line, ':');
    if (fields.size() < 6) continue;
    auto uid = parse_id(fields[2]);
    auto gid = parse_id(fields[3]);
    if (!uid || !gid) continue;
    entries.push_back({fields[0], *uid, *gid, fields[5]});
  }
  return entries;
}

std::vector<GroupEntry> parse_group(std::string_view text) {
  std::vector<GroupEntry> entries;
  for (const auto& line : split(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    auto fields = split(line, ':');
    if (fields.size() < 3) continue;
    auto gid = parse_id(fields[2]);
    if (!gid) continue;
    GroupEntry entry{fields[0], *gid, {}};
    if (fields.size() >= 4 && !fields[3].empty()) entry.members = split(fields[3], ',');
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace

Result<ResolvedUser> resolve_user(std::string_view spec, std::string_view passwd, std::string_view group) {
  ResolvedUser user;
  std::string_view user_part = spec;
  std::string_view group_part;
  bool has_group = false;
  if (auto colon = spec.find(':'); colon != std::string_view::npos) {
    user_part = spec.substr(0, colon);
    group_part = spec.substr(colon + 1);
    has_group = true;
  }

  const auto passwd_entries = parse_passwd(passwd);
  const PasswdEntry* matched = nullptr;
  if (user_part.empty()) {
    user_part = "0";
  }
  auto numeric_uid = parse_id(user_part);
  for (const auto& entry : passwd_entries) {
    if (numeric_uid ? entry.uid == *numeric_uid : entry.name == user_part) {
      matched = &entry;
      break;
    }
  }
  if (matched) {
    user.uid = matched->uid;
    user.gid = matched->gid;
    if (!matched->home.empty()) user.home = matched->home;
  } else if (numeric_uid) {
    user.uid = *numeric_uid;
  } else {
    return Error::invalid("unable to find user " + std::string(user_part) + ": no matching entries in passwd file");
  }

  const auto group_entries = parse_group(group);
  if (has_group) {
    if (group_part.empty()) return Error::invalid("invalid user spec " + quoted(spec) + ": empty group");
    auto numeric_gid = parse_id(group_part);
    bool found = false;
    for (const auto& entry : group_entries) {
      if (numeric_gid ? entry.gid == *numeric_gid : entry.name == group_part) {
        user.gid = entry.gid;
        found = true;
        break;
      }
    }
    if (!found) {
      if (!numeric_gid)
        return Error::invalid("unable to find group " + std::string(group_part) + ": no matching entries in group file");
      user.gid = *numeric_gid;
    }
  }

  // Supplementary groups come from the user's memberships in the image's /etc/group.
  if (matched) {
    for (const auto& entry : group_entries) {
      for (const auto& member : entry.members) {
        if (member == matched->name && entry.gid != user.gid) {
          user.additional_gids.push_back(entry.gid);
          break;
        }
      }
    }
  }
  return user;
}

}  // namespace gocker::engine
