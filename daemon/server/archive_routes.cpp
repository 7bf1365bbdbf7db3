// Routes for docker cp: GET, PUT and HEAD /containers/{id}/archive (moby's
// daemon/server/router/container/copy.go). GET and HEAD carry the path's stat in the
// X-Docker-Container-Path-Stat header (base64 of its JSON); the CLI reads it to decide how to copy
// (file or directory, follow a link with -L). GET's tar is streamed: the head goes out first, then
// the engine writes the archive to the connection and closes it.
#include <array>
#include <span>

#include <nlohmann/json.hpp>

#include "server/error_status.hpp"
#include "server/route.hpp"

namespace gocker::server {

namespace {

constexpr std::string_view kPathStatHeader = "X-Docker-Container-Path-Stat";

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8) | uint8_t(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == bytes.size()) {
    uint32_t n = uint32_t(uint8_t(bytes[i])) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    uint32_t n = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string path_stat_header_value(const engine::Engine::PathStat& stat) {
  nlohmann::json body{{"name", stat.name},
                      {"size", stat.size},
                      {"mode", stat.mode},
                      {"mtime", stat.mtime},
                      {"linkTarget", stat.link_target}};
  return base64_encode(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// moby answers a missing or empty path with 400 "path" required.
Result<std::string> required_path(const RequestContext& context) {
  auto path = context.query.get("path");
  if (!path || path->empty()) return Error::invalid("path is required");
  return *path;
}

engine::Task<Reply> head_archive(const RequestContext& context) {
  auto path = required_path(context);
  if (!path) co_return error_response(path.error());
  auto stat = context.engine.stat_container_path(context.params.get("id"), *path);
  if (!stat) co_return error_response(stat.error());
  Response response = empty_response(http::status::ok);
  response.set(kPathStatHeader, path_stat_header_value(*stat));
  co_return response;
}

engine::Task<Reply> get_archive(const RequestContext& context) {
  auto path = required_path(context);
  if (!path) co_return error_response(path.error());
  auto source = context.engine.open_container_archive(context.params.get("id"), *path);
  if (!source) co_return error_response(source.error());
  // No Content-Length (the size is known only at the end): the body ends when the connection does.
  std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nConnection: close\r\n" +
                     std::string(kPathStatHeader) + ": " + path_stat_header_value((*source)->stat()) + "\r\n" +
                     common_header_lines(context.server_version) + "\r\n";
  co_return HijackReply{std::move(head),
                        [source = std::move(*source)](engine::UnixSocket client, std::string /*buffered_input*/) {
                          return source->send(std::move(client));
                        }};
}

engine::Task<Reply> put_archive(const RequestContext& context) {
  auto path = required_path(context);
  if (!path) co_return error_response(path.error());
  bool no_overwrite = context.query.get_bool("noOverwriteDirNonDir");
  // Without copyUIDGID the files belong to root (docker's default); with it moby gives them the
  // container user's ids, gocker keeps the archive's (what `cp -a` sends from the host).
  bool copy_uid_gid = context.query.get_bool("copyUIDGID");
  Status extracted = context.engine.extract_to_container(context.params.get("id"), *path, no_overwrite, copy_uid_gid,
                                                         context.request.body());
  if (!extracted) co_return error_response(extracted.error());
  co_return empty_response(http::status::ok);
}

constexpr std::array kArchiveRoutes{
    Route{http::verb::head, "/containers/{id}/archive", head_archive},
    Route{http::verb::get, "/containers/{id}/archive", get_archive},
    Route{http::verb::put, "/containers/{id}/archive", put_archive},
};

}  // namespace

std::span<const Route> archive_routes() { return kArchiveRoutes; }

}  // namespace gocker::server
