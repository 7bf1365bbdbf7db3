#pragma once
// Docker Engine API (v1.41) wire types of the image routes the images issue adds: history, delete
// and the {"Id": ...} answer of commit. No I/O here.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gocker::api {

// One row of GET /images/{name}/history, newest first. Id is the image's id on its top row and
// "<missing>" below it (the layers' own images are not kept, as with a pulled image in dockerd).
struct ImageHistoryItem {
  std::string id;
  int64_t created = 0;  // unix seconds
  std::string created_by;
  std::vector<std::string> tags;  // on the top row: the image's tags, familiar form
  int64_t size = 0;
  std::string comment;
};
void to_json(nlohmann::json& j, const ImageHistoryItem& value);

// One element of DELETE /images/{name}'s answer: exactly one of the two is set.
struct ImageDeleteItem {
  std::optional<std::string> untagged;
  std::optional<std::string> deleted;
};
void to_json(nlohmann::json& j, const ImageDeleteItem& value);

// POST /commit: 201 {"Id": "sha256:..."}.
struct IdResponse {
  std::string id;
};
void to_json(nlohmann::json& j, const IdResponse& value);

}  // namespace gocker::api
