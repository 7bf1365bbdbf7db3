#include "server/registry_routes.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "server/error_status.hpp"
#include "server/streamed_upload.hpp"

namespace gocker::server {

engine::Task<void> pump_progress(std::shared_ptr<engine::Engine::ProgressJob> job, std::string server_version,
                                 engine::UnixSocket client) {
  std::string first = co_await job->read();
  if (first.empty()) {
    Status outcome = job->outcome();
    if (!outcome) {
      co_await send_final_response(client, error_response(outcome.error()), server_version);
      co_return;
    }
  }
  std::string pending = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n" +
                        common_header_lines(server_version) + "\r\n" + first;
  while (!pending.empty()) {
    auto [error, written] = co_await boost::asio::async_write(client, boost::asio::buffer(pending),
                                                              boost::asio::as_tuple(boost::asio::use_awaitable));
    if (error) {
      spdlog::debug("progress stream: client went away: {}", error.message());
      co_return;  // the job completes on its own; its writes fail quietly
    }
    pending = co_await job->read();
  }
  boost::system::error_code ignored;
  client.shutdown(engine::UnixSocket::shutdown_both, ignored);
  client.close(ignored);
}

engine::Task<Reply> pull_image(const RequestContext& context) {
  engine::Engine::PullOptions options;
  options.image = context.query.get_or("fromImage", "");
  options.tag = context.query.get_or("tag", "");
  if (auto auth = context.request.find("X-Registry-Auth"); auth != context.request.end())
    options.registry_auth = std::string(auth->value());
  if (options.image.empty()) co_return error_response(Error::invalid("fromImage must not be empty"));
  auto job = context.engine.pull_image(options);
  if (!job) co_return error_response(job.error());
  co_return HijackReply{"", [job = std::move(*job), version = std::string(context.server_version)](
                                engine::UnixSocket client, std::string) {
                          return pump_progress(job, version, std::move(client));
                        }};
}

engine::Task<Reply> login(const RequestContext& context) {
  auto body = nlohmann::json::parse(context.request.body(), nullptr, false);
  if (!body.is_object()) co_return error_response(Error::invalid("POST /auth: the body must be a JSON object (AuthConfig)"));
  auto text = [&body](const char* key) {
    auto found = body.find(key);
    return found != body.end() && found->is_string() ? found->get<std::string>() : std::string();
  };
  engine::Engine::LoginOptions options;
  options.username = text("username");
  options.password = text("password");
  options.identity_token = text("identitytoken");
  options.server_address = text("serveraddress");
  auto job = context.engine.check_login(options);
  if (!job) co_return error_response(job.error());
  std::string stream;
  for (std::string piece; !(piece = co_await (*job)->read()).empty();) stream += piece;
  if (Status outcome = (*job)->outcome(); !outcome) co_return error_response(outcome.error());
  // The job's one line, when the token server gave a refresh token: {"IdentityToken": "..."}.
  std::string identity_token;
  if (auto line = nlohmann::json::parse(stream, nullptr, false); line.is_object())
    if (auto found = line.find("IdentityToken"); found != line.end() && found->is_string())
      identity_token = found->get<std::string>();
  co_return json_response(http::status::ok,
                          nlohmann::json{{"Status", "Login Succeeded"}, {"IdentityToken", identity_token}});
}

engine::Task<Reply> push_image(const RequestContext& context) {
  engine::Engine::PushOptions options;
  options.image = context.params.get("name");
  options.tag = context.query.get_or("tag", "");
  if (auto auth = context.request.find("X-Registry-Auth"); auth != context.request.end())
    options.registry_auth = std::string(auth->value());
  auto job = context.engine.push_image(options);
  if (!job) co_return error_response(job.error());
  co_return HijackReply{"", [job = std::move(*job), version = std::string(context.server_version)](
                                engine::UnixSocket client, std::string) {
                          return pump_progress(job, version, std::move(client));
                        }};
}

}  // namespace gocker::server
