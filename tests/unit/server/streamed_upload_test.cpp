// The image upload's own body reader: which requests it takes over, and that it writes exactly
// the body to its file whatever the framing (Content-Length or chunked), including the bytes the
// session had already read past the head.
#include "server/streamed_upload.hpp"

#include <stdio.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/write.hpp>
#include <doctest/doctest.h>

#include <optional>
#include <thread>

namespace net = boost::asio;
using namespace gocker;
using namespace gocker::server;

namespace {

Request head_of(http::verb method, std::string target) {
  Request request{method, target, 11};
  return request;
}

std::string file_contents(int fd) {
  std::string out;
  char buffer[4096];
  ::lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) out.append(buffer, static_cast<size_t>(n));
  return out;
}

// Runs receive_body on one end of a socketpair while `wire` is written to the other end.
Status receive(const Request& head, std::string buffered, const std::string& wire, int fd) {
  net::io_context io;
  engine::UnixSocket ours(io), theirs(io);
  net::local::connect_pair(ours, theirs);
  std::thread writer([&theirs, &wire] {
    boost::system::error_code ignored;
    net::write(theirs, net::buffer(wire), ignored);
    theirs.shutdown(net::socket_base::shutdown_send, ignored);  // the client is done (or gone)
  });
  std::optional<Status> result;
  net::co_spawn(
      io, [&]() -> engine::Task<void> { result = (co_await receive_body(ours, buffered, head, fd, std::chrono::seconds(30))).status; },
      net::detached);
  io.run();
  writer.join();
  REQUIRE(result.has_value());
  return *result;
}

}  // namespace

TEST_CASE("streamed uploads: only an import with fromSrc reads its own body") {
  CHECK(is_streamed_upload(head_of(http::verb::post, "/v1.41/images/create?fromSrc=-&repo=a")));
  CHECK(is_streamed_upload(head_of(http::verb::post, "/images/create?repo=a&fromSrc=-")));
  CHECK_FALSE(is_streamed_upload(head_of(http::verb::post, "/images/create?fromImage=busybox")));
  CHECK_FALSE(is_streamed_upload(head_of(http::verb::post, "/images/create?xfromSrc=-")));
  CHECK_FALSE(is_streamed_upload(head_of(http::verb::post, "/images/create")));
  CHECK_FALSE(is_streamed_upload(head_of(http::verb::get, "/images/create?fromSrc=-")));
  CHECK_FALSE(is_streamed_upload(head_of(http::verb::post, "/images/created?fromSrc=-")));
}

TEST_CASE("streamed uploads: the body goes to the file, chunked or with a length") {
  const std::string body(300000, 'x');
  FILE* chunked_file = ::tmpfile();
  REQUIRE(chunked_file != nullptr);
  Request chunked = head_of(http::verb::post, "/images/create?fromSrc=-");
  chunked.set(http::field::transfer_encoding, "chunked");
  // The session had read "5\r\nab" past the head: the rest follows on the socket.
  std::string wire = "cde\r\n" + [&] {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", body.size());
    return std::string(size);
  }() + body + "\r\n0\r\n\r\n";
  Status got = receive(chunked, "5\r\nab", wire, ::fileno(chunked_file));
  REQUIRE_MESSAGE(got.has_value(), (got ? "" : got.error().message));
  CHECK(file_contents(::fileno(chunked_file)) == "abcde" + body);
  ::fclose(chunked_file);

  FILE* sized_file = ::tmpfile();
  REQUIRE(sized_file != nullptr);
  Request sized = head_of(http::verb::post, "/images/create?fromSrc=-");
  sized.set(http::field::content_length, std::to_string(body.size()));
  got = receive(sized, body.substr(0, 10), body.substr(10), ::fileno(sized_file));
  REQUIRE_MESSAGE(got.has_value(), (got ? "" : got.error().message));
  CHECK(file_contents(::fileno(sized_file)) == body);
  ::fclose(sized_file);

  // A body cut short is an error, not a shorter upload.
  FILE* cut_file = ::tmpfile();
  REQUIRE(cut_file != nullptr);
  got = receive(sized, "", body.substr(0, 1000), ::fileno(cut_file));
  CHECK_FALSE(got.has_value());
  ::fclose(cut_file);
}

TEST_CASE("streamed uploads: a body that stops arriving is abandoned after the stall timeout, not before") {
  net::io_context io;
  engine::UnixSocket ours(io), theirs(io);
  net::local::connect_pair(ours, theirs);
  Request head = head_of(http::verb::post, "/images/load");
  head.set(http::field::content_length, "1000");
  // Part of the body, then nothing: the client keeps the connection open.
  net::write(theirs, net::buffer(std::string(100, 'x')));
  FILE* file = ::tmpfile();
  REQUIRE(file != nullptr);
  std::optional<BodyReceived> result;
  const auto started = std::chrono::steady_clock::now();
  net::co_spawn(
      io,
      [&]() -> engine::Task<void> {
        result = co_await receive_body(ours, "", head, ::fileno(file), std::chrono::milliseconds(300));
      },
      net::detached);
  io.run();
  const auto waited = std::chrono::steady_clock::now() - started;
  REQUIRE(result.has_value());
  CHECK(result->stalled);
  CHECK_FALSE(result->status);
  CHECK(result->status.error().message.find("no data for 300 ms") != std::string::npos);
  CHECK(waited >= std::chrono::milliseconds(290));
  CHECK(waited < std::chrono::seconds(5));
  CHECK(file_contents(::fileno(file)) == std::string(100, 'x'));
  ::fclose(file);
}
