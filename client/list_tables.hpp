#pragma once
// The rows of `ps` and `images`, as the docker CLI's default table formats show them. Pure: the
// current time is a parameter.
#include <cstdint>
#include <string>
#include <vector>

#include "api/container_types.hpp"
#include "api/system_types.hpp"

namespace gocker::client {

using TableRows = std::vector<std::vector<std::string>>;

// CONTAINER ID, IMAGE, COMMAND, CREATED, STATUS, PORTS, NAMES (header first). With `truncate`,
// ids are 12 characters and the command at most 20 (with "…"); the command is always quoted.
TableRows container_table(const std::vector<api::ContainerSummary>& containers, int64_t now_unix_seconds,
                          bool truncate);

// REPOSITORY, TAG, IMAGE ID, CREATED, SIZE (header first); one row per tag, "<none>" without any.
TableRows image_table(const std::vector<api::ImageSummary>& images, int64_t now_unix_seconds, bool truncate);

// A container's names for the NAMES column: without the API's leading "/", comma-separated.
std::string display_names(const std::vector<std::string>& names);

}  // namespace gocker::client
