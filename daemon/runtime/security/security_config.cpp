#include "runtime/security/security_config.hpp"

#include <sys/capability.h>
#include <sys/resource.h>

#include <array>
#include <utility>

#include "base/strings.hpp"
#include "runtime/security/seccomp_flags.hpp"

namespace gocker::runtime {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<const char*, int>, 16> kRlimits{{
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_STACK", RLIMIT_STACK},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
}};

constexpr std::array<std::pair<const char*, SeccompActionKind>, 8> kActions{{
    {"SCMP_ACT_KILL", SeccompActionKind::kKill},
    {"SCMP_ACT_KILL_PROCESS", SeccompActionKind::kKillProcess},
    {"SCMP_ACT_KILL_THREAD", SeccompActionKind::kKillThread},
    {"SCMP_ACT_TRAP", SeccompActionKind::kTrap},
    {"SCMP_ACT_ERRNO", SeccompActionKind::kErrno},
    {"SCMP_ACT_TRACE", SeccompActionKind::kTrace},
    {"SCMP_ACT_ALLOW", SeccompActionKind::kAllow},
    {"SCMP_ACT_LOG", SeccompActionKind::kLog},
}};

constexpr std::array<std::pair<const char*, SeccompCompare>, 7> kCompares{{
    {"SCMP_CMP_NE", SeccompCompare::kNotEqual},
    {"SCMP_CMP_LT", SeccompCompare::kLess},
    {"SCMP_CMP_LE", SeccompCompare::kLessOrEqual},
    {"SCMP_CMP_EQ", SeccompCompare::kEqual},
    {"SCMP_CMP_GE", SeccompCompare::kGreaterOrEqual},
    {"SCMP_CMP_GT", SeccompCompare::kGreater},
    {"SCMP_CMP_MASKED_EQ", SeccompCompare::kMaskedEqual},
}};

template <typename Table, typename Value>
const char* name_of(const Table& table, Value value) {
  for (const auto& [name, entry] : table)
    if (entry == value) return name;
  return "";
}

Error invalid_field(const std::string& field, const std::string& why) {
  return Error::invalid("config.json field " + field + ": " + why);
}

Status parse_capability_list(const json& sets, const char* key, std::vector<int>& out) {
  auto it = sets.find(key);
  if (it == sets.end() || it->is_null()) return ok();
  const std::string field = std::string("process.capabilities.") + key;
  if (!it->is_array()) return invalid_field(field, "must be an array of capability names");
  for (const json& item : *it) {
    if (!item.is_string()) return invalid_field(field, "must be an array of capability names");
    auto capability = capability_from_name(item.get<std::string>());
    if (!capability) return invalid_field(field, "unknown capability " + quoted(item.get<std::string>()));
    out.push_back(*capability);
  }
  return ok();
}

Status parse_capabilities(const json& sets, CapabilitySets& out) {
  if (!sets.is_object()) return invalid_field("process.capabilities", "must be an object");
  GOCKER_TRY(parse_capability_list(sets, "bounding", out.bounding));
  GOCKER_TRY(parse_capability_list(sets, "effective", out.effective));
  GOCKER_TRY(parse_capability_list(sets, "inheritable", out.inheritable));
  GOCKER_TRY(parse_capability_list(sets, "permitted", out.permitted));
  GOCKER_TRY(parse_capability_list(sets, "ambient", out.ambient));
  return ok();
}

Status parse_rlimits(ConfigReader& reader, const json& rlimits, std::vector<ProcessRlimit>& out) {
  if (!rlimits.is_array()) return invalid_field("process.rlimits", "must be an array");
  for (const json& entry : rlimits) {
    if (!entry.is_object()) return invalid_field("process.rlimits", "entries must be objects");
    std::string type;
    GOCKER_TRY(reader.string_field(entry, "type", "process.rlimits[]", type));
    ProcessRlimit limit;
    bool known = false;
    for (const auto& [name, resource] : kRlimits) {
      if (type == name) {
        limit.resource = resource;
        known = true;
      }
    }
    if (!known) return invalid_field("process.rlimits[].type", "unknown rlimit " + quoted(type));
    std::optional<uint64_t> soft, hard;
    GOCKER_TRY(reader.integer_field(entry, "soft", "process.rlimits[]", soft));
    GOCKER_TRY(reader.integer_field(entry, "hard", "process.rlimits[]", hard));
    if (!soft || !hard) return invalid_field("process.rlimits[]", type + " needs both soft and hard");
    if (*soft > *hard) return invalid_field("process.rlimits[]", type + " soft limit is above its hard limit");
    limit.soft = *soft;
    limit.hard = *hard;
    out.push_back(limit);
  }
  return ok();
}

Result<SeccompAction> parse_action(ConfigReader& reader, const json& object, const char* action_key,
                                   const char* errno_key, const std::string& where) {
  std::string name;
  GOCKER_TRY(reader.string_field(object, action_key, where, name));
  SeccompAction action;
  bool known = false;
  for (const auto& [entry_name, kind] : kActions) {
    if (name == entry_name) {
      action.kind = kind;
      known = true;
    }
  }
  if (!known) {
    if (name == "SCMP_ACT_NOTIFY") return invalid_field(where + "." + action_key, "SCMP_ACT_NOTIFY is not supported");
    return invalid_field(where + "." + action_key, "unknown seccomp action " + quoted(name));
  }
  std::optional<uint32_t> value;
  GOCKER_TRY(reader.integer_field(object, errno_key, where, value));
  // runc's default for an errno action without a number: EPERM.
  if (action.kind == SeccompActionKind::kErrno) action.value = value.value_or(1);
  if (action.kind == SeccompActionKind::kTrace) action.value = value.value_or(1);
  return action;
}

Status parse_seccomp(ConfigReader& reader, const json& seccomp, SeccompProfile& out) {
  if (!seccomp.is_object()) return invalid_field("linux.seccomp", "must be an object");
  auto default_action = parse_action(reader, seccomp, "defaultAction", "defaultErrnoRet", "linux.seccomp");
  if (!default_action) return std::move(default_action).error();
  out.default_action = *default_action;
  GOCKER_TRY(reader.string_array(seccomp, "architectures", "linux.seccomp", out.architectures));
  GOCKER_TRY(reader.string_array(seccomp, "flags", "linux.seccomp", out.flags));
  for (const std::string& flag : out.flags)
    if (!seccomp_filter_flag(flag)) return invalid_field("linux.seccomp.flags", "unknown flag " + quoted(flag));
  GOCKER_TRY(reader.string_field(seccomp, kSeccompProgramKey, "linux.seccomp", out.program_path));
  if (!out.program_path.empty()) {
    auto program = read_seccomp_program(out.program_path);
    if (!program) return std::move(program).error().context("linux.seccomp." + std::string(kSeccompProgramKey));
    out.program = std::move(program).value();
  }
  const json* syscalls = reader.object_field(seccomp, "syscalls");
  if (!syscalls) return ok();
  if (!syscalls->is_array()) return invalid_field("linux.seccomp.syscalls", "must be an array");
  for (const json& entry : *syscalls) {
    if (!entry.is_object()) return invalid_field("linux.seccomp.syscalls", "entries must be objects");
    SeccompRule rule;
    GOCKER_TRY(reader.string_array(entry, "names", "linux.seccomp.syscalls[]", rule.names));
    if (rule.names.empty()) return invalid_field("linux.seccomp.syscalls[].names", "must not be empty");
    auto action = parse_action(reader, entry, "action", "errnoRet", "linux.seccomp.syscalls[]");
    if (!action) return std::move(action).error();
    rule.action = *action;
    if (const json* args = reader.object_field(entry, "args")) {
      if (!args->is_array()) return invalid_field("linux.seccomp.syscalls[].args", "must be an array");
      for (const json& arg : *args) {
        if (!arg.is_object()) return invalid_field("linux.seccomp.syscalls[].args", "entries must be objects");
        SeccompArgument argument;
        std::optional<unsigned> index;
        std::optional<uint64_t> value, value_two;
        GOCKER_TRY(reader.integer_field(arg, "index", "linux.seccomp.syscalls[].args[]", index));
        GOCKER_TRY(reader.integer_field(arg, "value", "linux.seccomp.syscalls[].args[]", value));
        GOCKER_TRY(reader.integer_field(arg, "valueTwo", "linux.seccomp.syscalls[].args[]", value_two));
        if (!index || *index > 5) return invalid_field("linux.seccomp.syscalls[].args[].index", "must be 0 to 5");
        std::string op;
        GOCKER_TRY(reader.string_field(arg, "op", "linux.seccomp.syscalls[].args[]", op));
        bool known = false;
        for (const auto& [name, compare] : kCompares) {
          if (op == name) {
            argument.op = compare;
            known = true;
          }
        }
        if (!known) return invalid_field("linux.seccomp.syscalls[].args[].op", "unknown operator " + quoted(op));
        argument.index = *index;
        argument.value = value.value_or(0);
        argument.value_two = value_two.value_or(0);
        rule.args.push_back(argument);
      }
    }
    out.rules.push_back(std::move(rule));
  }
  return ok();
}

json encode_action(const SeccompAction& action, const char* action_key, const char* errno_key) {
  json out{{action_key, name_of(kActions, action.kind)}};
  if (action.kind == SeccompActionKind::kErrno || action.kind == SeccompActionKind::kTrace) out[errno_key] = action.value;
  return out;
}

json capability_names(const std::vector<int>& capabilities) {
  json names = json::array();
  for (int capability : capabilities) names.push_back(capability_name(capability));
  return names;
}

}  // namespace

