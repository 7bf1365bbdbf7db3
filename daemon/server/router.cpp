#include "server/router.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <exception>

#include <spdlog/spdlog.h>

#include "api/system_types.hpp"
#include "base/strings.hpp"
#include "server/error_status.hpp"

namespace gocker::server {

namespace {

const std::array<std::span<const Route>, 11>& all_route_tables() {
  // prune_routes() before image_routes(): literal paths first, so no "{name*}" route added later
  // can take "/images/prune".
  static const std::array<std::span<const Route>, 11> tables{
      system_routes(),          prune_routes(), image_routes(), container_routes(), container_resource_routes(),
      container_manage_routes(), exec_routes(),  event_routes(),     archive_routes(),
      volume_routes(),          network_routes()};
  return tables;
}

int version_component(std::string_view text) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  (void)ptr;
  return ec == std::errc{} ? value : 0;  // as moby's versions.compare: a non-number counts as 0
}

bool is_version_char(char c) { return (c >= '0' && c <= '9') || c == '.'; }

bool is_capture(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// A "{name*}" capture takes one or more segments, slashes included: image references such as
// "docker.io/library/busybox:latest" arrive unescaped in the path (dockerd's "{name:.*}").
bool is_multi_segment_capture(std::string_view segment) {
  return is_capture(segment) && segment.size() > 3 && segment[segment.size() - 2] == '*';
}

std::string capture_name(std::string_view segment) {
  return std::string(segment.substr(1, segment.size() - (is_multi_segment_capture(segment) ? 3 : 2)));
}

size_t segment_count(std::string_view path) { return static_cast<size_t>(std::count(path.begin(), path.end(), '/')) + 1; }

// Takes the text up to the next `separator` off `rest` (all of it when there is none).
std::string_view take_segment(std::string_view& rest, char separator = '/') {
  const size_t at = rest.find(separator);
  const std::string_view segment = rest.substr(0, at);
  rest = at == std::string_view::npos ? std::string_view{} : rest.substr(at + 1);
  return segment;
}

// Walks `pattern` over `path`, calling on_capture(pattern segment, raw text) for each "{...}";
// false at the first literal segment that differs. The segment counts are checked by the caller.
template <typename OnCapture>
bool walk_path(std::string_view pattern, std::string_view path, size_t extra, OnCapture&& on_capture) {
  while (true) {
    const bool last = pattern.find('/') == std::string_view::npos;
    const std::string_view expected = take_segment(pattern);
    if (!is_capture(expected)) {
      if (expected != take_segment(path)) return false;
    } else {
      // A "{name*}" takes its own segment and the `extra` ones after it, slashes and all.
      const char* begin = path.data();
      std::string_view end_segment = take_segment(path);
      if (is_multi_segment_capture(expected))
        for (size_t i = 0; i < extra; ++i) end_segment = take_segment(path);
      if (!on_capture(expected, std::string_view(begin, end_segment.data() + end_segment.size() - begin))) return false;
    }
    if (last) return true;
  }
}

// Matches "/containers/{id}/json" against "/containers/abc/json", capturing "{...}" segments.
// A pattern holds at most one "{name*}". Called for every route until one matches, so a miss
// allocates nothing: literals are compared first, captures decoded only on a match.
bool match_path(std::string_view pattern, std::string_view path, PathParams& params) {
  const size_t pattern_segments = segment_count(pattern);
  const size_t path_segments = segment_count(path);
  const bool has_multi = pattern.find("*}") != std::string_view::npos;
  if (has_multi ? path_segments < pattern_segments : path_segments != pattern_segments) return false;
  const size_t extra = path_segments - pattern_segments;
  if (!walk_path(pattern, path, extra, [](std::string_view, std::string_view raw) { return !raw.empty(); })) return false;
  PathParams captured;
  const bool decoded = walk_path(pattern, path, extra, [&](std::string_view expected, std::string_view raw) {
    auto value = percent_decode(raw);
    if (!value || value->empty()) return false;
    captured.add(capture_name(expected), std::move(*value));
    return true;
  });
  if (!decoded) return false;
  params = std::move(captured);
  return true;
}

}  // namespace

const std::string& PathParams::get(std::string_view name) const {
  static const std::string empty;
  for (const auto& [key, value] : values_)
    if (key == name) return value;
  return empty;
}

std::vector<RouteSpec> route_specs() {
  std::vector<RouteSpec> specs;
  for (const auto& table : all_route_tables())
    for (const Route& route : table) {
      // OpenAPI spells a multi-segment "{name*}" as a plain "{name}" parameter.
      std::string path(route.path);
      for (size_t star = path.find("*}"); star != std::string::npos; star = path.find("*}")) path.erase(star, 1);
      specs.push_back(RouteSpec{std::string(http::to_string(route.method)), std::move(path)});
    }
  return specs;
}

int compare_api_versions(std::string_view a, std::string_view b) {
  while (!a.empty() || !b.empty()) {
    const int left = version_component(take_segment(a, '.'));
    const int right = version_component(take_segment(b, '.'));
    if (left != right) return left < right ? -1 : 1;
  }
  return 0;
}

Result<ApiPath> split_api_version(std::string_view path) {
  // dockerd's routes are "/v{version:[0-9.]+}/..." plus the unversioned ones; "/version" is not a
  // version prefix because 'e' is not a version character.
  if (!starts_with(path, "/v") || path.size() < 3 || !is_version_char(path[2])) return ApiPath{std::string(path), ""};
  size_t end = 2;
  while (end < path.size() && is_version_char(path[end])) ++end;
  if (end < path.size() && path[end] != '/') return ApiPath{std::string(path), ""};
  std::string version(path.substr(2, end - 2));
  if (compare_api_versions(version, api::kMinApiVersion) < 0)
    return Error::invalid("client version " + version + " is too old. Minimum supported API version is " +
                          api::kMinApiVersion + ", please upgrade your client to a newer version");
  if (compare_api_versions(version, api::kMaxApiVersion) > 0)
    return Error::invalid("client version " + version + " is too new. Maximum supported API version is " +
                          api::kMaxApiVersion);
  return ApiPath{std::string(path.substr(end)), std::move(version)};
}

RouteMatch match_route(http::verb method, std::string_view path) {
  RouteMatch match;
  for (const auto& table : all_route_tables()) {
    for (const Route& route : table) {
      PathParams params;
      if (!match_path(route.path, path, params)) continue;
      match.allowed_methods.push_back(route.method);
      if (route.method == method) {
        match.route = &route;
        match.params = std::move(params);
        return match;
      }
    }
  }
  return match;
}

engine::Task<Reply> Router::dispatch(const Request& request) const {
  std::string_view target = request.target();
  size_t question = target.find('?');
  std::string_view raw_path = target.substr(0, question);
  std::string_view raw_query = question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);

