#pragma once
// The rows of `ps` and `images`, as the docker CLI's default table formats show them. Pure: the
// current time is a parameter.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/container_types.hpp"
#include "api/system_types.hpp"
#include "outcome.hpp"

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

// `ps --format`: the fields docker's ContainerContext offers a template, as strings, in the order
// `{{json .}}` prints them: Command (quoted, cut to 20 with `truncate`), CreatedAt (local time,
// Go's time.String form "2006-01-02 15:04:05 -0700 MST"), ID (12 characters with `truncate`),
// Image, Labels ("k=v,k2=v2", sorted), LocalVolumes, Mounts, Names, Networks, Ports, RunningFor
// ("5 minutes ago"), Size, State, Status.
nlohmann::ordered_json container_format_fields(const api::ContainerSummary& container, int64_t now_unix_seconds,
                                               bool truncate);

// Renders `ps --format`. "table ..." prints a header row (docker's column titles) and aligns the
// cells the template separates with tabs ("\t" in the format, as docker reads it) like the
// default table; "json" is {{json .}}; anything else is one line per container. Supported
// template syntax: literal text, {{.Field}}, {{json .Field}}, {{json .}}, {{.Label "key"}}
// (see inspect_format.hpp); other actions are a usage error.
Outcome<std::string> render_container_format(std::string_view format,
                                             const std::vector<api::ContainerSummary>& containers,
                                             int64_t now_unix_seconds, bool truncate);

}  // namespace gocker::client
