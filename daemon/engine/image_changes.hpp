#pragma once
// The `changes` of commit and import (`-c/--change`): Dockerfile instructions applied to an image's
// runtime defaults, the "config" object of its OCI config (Docker's field names: Cmd, Entrypoint,
// Env, WorkingDir, User, Labels, ExposedPorts, Volumes, StopSignal, OnBuild).
//
// Accepted, as dockerd accepts them (case-insensitive instruction, one per line or per change):
//   CMD ["a","b"] | CMD a b          exec form, or shell form run by /bin/sh -c
//   ENTRYPOINT ...                   the same forms; without an earlier CMD it also clears Cmd
//   ENV A=b C="d e" | ENV A b c      replaces the variable; the legacy form takes the rest as value
//   LABEL k=v ...                    the same pair syntax
//   WORKDIR /p | WORKDIR rel         relative to the current WorkingDir
//   USER u[:g]   STOPSIGNAL SIGTERM  EXPOSE 80 53/udp 8000-8002   VOLUME /d | VOLUME ["/d"]
//   ONBUILD <instruction>
// Variables ($A) are not substituted. Anything else is InvalidArgument, so commit and import
// refuse a bad change before doing any work.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"

namespace gocker::engine {

// Applies the changes in order. `config` must be a JSON object (it is modified in place only when
// every change is valid).
Status apply_image_changes(nlohmann::json& config, const std::vector<std::string>& changes);

// Splits "A=b C=\"d e\"" into words the way the Dockerfile parser does: whitespace separates,
// double and single quotes group (and are removed), a backslash escapes the next character
// outside single quotes. Exposed for tests.
Result<std::vector<std::string>> split_change_words(const std::string& text);

}  // namespace gocker::engine
