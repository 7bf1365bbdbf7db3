// The client's HTTP edge cases against a scripted server on a temporary unix socket: the hijack
// handshake with stream bytes arriving in the same read as the 101 head, the half-close, the
// wait reply whose head comes long before its chunked body, and a close-delimited logs body.
#include "api_client.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include "api/stream_frame.hpp"
#include "url.hpp"

using namespace gocker::client;

namespace {

// One-connection scripted server; `script` gets the accepted fd.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::function<void(int)> script) {
    char dir[] = "/tmp/gockerctl-test-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    dir_ = dir;
    path_ = dir_ + "/s.sock";
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listen_fd_ >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path_.copy(address.sun_path, sizeof address.sun_path - 1);
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listen_fd_, 4) == 0);
    thread_ = std::thread([this, script = std::move(script)] {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      script(fd);
      ::close(fd);
    });
  }
  ~ScriptedServer() {
    thread_.join();
    ::close(listen_fd_);
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }
  DaemonAddress address() const { return {"unix://" + path_, path_}; }

 private:
  std::string dir_;
  std::string path_;
  int listen_fd_ = -1;
  std::thread thread_;
};

// Reads until the end of the request head (requests here carry no body).
std::string read_head(int fd) {
  std::string head;
  char byte;
  while (head.find("\r\n\r\n") == std::string::npos && ::read(fd, &byte, 1) == 1) head += byte;
  return head;
}

std::string read_to_eof(int fd) {
  std::string data;
  char buffer[4096];
  ssize_t got;
  while ((got = ::read(fd, buffer, sizeof buffer)) > 0) data.append(buffer, static_cast<size_t>(got));
  return data;
}

void send_text(int fd, std::string_view text) { REQUIRE(::send(fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size())); }

std::string json_reply(std::string_view status, std::string_view body) {
  return "HTTP/1.1 " + std::string(status) + "\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

}  // namespace

TEST_CASE("hijack: upgrade headers sent, early stream bytes kept, half-close seen by the server") {
  std::string request_head;
  std::string received_after_upgrade;
  {
    ScriptedServer server([&](int fd) {
      request_head = read_head(fd);
      send_text(fd, "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\n"
                    "Upgrade: tcp\r\n\r\n" +
                        gocker::api::encode_frame(gocker::api::StreamType::Stdout, "early"));
      received_after_upgrade = read_to_eof(fd);  // ends only if the client half-closes
      send_text(fd, gocker::api::encode_frame(gocker::api::StreamType::Stderr, "late"));
    });
    ApiClient client(server.address());
    auto stream = client.hijack(api_target("/containers/x/attach", {{"stream", "1"}, {"stdin", "1"}}));
    REQUIRE(stream.has_value());
    CHECK(stream->take_buffered() == gocker::api::encode_frame(gocker::api::StreamType::Stdout, "early"));
    send_text(stream->fd(), "abc\n");
    REQUIRE(stream->close_write().has_value());
    CHECK(read_to_eof(stream->fd()) == gocker::api::encode_frame(gocker::api::StreamType::Stderr, "late"));
  }
  CHECK(request_head.rfind("POST /v1.41/containers/x/attach?stream=1&stdin=1 HTTP/1.1\r\n", 0) == 0);
  CHECK(request_head.find("Connection: Upgrade\r\n") != std::string::npos);
  CHECK(request_head.find("Upgrade: tcp\r\n") != std::string::npos);
  CHECK(received_after_upgrade == "abc\n");
}

TEST_CASE("hijack: an error status is the daemon's message, not a stream") {
  ScriptedServer server([](int fd) {
    read_head(fd);
    send_text(fd, json_reply("404 Not Found", R"({"message":"No such container: nope"})"));
  });
  ApiClient client(server.address());
  auto stream = client.hijack(api_target("/containers/nope/attach"));
  REQUIRE_FALSE(stream.has_value());
  CHECK(stream.error().kind == FailureKind::Daemon);
  CHECK(stream.error().http_status == 404);
  CHECK(stream.error().message == "Error response from daemon: No such container: nope");
}

TEST_CASE("begin returns at the head; finish reads a chunked body sent later") {
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  ScriptedServer server([&](int fd) {
    read_head(fd);
    send_text(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
    char go;
    REQUIRE(::read(pipe_fds[0], &go, 1) == 1);  // the body only after the client saw the head
    send_text(fd, "d\r\n{\"StatusCode\"\r\n");
    send_text(fd, "a\r\n:3,\"Error\"\r\n6\r\n:null}\r\n0\r\n\r\n");
  });
  ApiClient client(server.address());
  auto pending = client.begin(Method::Post, api_target("/containers/x/wait", {{"condition", "next-exit"}}));
  REQUIRE(pending.has_value());
  CHECK(pending->status() == 200);
  REQUIRE(::write(pipe_fds[1], "g", 1) == 1);
  auto reply = pending->finish();
  REQUIRE(reply.has_value());
  CHECK(reply->body == R"({"StatusCode":3,"Error":null})");
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

TEST_CASE("stream delivers a body that ends with the connection") {
  const std::string frames = gocker::api::encode_frame(gocker::api::StreamType::Stdout, "hello\n") +
                             gocker::api::encode_frame(gocker::api::StreamType::Stderr, "oops\n");
  ScriptedServer server([&](int fd) {
    read_head(fd);
    send_text(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n");
    for (size_t offset = 0; offset < frames.size(); offset += 5) send_text(fd, frames.substr(offset, 5));
  });
  ApiClient client(server.address());
  std::string body;
  auto streamed = client.stream(Method::Get, api_target("/containers/x/logs"), [&body](std::string_view piece) -> Outcome<void> {
    body.append(piece);
    return {};
  });
  REQUIRE(streamed.has_value());
  CHECK(body == frames);
}

TEST_CASE("call_expecting_success turns an error reply into docker's line") {
  ScriptedServer server([](int fd) {
    read_head(fd);
    send_text(fd, json_reply("409 Conflict", R"({"message":"You cannot remove a running one"})"));
  });
  ApiClient client(server.address());
  auto reply = client.call_expecting_success(Method::Delete, api_target("/containers/x"));
  REQUIRE_FALSE(reply.has_value());
  CHECK(reply.error().message == "Error response from daemon: You cannot remove a running one");
}

TEST_CASE("no daemon: the failure says the socket does not exist") {
  ApiClient client(DaemonAddress{"unix:///nonexistent/gocker.sock", "/nonexistent/gocker.sock"});
  auto reply = client.call(Method::Get, api_target("/_ping"));
  REQUIRE_FALSE(reply.has_value());
  CHECK(reply.error().kind == FailureKind::CannotConnect);
  CHECK(reply.error().message ==
        "Cannot connect to the gocker daemon at unix:///nonexistent/gocker.sock: socket does not exist. Is gockerd running?");
}
