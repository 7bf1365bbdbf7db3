#pragma once
// The parts of config.json that only matter to a standalone runtime (gocker-runc) and the state it
// reports: annotations, hooks, domainname, ... Parsed into fields at the end of OciSpec by a call
// at the end of parse_oci_config, so the engine-facing parser stays as it was.
#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "runtime/oci_config.hpp"

namespace gocker::runtime {

Status parse_config_extras(const nlohmann::json& document, OciSpec& spec);

}  // namespace gocker::runtime
