#include "api/image_edit_types.hpp"

namespace gocker::api {

void to_json(nlohmann::json& j, const ImageHistoryItem& value) {
  j = nlohmann::json{{"Id", value.id},
                     {"Created", value.created},
                     {"CreatedBy", value.created_by},
                     {"Tags", value.tags.empty() ? nlohmann::json(nullptr) : nlohmann::json(value.tags)},
                     {"Size", value.size},
                     {"Comment", value.comment}};
}

void to_json(nlohmann::json& j, const ImageDeleteItem& value) {
  j = nlohmann::json::object();
  if (value.untagged) j["Untagged"] = *value.untagged;
  if (value.deleted) j["Deleted"] = *value.deleted;
}

void to_json(nlohmann::json& j, const IdResponse& value) { j = nlohmann::json{{"Id", value.id}}; }

}  // namespace gocker::api
