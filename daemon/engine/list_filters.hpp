#pragma once
// The `filters` of GET /containers/json (docker ps --filter), as plain data so they are unit-tested:
//   id=<prefix>            name=<regexp, against "/name">   label=<key> | label=<key>=<value>
//   status=created|restarting|running|removing|paused|exited|dead
//   exited=<code>          ancestor=<image ref or id>       before=<container>  since=<container>
// The same key given twice matches either value; different keys must all match. before/since
// name a container and compare creation times; the engine resolves them to those times first.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace gocker::engine {

using ListFilters = std::vector<std::pair<std::string, std::string>>;

struct ListedContainer {
  std::string id;
  std::string name;  // without the leading "/"
  std::string status;
  int exit_code = 0;
  std::string image_ref;
  std::string image_id;
  std::string created_at;  // RFC 3339 UTC: sorts as a string
  const std::map<std::string, std::string>* labels = nullptr;
};

// InvalidArgument in dockerd's words for an unknown key, a status that does not exist, or an
// exited value that is not a number.
Status validate_list_filters(const ListFilters& filters);

// The before/since containers' creation times, resolved by the caller.
struct CreationBounds {
  std::optional<std::string> before;  // list only containers created before this
  std::optional<std::string> since;   // ... and after this
};

bool matches_list_filters(const ListedContainer& container, const ListFilters& filters, const CreationBounds& bounds);

// Whether the filters themselves ask for stopped containers (as `-a` does): status, before, since.
bool list_filters_show_stopped(const ListFilters& filters);

}  // namespace gocker::engine
