#pragma once
// A scripted Engine for the server's unit tests. Containers: "web" (created, no tty), "tty" (tty),
// "running" (start => NotModified), "throw" (inspect throws, to reach the last-resort catch);
// anything else is NotFound with dockerd's "No such container: <ref>". It records what the server
// passed so tests can check the request decoding.
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "engine/engine.hpp"

namespace gocker::server::testing {

namespace net = boost::asio;

inline bool is_known_container(const std::string& ref) { return ref == "web" || ref == "tty" || ref == "running"; }
inline Error no_such_container(const std::string& ref) { return Error::not_found("No such container: " + ref); }

// Completes when the test releases it (the container "exits" with status 3).
class FakeExitWaiter : public engine::ExitWaiter {
 public:
  explicit FakeExitWaiter(net::any_io_executor executor) : exited_(executor, std::chrono::steady_clock::time_point::max()) {}
  engine::Task<api::WaitResponse> wait() override {
    co_await exited_.async_wait(net::as_tuple(net::use_awaitable));
    co_return api::WaitResponse{3, std::nullopt};
  }
  void release() { exited_.cancel(); }

 private:
  net::steady_timer exited_;
};

class FakeEngine : public engine::Engine {
 public:
  explicit FakeEngine(net::any_io_executor executor) : executor_(std::move(executor)) {}

  api::VersionInfo version() const override {
    api::VersionInfo info;
    info.version = "9.9.9";
    return info;
  }
  api::SystemInfo info() const override {
    api::SystemInfo info;
    info.containers = 3;
    return info;
  }
  Result<std::vector<api::ImageSummary>> list_images() const override {
    api::ImageSummary image;
    image.id = "sha256:0123";
    image.repo_tags = {"busybox:latest"};
    return std::vector<api::ImageSummary>{image};
  }

  Result<api::ContainerCreateResponse> create_container(const std::string& name,
                                                        const api::ContainerCreateRequest& request) override {
    created_name = name;
    created_request = request;
    if (request.config.image != "busybox") return Error::not_found("No such image: " + request.config.image);
    return api::ContainerCreateResponse{"4f2a9c", {}};
  }
  Result<std::vector<api::ContainerSummary>> list_containers(const engine::ListOptions& options) const override {
    list_options = options;
    api::ContainerSummary summary;
    summary.id = "4f2a9c";
    summary.names = {"/web"};
    return std::vector<api::ContainerSummary>{summary};
  }
  Result<api::ContainerInspect> inspect_container(const std::string& ref) const override {
    if (ref == "throw") throw std::runtime_error("scripted failure");
    if (!is_known_container(ref)) return no_such_container(ref);
    api::ContainerInspect inspect;
    inspect.id = "4f2a9c";
    inspect.name = "/" + ref;
    return inspect;
  }

  engine::Task<Status> start_container(std::string ref) override {
    if (ref == "running") co_return Error{ErrorKind::NotModified, 0, "container already started"};
    if (!is_known_container(ref)) co_return no_such_container(ref);
    started.push_back(ref);
    co_return ok();
  }
  engine::Task<Status> stop_container(std::string ref, std::optional<int> timeout_seconds) override {
    stop_timeout = timeout_seconds;
    if (!is_known_container(ref)) co_return no_such_container(ref);
    co_return ok();
  }
  Status kill_container(const std::string& ref, const std::string& signal) override {
    kill_signal = signal;
    if (!is_known_container(ref)) return no_such_container(ref);
    return ok();
  }
  engine::Task<Status> remove_container(std::string ref, bool force, bool /*remove_volumes*/) override {
    remove_force = force;
    if (!is_known_container(ref)) co_return no_such_container(ref);
    if (ref == "running" && !force)
      co_return Error::conflict("You cannot remove a running container " + ref + ". Stop the container before attempting removal or force remove");
    co_return ok();
  }
  Status resize_container(const std::string& ref, int height, int width) override {
    resized = {height, width};
    if (!is_known_container(ref)) return no_such_container(ref);
    return ok();
  }

  Result<std::shared_ptr<engine::ExitWaiter>> watch_exit(const std::string& ref, engine::WaitCondition condition) override {
    if (!is_known_container(ref)) return no_such_container(ref);
    wait_condition = condition;
    auto waiter = std::make_shared<FakeExitWaiter>(executor_);
    waiters.push_back(waiter);
    return std::shared_ptr<engine::ExitWaiter>(waiter);
  }
  void release_waiters() {
    for (auto& waiter : waiters) waiter->release();
  }

  Result<bool> container_has_tty(const std::string& ref) const override {
    if (!is_known_container(ref)) return no_such_container(ref);
    return ref == "tty";
  }
  // Says hello, reads what the client sends next on the raw connection, says bye, hangs up.
  engine::Task<void> attach_container(std::string ref, engine::AttachOptions options, engine::UnixSocket client,
                                      std::string buffered_input) override {
    attached_ref = ref;
    attach_options = options;
    attach_buffered_input = buffered_input;
    co_await net::async_write(client, net::buffer(std::string("hello from container")), net::as_tuple(net::use_awaitable));
    char bytes[64];
    auto [error, count] = co_await client.async_read_some(net::buffer(bytes), net::as_tuple(net::use_awaitable));
    if (!error) attach_stdin_after_head.assign(bytes, count);
    co_await net::async_write(client, net::buffer(std::string("bye")), net::as_tuple(net::use_awaitable));
  }
  engine::Task<void> stream_logs(std::string ref, engine::LogOptions options, engine::UnixSocket client) override {
    logs_ref = ref;
    log_options = options;
    co_await net::async_write(client, net::buffer(std::string("log line\n")), net::as_tuple(net::use_awaitable));
  }
  Status check_logs(const std::string& ref, const engine::LogOptions&) const override {
    if (!is_known_container(ref)) return no_such_container(ref);
    return ok();
  }

  void shutdown() override { shut_down = true; }
  // Records the decoded query; the stream itself is not scripted.
  Result<std::unique_ptr<EventStream>> subscribe_events(const EventQuery& query) override {
    event_query = query;
    return Error::internal("events are not supported");
  }

  // What the server passed in.
  std::string created_name;
  api::ContainerCreateRequest created_request;
  mutable engine::ListOptions list_options;
  std::vector<std::string> started;
  std::optional<int> stop_timeout;
  std::string kill_signal;
  bool remove_force = false;
  std::pair<int, int> resized{0, 0};
  std::optional<engine::WaitCondition> wait_condition;
  std::vector<std::shared_ptr<FakeExitWaiter>> waiters;
  std::string attached_ref;
  engine::AttachOptions attach_options;
  std::string attach_buffered_input;
  std::string attach_stdin_after_head;
  std::string logs_ref;
  engine::LogOptions log_options;
  bool shut_down = false;
  std::optional<engine::Engine::EventQuery> event_query;

 private:
  net::any_io_executor executor_;
};

}  // namespace gocker::server::testing