  auto api_path = split_api_version(raw_path);
  if (!api_path) co_return error_response(api_path.error());
  RouteMatch match = match_route(request.method(), api_path->path);
  if (!match.route) {
    if (match.allowed_methods.empty()) co_return json_response(http::status::not_found, api::error_body("page not found"));
    Response response = json_response(http::status::method_not_allowed, api::error_body("method not allowed"));
    // RFC 9110 15.5.6: a 405 lists the methods the resource does support.
    std::string allowed;
    for (http::verb allowed_method : match.allowed_methods)
      allowed += (allowed.empty() ? "" : ", ") + std::string(http::to_string(allowed_method));
    response.set(http::field::allow, allowed);
    co_return response;
  }
  auto query = QueryParams::parse(raw_query);
  if (!query) co_return error_response(query.error());

  // Both arms as views: with a const char* and a std::string the conditional would be a temporary
  // std::string, and the view would dangle past this line (clang's -Wdangling-gsl).
  std::string_view api_version = api_path->api_version.empty() ? std::string_view(api::kMaxApiVersion)
                                                                : std::string_view(api_path->api_version);
  RequestContext context{engine_, request, match.params, *query, api_version, server_version_, upload_stall_timeout_};
  // The last-resort catch (STYLE.md section 2): the engine returns Result, but a library may still
  // throw (a bad_alloc, a JSON type error). One request fails; the daemon stays up.
  std::string failure;
  try {
    co_return co_await match.route->handler(context);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  spdlog::error("{} {}: handler threw: {}", std::string(request.method_string()), std::string(target), failure);
  co_return json_response(http::status::internal_server_error, api::error_body("internal error: " + failure));
}

}  // namespace gocker::server
