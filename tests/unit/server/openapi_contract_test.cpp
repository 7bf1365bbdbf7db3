// openapi.yaml is a contract: its paths and methods must be exactly the daemon's route table.
// A minimal line-based reading is enough for the part compared here: under the top-level
// `paths:` key, two-space-indented keys are paths and four-space-indented HTTP methods are
// operations.
#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "server/router.hpp"

using gocker::server::RouteSpec;

namespace {

size_t indentation(const std::string& line) { return line.find_first_not_of(' '); }

std::string mapping_key(const std::string& line) {
  std::string key = line.substr(indentation(line));
  key = key.substr(0, key.find(':'));
  if (key.size() >= 2 && (key.front() == '"' || key.front() == '\'')) key = key.substr(1, key.size() - 2);
  return key;
}

std::set<std::string> openapi_operations(const std::string& file) {
  static const std::set<std::string> kMethods{"get", "put", "post", "delete", "options", "head", "patch", "trace"};
  std::ifstream input(file);
  REQUIRE_MESSAGE(input.good(), "cannot read ", file);
  std::set<std::string> operations;
  bool in_paths = false;
  std::string path;
  for (std::string line; std::getline(input, line);) {
    if (line.empty() || indentation(line) == std::string::npos || line[indentation(line)] == '#') continue;
    if (indentation(line) == 0) {
      in_paths = line.rfind("paths:", 0) == 0;
      continue;
    }
    if (!in_paths) continue;
    if (indentation(line) == 2) {
      path = mapping_key(line);
    } else if (indentation(line) == 4 && kMethods.count(mapping_key(line))) {
      std::string method = mapping_key(line);
      std::transform(method.begin(), method.end(), method.begin(), ::toupper);
      operations.insert(method + " " + path);
    }
  }
  return operations;
}

}  // namespace

TEST_CASE("openapi.yaml and the route table list exactly the same routes") {
  std::set<std::string> documented = openapi_operations(std::string(GOCKER_SOURCE_DIR) + "/openapi.yaml");
  std::set<std::string> served;
  for (const RouteSpec& spec : gocker::server::route_specs()) served.insert(spec.method + " " + spec.path);

  REQUIRE(!served.empty());
  for (const std::string& route : served) CHECK_MESSAGE(documented.count(route), "served but not in openapi.yaml: ", route);
  for (const std::string& route : documented) CHECK_MESSAGE(served.count(route), "in openapi.yaml but not served: ", route);
}