std::optional<int> capability_from_name(const std::string& name) {
  // libcap also takes numbers and lower case; config.json names them "CAP_CHOWN" and nothing else.
  if (name.size() < 5 || name.compare(0, 4, "CAP_") != 0) return std::nullopt;
  for (char c : name)
    if (!((c >= 'A' && c <= 'Z') || c == '_')) return std::nullopt;
  cap_value_t value = 0;
  if (::cap_from_name(name.c_str(), &value) != 0) return std::nullopt;
  return static_cast<int>(value);
}

std::string capability_name(int capability) {
  char* text = ::cap_to_name(static_cast<cap_value_t>(capability));
  if (!text) return {};
  std::string name = text;
  ::cap_free(text);
  // libcap names an unknown number by the number itself.
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return {};
  for (char& c : name) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return name;
}

std::string rlimit_name(int resource) {
  std::string name = name_of(kRlimits, resource);
  return name.empty() ? std::to_string(resource) : name;
}

Status parse_process_security(ConfigReader& reader, const json& process, const json* seccomp, ProcessSecurity& out) {
  if (const json* capabilities = reader.object_field(process, "capabilities")) {
    CapabilitySets sets;
    GOCKER_TRY(parse_capabilities(*capabilities, sets));
    out.capabilities = std::move(sets);
  }
  GOCKER_TRY(reader.bool_field(process, "noNewPrivileges", "process", out.no_new_privileges));
  if (const json* rlimits = reader.object_field(process, "rlimits")) GOCKER_TRY(parse_rlimits(reader, *rlimits, out.rlimits));
  GOCKER_TRY(reader.integer_field(process, "oomScoreAdj", "process", out.oom_score_adj));
  if (out.oom_score_adj && (*out.oom_score_adj < -1000 || *out.oom_score_adj > 1000)) {
    return invalid_field("process.oomScoreAdj", "must be between -1000 and 1000");
  }
  if (seccomp && !seccomp->is_null()) {
    SeccompProfile profile;
    GOCKER_TRY(parse_seccomp(reader, *seccomp, profile));
    out.seccomp = std::move(profile);
  }
  return ok();
}

