#include "server/http_types.hpp"

#include "api/system_types.hpp"

namespace gocker::server {

std::string json_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Response json_response(http::status status, const nlohmann::json& body) {
  Response response{status, 11};
  response.set(http::field::content_type, kJsonContentType);
  response.body() = json_text(body);
  response.prepare_payload();
  return response;
}

Response empty_response(http::status status) {
  Response response{status, 11};
  response.prepare_payload();
  return response;
}

void add_common_headers(http::fields& fields, std::string_view server_version) {
  fields.set(http::field::server, "gocker/" + std::string(server_version));
  fields.set("API-Version", api::kMaxApiVersion);
  fields.set("OSType", "linux");
}

std::string common_header_lines(std::string_view server_version) {
  return "Server: gocker/" + std::string(server_version) + "\r\nAPI-Version: " + api::kMaxApiVersion +
         "\r\nOSType: linux\r\n";
}

}  // namespace gocker::server
