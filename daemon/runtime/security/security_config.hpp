#pragma once
// config.json's security settings for one process, as plain data: process.capabilities,
// process.noNewPrivileges, process.rlimits, process.oomScoreAdj and linux.seccomp.
// https://github.com/opencontainers/runtime-spec/blob/v1.1.0/config.md#process
// https://github.com/opencontainers/runtime-spec/blob/v1.1.0/config-linux.md#seccomp
//
// They travel together because every process gocker starts inside a container - its init and
// each exec'd process - goes through the same final steps with them (process_setup.hpp). OCI keeps
// seccomp under "linux"; gocker holds it with the process so an exec carries the container's
// filter along with its capabilities.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "runtime/config_reader.hpp"
#include "runtime/security/seccomp_program.hpp"

namespace gocker::runtime {

// Capability numbers (CAP_CHOWN = 0, ...), resolved from their names when parsed.
struct CapabilitySets {
  std::vector<int> bounding;
  std::vector<int> effective;
  std::vector<int> inheritable;
  std::vector<int> permitted;
  std::vector<int> ambient;
};

struct ProcessRlimit {
  int resource = 0;  // RLIMIT_NOFILE, ...
  uint64_t soft = 0;
  uint64_t hard = 0;
};

enum class SeccompActionKind { kKill, kKillProcess, kKillThread, kTrap, kErrno, kTrace, kAllow, kLog };

struct SeccompAction {
  SeccompActionKind kind = SeccompActionKind::kAllow;
  uint32_t value = 0;  // kErrno: the errno returned; kTrace: the tracer's message
  bool operator==(const SeccompAction&) const = default;
};

enum class SeccompCompare { kNotEqual, kLess, kLessOrEqual, kEqual, kGreaterOrEqual, kGreater, kMaskedEqual };

struct SeccompArgument {
  unsigned index = 0;  // 0-5
  uint64_t value = 0;
  uint64_t value_two = 0;  // kMaskedEqual: the value compared after masking with `value`
  SeccompCompare op = SeccompCompare::kEqual;
};

struct SeccompRule {
  std::vector<std::string> names;
  SeccompAction action;
  std::vector<SeccompArgument> args;
};

struct SeccompProfile {
  SeccompAction default_action;
  std::vector<std::string> architectures;  // "SCMP_ARCH_X86_64", ...; empty: the native one only
  std::vector<std::string> flags;          // "SECCOMP_FILTER_FLAG_LOG", ...
  std::vector<SeccompRule> rules;
  // gocker's extension key kSeccompProgramKey in linux.seccomp: the file gockerd compiled these
  // rules into. The program is read at parse time, before the process enters the container.
  std::string program_path;
  std::optional<SeccompProgram> program;
};

inline constexpr const char* kSeccompProgramKey = "io.gocker.program";

struct ProcessSecurity {
  std::optional<CapabilitySets> capabilities;  // absent: the process keeps what it has
  bool no_new_privileges = false;
  std::vector<ProcessRlimit> rlimits;
  std::optional<int> oom_score_adj;
  std::optional<SeccompProfile> seccomp;  // absent: no filter
};

// Fills `out` from an OCI process object (capabilities, noNewPrivileges, rlimits, oomScoreAdj)
// and, when given, a linux.seccomp object. InvalidArgument names the field for anything malformed
// or unknown (a capability, rlimit, action or operator name).
Status parse_process_security(ConfigReader& reader, const nlohmann::json& process, const nlohmann::json* seccomp,
                              ProcessSecurity& out);

// The same settings back as JSON in config.json's field names, all at one level
// ({"capabilities":..., "noNewPrivileges":..., "rlimits":..., "oomScoreAdj":..., "seccomp":...}),
// which parse_process_security reads when given the object as both `process` and `seccomp`'s
// parent: the exec spec carries it that way.
nlohmann::json encode_process_security(const ProcessSecurity& security);
Status decode_process_security(const nlohmann::json& encoded, ProcessSecurity& out);

// Names as config.json writes them: "CAP_CHOWN", "RLIMIT_NOFILE". Empty for an unknown number.
std::string capability_name(int capability);
std::optional<int> capability_from_name(const std::string& name);
std::string rlimit_name(int resource);

}  // namespace gocker::runtime