json encode_process_security(const ProcessSecurity& security) {
  json out = json::object();
  if (security.capabilities) {
    const CapabilitySets& sets = *security.capabilities;
    out["capabilities"] = json{{"bounding", capability_names(sets.bounding)},
                               {"effective", capability_names(sets.effective)},
                               {"inheritable", capability_names(sets.inheritable)},
                               {"permitted", capability_names(sets.permitted)},
                               {"ambient", capability_names(sets.ambient)}};
  }
  out["noNewPrivileges"] = security.no_new_privileges;
  if (!security.rlimits.empty()) {
    json rlimits = json::array();
    for (const ProcessRlimit& limit : security.rlimits) {
      rlimits.push_back(json{{"type", name_of(kRlimits, limit.resource)}, {"soft", limit.soft}, {"hard", limit.hard}});
    }
    out["rlimits"] = rlimits;
  }
  if (security.oom_score_adj) out["oomScoreAdj"] = *security.oom_score_adj;
  if (security.seccomp) {
    const SeccompProfile& profile = *security.seccomp;
    json seccomp = encode_action(profile.default_action, "defaultAction", "defaultErrnoRet");
    if (!profile.architectures.empty()) seccomp["architectures"] = profile.architectures;
    if (!profile.flags.empty()) seccomp["flags"] = profile.flags;
    json syscalls = json::array();
    for (const SeccompRule& rule : profile.rules) {
      json entry = encode_action(rule.action, "action", "errnoRet");
      entry["names"] = rule.names;
      if (!rule.args.empty()) {
        json args = json::array();
        for (const SeccompArgument& arg : rule.args) {
          args.push_back(json{{"index", arg.index}, {"value", arg.value}, {"valueTwo", arg.value_two},
                              {"op", name_of(kCompares, arg.op)}});
        }
        entry["args"] = args;
      }
      syscalls.push_back(std::move(entry));
    }
    seccomp["syscalls"] = syscalls;
    if (!profile.program_path.empty()) seccomp[kSeccompProgramKey] = profile.program_path;
    out["seccomp"] = seccomp;
  }
  return out;
}

Status decode_process_security(const json& encoded, ProcessSecurity& out) {
  if (!encoded.is_object()) return Error::invalid("process security settings: must be an object");
  ConfigReader reader;
  auto seccomp = encoded.find("seccomp");
  return parse_process_security(reader, encoded, seccomp == encoded.end() ? nullptr : &*seccomp, out);
}

}  // namespace gocker::runtime
