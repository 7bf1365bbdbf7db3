// Full request -> response through the real session and router, with the scripted FakeEngine.
// beast::test::stream carries plain HTTP; a socketpair carries what needs a real unix socket
// (hijack, logs, timeouts).
#include "server/session.hpp"

#include <limits>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "fake_engine.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
using namespace gocker::server;
using gocker::server::testing::FakeEngine;

namespace {

struct ParsedResponse {
  http::response<http::string_body> message;
  std::string raw_head;
};

// Splits a byte string into the HTTP responses it holds. `head_only` marks responses to HEAD
// requests, which carry a Content-Length but no body.
std::vector<ParsedResponse> parse_responses(std::string_view bytes, std::vector<bool> head_only = {}) {
  std::vector<ParsedResponse> responses;
  while (!bytes.empty()) {
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    if (responses.size() < head_only.size() && head_only[responses.size()]) parser.skip(true);
    std::string_view start = bytes;
    beast::error_code error;
    while (!parser.is_done() && !bytes.empty()) {
      size_t used = parser.put(net::buffer(bytes.data(), bytes.size()), error);
      bytes.remove_prefix(used);
      if (error) break;
    }
    REQUIRE_MESSAGE(parser.is_done(), "incomplete response: ", std::string(start), " error: ", error.message());
    ParsedResponse response;
    response.raw_head = std::string(start.substr(0, start.find("\r\n\r\n") + 4));
    response.message = parser.release();
    responses.push_back(std::move(response));
  }
  return responses;
}

nlohmann::json body_json(const ParsedResponse& response) { return nlohmann::json::parse(response.message.body()); }

struct SessionFixture {
  net::io_context io_context;
  FakeEngine engine{io_context.get_executor()};
  Router router{engine, "0.1.0"};
  SessionOptions options;

  // Sends `requests` on a fresh connection, half-closes it, and returns everything the server wrote.
  std::string exchange(const std::string& requests) {
    beast::test::stream client(io_context);
    beast::test::stream server_side(io_context);
    client.connect(server_side);
    net::co_spawn(io_context, serve_connection(std::move(server_side), router, options), net::detached);
    net::write(client, net::buffer(requests));
    client.close();
    io_context.run();
    io_context.restart();
    return std::string(client.str());
  }

  ParsedResponse request(const std::string& request_text) {
    auto responses = parse_responses(exchange(request_text));
    REQUIRE(responses.size() == 1);
    return responses.front();
  }
};

std::string post_json(const std::string& target, const std::string& body) {
  return "POST " + target + " HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}
std::string get(const std::string& target) { return "GET " + target + " HTTP/1.1\r\nHost: docker\r\n\r\n"; }
std::string post(const std::string& target) {
  return "POST " + target + " HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n\r\n";
}

}  // namespace

TEST_CASE_FIXTURE(SessionFixture, "GET and HEAD /_ping answer with the headers the docker CLI negotiates with") {
  auto responses = parse_responses(exchange(get("/_ping") + "HEAD /_ping HTTP/1.1\r\nHost: docker\r\n\r\n"), {false, true});
  REQUIRE(responses.size() == 2);
  for (const auto& response : responses) {
    const auto& message = response.message;
    CHECK(message.result() == http::status::ok);
    CHECK(message["API-Version"] == "1.41");
    CHECK(message["Docker-Experimental"] == "false");
    CHECK(message["OSType"] == "linux");
    CHECK(message[http::field::cache_control] == "no-cache, no-store, must-revalidate");
    CHECK(message[http::field::pragma] == "no-cache");
    CHECK(message[http::field::server] == "gocker/0.1.0");
  }
  CHECK(responses[0].message.body() == "OK");
  CHECK(responses[1].message[http::field::content_length] == "0");
  CHECK(responses[1].message.body().empty());
}

TEST_CASE_FIXTURE(SessionFixture, "keep-alive: two requests on one connection get two answers in order") {
  auto responses = parse_responses(exchange(get("/v1.41/version") + get("/containers/web/json")));
  REQUIRE(responses.size() == 2);
  CHECK(body_json(responses[0])["Version"] == "9.9.9");
  CHECK(body_json(responses[0])["ApiVersion"] == "1.41");
  CHECK(body_json(responses[1])["Name"] == "/web");
  CHECK(responses[0].message.keep_alive());
}

TEST_CASE_FIXTURE(SessionFixture, "Connection: close ends the connection after the answer") {
  std::string first = "GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n";
  auto responses = parse_responses(exchange(first + get("/_ping")));
  REQUIRE(responses.size() == 1);
  CHECK(!responses[0].message.keep_alive());
}

TEST_CASE_FIXTURE(SessionFixture, "create answers 201 with the id and passes the decoded request on") {
  auto response = request(post_json("/v1.41/containers/create?name=web",
                                     R"({"Image":"busybox","Cmd":["echo","hi"],"Env":null,"HostConfig":{"Memory":67108864}})"));
  CHECK(response.message.result() == http::status::created);
  CHECK(response.message[http::field::content_type] == "application/json");
  CHECK(body_json(response)["Id"] == "4f2a9c");
  CHECK(engine.created_name == "web");
  CHECK(engine.created_request.config.cmd == std::vector<std::string>{"echo", "hi"});
  CHECK(engine.created_request.host_config.memory == 67108864);
}

TEST_CASE_FIXTURE(SessionFixture, "create: a leading slash in the name is dropped, a bad name is a 400") {
  CHECK(request(post_json("/containers/create?name=%2Fweb", R"({"Image":"busybox"})")).message.result() ==
        http::status::created);
  CHECK(engine.created_name == "web");

  auto bad = request(post_json("/containers/create?name=we%21b", R"({"Image":"busybox"})"));
  CHECK(bad.message.result() == http::status::bad_request);
  CHECK(body_json(bad)["message"] == "Invalid container name (we!b), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
}

TEST_CASE_FIXTURE(SessionFixture, "malformed JSON is a 400 that says why, and the connection stays usable") {
  auto responses = parse_responses(exchange(post_json("/containers/create", R"({"Image": busybox})") + get("/_ping")));
  REQUIRE(responses.size() == 2);
  CHECK(responses[0].message.result() == http::status::bad_request);
  std::string message = body_json(responses[0])["message"];
  CHECK_MESSAGE(message.rfind("malformed JSON: parse error at line 1, column 11", 0) == 0, message);
  CHECK(responses[1].message.result() == http::status::ok);

  auto wrong_type = request(post_json("/containers/create", R"({"Image":"busybox","Cmd":42})"));
  CHECK(wrong_type.message.result() == http::status::bad_request);
  auto empty = request(post("/containers/create"));
  CHECK(empty.message.result() == http::status::bad_request);
  CHECK(body_json(empty)["message"] == "malformed JSON: the request body is empty");
}

TEST_CASE_FIXTURE(SessionFixture, "engine errors map to Docker's status codes with a JSON message") {
  auto not_found = request(get("/v1.41/containers/nope/json"));
  CHECK(not_found.message.result() == http::status::not_found);
  CHECK(not_found.message[http::field::content_type] == "application/json");
  CHECK(body_json(not_found)["message"] == "No such container: nope");

  auto no_image = request(post_json("/containers/create", R"({"Image":"alpine"})"));
  CHECK(no_image.message.result() == http::status::not_found);
  CHECK(body_json(no_image)["message"] == "No such image: alpine");

  auto conflict = request("DELETE /containers/running HTTP/1.1\r\nHost: docker\r\n\r\n");
  CHECK(conflict.message.result() == http::status::conflict);

  // Already started: 304 without a body.
  auto not_modified = request(post("/containers/running/start"));
  CHECK(not_modified.message.result() == http::status::not_modified);
  CHECK(not_modified.message.body().empty());
}

TEST_CASE_FIXTURE(SessionFixture, "status codes of the container actions") {
  CHECK(request(post("/containers/web/start")).message.result() == http::status::no_content);
  CHECK(engine.started == std::vector<std::string>{"web"});
  CHECK(request(post("/containers/web/stop?t=3")).message.result() == http::status::no_content);
  CHECK(engine.stop_timeout == 3);
  CHECK(request(post("/containers/web/stop")).message.result() == http::status::no_content);
  CHECK(!engine.stop_timeout.has_value());
  CHECK(request(post("/containers/web/stop?t=soon")).message.result() == http::status::bad_request);
  CHECK(request(post("/containers/web/kill?signal=SIGHUP")).message.result() == http::status::no_content);
  CHECK(engine.kill_signal == "SIGHUP");
  CHECK(request(post("/containers/web/resize?h=40&w=120")).message.result() == http::status::ok);
  CHECK(engine.resized == std::pair<int, int>{40, 120});
  CHECK(request(post("/containers/web/resize?h=40")).message.result() == http::status::bad_request);
  CHECK(request("DELETE /v1.41/containers/running?force=1&v=1 HTTP/1.1\r\nHost: docker\r\n\r\n").message.result() ==
        http::status::no_content);
  CHECK(engine.remove_force);
  CHECK(request(post("/containers/web/wait?condition=sometime")).message.result() == http::status::bad_request);
  CHECK(request(get("/containers/nope/logs?stdout=1")).message.result() == http::status::not_found);
  auto no_stream = request(get("/containers/web/logs"));
  CHECK(no_stream.message.result() == http::status::bad_request);
  CHECK(body_json(no_stream)["message"] == "Bad parameters: you must choose at least one stream");
}

TEST_CASE_FIXTURE(SessionFixture, "GET /containers/json decodes all, limit and both shapes of filters") {
  auto cli = request(get("/v1.41/containers/json?all=1&limit=7&filters=%7B%22name%22%3A%7B%22web%22%3Atrue%7D%7D"));
  CHECK(cli.message.result() == http::status::ok);
  CHECK(body_json(cli)[0]["Names"][0] == "/web");
  CHECK(engine.list_options.all);
  CHECK(engine.list_options.limit == 7);
  CHECK(engine.list_options.filters == std::vector<std::pair<std::string, std::string>>{{"name", "web"}});

  request(get("/containers/json?filters=%7B%22status%22%3A%5B%22exited%22%5D%7D"));
  CHECK(!engine.list_options.all);
  CHECK(engine.list_options.filters == std::vector<std::pair<std::string, std::string>>{{"status", "exited"}});

  CHECK(request(get("/containers/json?filters=nonsense")).message.result() == http::status::bad_request);
}

TEST_CASE_FIXTURE(SessionFixture, "version prefixes, unknown routes and wrong methods") {
  auto too_new = request(get("/v1.99/_ping"));
  CHECK(too_new.message.result() == http::status::bad_request);
  CHECK(body_json(too_new)["message"] == "client version 1.99 is too new. Maximum supported API version is 1.41");
  CHECK(request(get("/v1.24/containers/json")).message.result() == http::status::ok);
  CHECK(request(get("/v1.12/containers/json")).message.result() == http::status::bad_request);

  auto unknown = request(get("/v1.41/swarm"));  // a Docker route gocker does not serve
  CHECK(unknown.message.result() == http::status::not_found);
  CHECK(body_json(unknown)["message"] == "page not found");
  auto wrong_method = request("DELETE /_ping HTTP/1.1\r\nHost: docker\r\n\r\n");
  CHECK(wrong_method.message.result() == http::status::method_not_allowed);
  CHECK(wrong_method.message[http::field::allow] == "GET, HEAD");
}

// seconds * 1e9 overflowed int64 for these (undefined behaviour; UBSan aborts in the checked build).
TEST_CASE_FIXTURE(SessionFixture, "events: since and until beyond the years int64 nanoseconds hold saturate") {
  auto response = request(get("/events?since=99999999999999999&until=-9999999999.5"));
  CHECK(response.message.result() == http::status::internal_server_error);  // the fake engine has no events
  REQUIRE(engine.event_query);
  CHECK(engine.event_query->since_nanos == std::numeric_limits<int64_t>::max());
  CHECK(engine.event_query->until_nanos == std::numeric_limits<int64_t>::min());
  CHECK(request(get("/events?since=1700000000.5")).message.result() == http::status::internal_server_error);
  CHECK(engine.event_query->since_nanos == int64_t{1700000000} * 1'000'000'000 + 500'000'000);
}

TEST_CASE_FIXTURE(SessionFixture, "a HEAD request gets the head alone, even of an error, and the connection stays in step") {
  std::string output = exchange("HEAD /containers/json HTTP/1.1\r\nHost: docker\r\n\r\n" + get("/_ping"));
  auto responses = parse_responses(output, {true, false});
  REQUIRE(responses.size() == 2);
  CHECK(responses[0].message.result() == http::status::method_not_allowed);
  CHECK(output.find("page not found") == std::string::npos);
  CHECK(output.find("method not allowed") == std::string::npos);  // the 405's JSON body was not sent
  CHECK(responses[1].message.body() == "OK");
}

TEST_CASE_FIXTURE(SessionFixture, "a handler that throws gets a 500 and the daemon answers the next request") {
  auto responses = parse_responses(exchange(get("/containers/throw/json") + get("/_ping")));
  REQUIRE(responses.size() == 2);
  CHECK(responses[0].message.result() == http::status::internal_server_error);
  CHECK(body_json(responses[0])["message"] == "internal error: scripted failure");
  CHECK(responses[1].message.result() == http::status::ok);
}

TEST_CASE_FIXTURE(SessionFixture, "a body over the limit is a 413 JSON error, announced or streamed") {
  options.body_limit = 100;
  // Announced by Content-Length: refused before the body is read.
  auto announced = parse_responses(exchange(
      "POST /containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: 16777217\r\n\r\n"));
  REQUIRE(announced.size() == 1);
  CHECK(announced[0].message.result() == http::status::payload_too_large);
  CHECK(body_json(announced[0])["message"] == "request body is larger than the limit of 100 bytes");
  CHECK(!announced[0].message.keep_alive());

  // Chunked: found out while reading; the connection is closed after the answer.
  std::string chunk(150, 'x');
  std::string chunked = "POST /containers/create HTTP/1.1\r\nHost: docker\r\nTransfer-Encoding: chunked\r\n\r\n96\r\n" +
                        chunk + "\r\n0\r\n\r\n" + get("/_ping");
  auto streamed = parse_responses(exchange(chunked));
  REQUIRE(streamed.size() == 1);
  CHECK(streamed[0].message.result() == http::status::payload_too_large);
}

TEST_CASE_FIXTURE(SessionFixture, "the default limit of a JSON body is 1 MiB; an archive upload's is 1 GiB") {
  CHECK(SessionOptions{}.body_limit == 1024 * 1024);
  auto response = request(
      "POST /containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: 1048577\r\n\r\n");
  CHECK(response.message.result() == http::status::payload_too_large);
  CHECK(body_json(response)["message"] == "request body is larger than the limit of 1048576 bytes");

  options.archive_body_limit = 2000;
  auto archive = request("PUT /containers/web/archive?path=/ HTTP/1.1\r\nHost: docker\r\nContent-Length: 2001\r\n\r\n");
  CHECK(archive.message.result() == http::status::payload_too_large);
  CHECK(body_json(archive)["message"] == "request body is larger than the limit of 2000 bytes");
}

TEST_CASE_FIXTURE(SessionFixture, "a header block over the limit is a 431 JSON error") {
  CHECK(SessionOptions{}.header_limit == 64 * 1024);
  options.header_limit = 4096;
  auto large = request("GET /_ping HTTP/1.1\r\nHost: docker\r\nX-Registry-Auth: " + std::string(5000, 'a') + "\r\n\r\n");
  CHECK(large.message.result() == http::status::request_header_fields_too_large);
  CHECK(body_json(large)["message"] == "request header fields are larger than the limit of 4096 bytes");
  CHECK(!large.message.keep_alive());

  // Just under the limit is served.
  auto fits = request("GET /_ping HTTP/1.1\r\nHost: docker\r\nX-Registry-Auth: " + std::string(3900, 'a') + "\r\n\r\n");
  CHECK(fits.message.result() == http::status::ok);
}

TEST_CASE_FIXTURE(SessionFixture, "a request target over the limit is a 414 JSON error, whatever the header limit") {
  CHECK(SessionOptions{}.target_limit == 16 * 1024);
  options.target_limit = 1000;
  options.header_limit = 4096;
  const std::string expected = "request URI is longer than the limit of 1000 bytes";
  // Within the header limit: told by the parsed target.
  auto within = request(get("/containers/json?filters=" + std::string(1500, 'x')));
  CHECK(within.message.result() == http::status::uri_too_long);
  CHECK(body_json(within)["message"] == expected);
  // Longer than the whole header limit: told by the request line that never ended.
  auto beyond = request(get("/containers/json?filters=" + std::string(8000, 'x')));
  CHECK(beyond.message.result() == http::status::uri_too_long);
  CHECK(body_json(beyond)["message"] == expected);
  // At the limit it is served.
  std::string target = "/_ping?x=";
  target += std::string(1000 - target.size(), 'y');
  CHECK(request(get(target)).message.result() == http::status::ok);
}

TEST_CASE_FIXTURE(SessionFixture, "Expect: 100-continue gets the interim response before the body is read") {
  std::string body = R"({"Image":"busybox"})";
  std::string text = "POST /containers/create HTTP/1.1\r\nHost: docker\r\nExpect: 100-continue\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body;
  std::string output = exchange(text);
  REQUIRE(output.rfind("HTTP/1.1 100 Continue\r\n\r\n", 0) == 0);
  auto responses = parse_responses(std::string_view(output).substr(std::string("HTTP/1.1 100 Continue\r\n\r\n").size()));
  REQUIRE(responses.size() == 1);
  CHECK(responses[0].message.result() == http::status::created);
}

TEST_CASE_FIXTURE(SessionFixture, "a malformed request line is a 400 and closes the connection") {
  auto responses = parse_responses(exchange("NOT HTTP\r\n\r\n"));
  REQUIRE(responses.size() == 1);
  CHECK(responses[0].message.result() == http::status::bad_request);
}

TEST_CASE_FIXTURE(SessionFixture, "wait sends its chunked head before the container exits, then the status") {
  beast::test::stream client(io_context);
  beast::test::stream server_side(io_context);
  client.connect(server_side);
  net::co_spawn(io_context, serve_connection(std::move(server_side), router, options), net::detached);
  net::write(client, net::buffer(post("/v1.41/containers/web/wait?condition=next-exit") + get("/_ping")));
  io_context.poll();

  std::string head = std::string(client.str());
  CHECK(engine.wait_condition == gocker::engine::WaitCondition::NextExit);
  CHECK(head.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(head.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
  CHECK(head.find("Content-Type: application/json\r\n") != std::string::npos);
  REQUIRE(head.size() >= 4);
  CHECK(head.substr(head.size() - 4) == "\r\n\r\n");  // the head alone: the body waits for the exit
  CHECK(head.find("StatusCode") == std::string::npos);

  engine.release_waiters();
  client.close();
  io_context.run();
  auto responses = parse_responses(client.str());
  REQUIRE(responses.size() == 2);  // and the connection was kept alive for the ping
  CHECK(responses[0].message.body() == "{\"Error\":null,\"StatusCode\":3}\n");
  CHECK(responses[1].message.body() == "OK");
}

TEST_CASE_FIXTURE(SessionFixture, "wait on an unknown container is an ordinary 404") {
  auto response = request(post("/containers/nope/wait"));
  CHECK(response.message.result() == http::status::not_found);
  CHECK(body_json(response)["message"] == "No such container: nope");
}

namespace {

// A client on the other end of a socketpair: writes `request`, then `after_head` once the
// response head has arrived, and collects everything until the server hangs up.
net::awaitable<void> run_client(net::local::stream_protocol::socket& socket, std::string request, std::string after_head,
                                std::string& received) {
  co_await net::async_write(socket, net::buffer(request), net::use_awaitable);
  bool sent_after_head = after_head.empty();
  for (;;) {
    char bytes[4096];
    auto [error, count] = co_await socket.async_read_some(net::buffer(bytes), net::as_tuple(net::use_awaitable));
    if (error) co_return;
    received.append(bytes, count);
    if (!sent_after_head && received.find("\r\n\r\n") != std::string::npos) {
      sent_after_head = true;
      co_await net::async_write(socket, net::buffer(after_head), net::use_awaitable);
    }
  }
}

struct SocketPairFixture : SessionFixture {
  net::local::stream_protocol::socket client{io_context};
  std::string received;

  void serve(std::string request, std::string after_head = {}) {
    net::local::stream_protocol::socket server_side{io_context};
    net::local::connect_pair(client, server_side);
    net::co_spawn(io_context, serve_connection(UnixStream(std::move(server_side)), router, options), net::detached);
    net::co_spawn(io_context, run_client(client, std::move(request), std::move(after_head), received), net::detached);
    io_context.run_for(std::chrono::seconds(5));
  }
};

}  // namespace

TEST_CASE_FIXTURE(SocketPairFixture, "attach with Upgrade: tcp writes 101 UPGRADED and hands the socket to the engine") {
  serve("POST /v1.41/containers/web/attach?stream=1&stdin=1&stdout=1&stderr=true HTTP/1.1\r\nHost: docker\r\n"
        "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\nearly stdin",
        "late stdin");
  CHECK(received.rfind("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n"
                       "Connection: Upgrade\r\nUpgrade: tcp\r\n",
                       0) == 0);
  size_t head_end = received.find("\r\n\r\n");
  REQUIRE(head_end != std::string::npos);
  // After the head the connection is the engine's raw stream, in both directions.
  CHECK(received.substr(head_end + 4) == "hello from containerbye");
  CHECK(engine.attached_ref == "web");
  CHECK(engine.attach_buffered_input == "early stdin");  // read by Beast past the request
  CHECK(engine.attach_stdin_after_head == "late stdin");
  CHECK(engine.attach_options.stream);
  CHECK(engine.attach_options.stdin);
  CHECK(engine.attach_options.stdout);
  CHECK(engine.attach_options.stderr);
  CHECK(!engine.attach_options.logs);
}

TEST_CASE_FIXTURE(SocketPairFixture, "attach without Upgrade answers 200 with the raw-stream type of a tty container") {
  serve("POST /containers/tty/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n\r\n", "x");
  CHECK(received.rfind("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n", 0) == 0);
  CHECK(engine.attached_ref == "tty");
}

TEST_CASE_FIXTURE(SocketPairFixture, "attach to an unknown container is a 404 before any hijack") {
  serve("POST /containers/nope/attach?stream=1 HTTP/1.1\r\nHost: docker\r\nUpgrade: tcp\r\nConnection: close\r\n\r\n");
  auto responses = parse_responses(received);
  REQUIRE(responses.size() == 1);
  CHECK(responses[0].message.result() == http::status::not_found);
  CHECK(engine.attached_ref.empty());
}

TEST_CASE_FIXTURE(SocketPairFixture, "logs: a 200 head that closes the connection, then the engine's stream") {
  serve(get("/containers/web/logs?stdout=1&stderr=0&follow=1&timestamps=1&tail=10&since=1700000000.5"));
  CHECK(received.rfind("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: close\r\n",
                       0) == 0);
  CHECK(received.find("Content-Length") == std::string::npos);
  CHECK(received.substr(received.find("\r\n\r\n") + 4) == "log line\n");
  CHECK(engine.logs_ref == "web");
  CHECK(engine.log_options.follow);
  CHECK(engine.log_options.stdout);
  CHECK(!engine.log_options.stderr);
  CHECK(engine.log_options.timestamps);
  CHECK(engine.log_options.tail == 10);
  CHECK(engine.log_options.since == 1700000000);
}

TEST_CASE_FIXTURE(SocketPairFixture, "an idle connection is closed after idle_timeout, without an answer") {
  options.idle_timeout = std::chrono::milliseconds(50);
  auto started = std::chrono::steady_clock::now();
  serve(get("/_ping"));  // answered, then silent
  auto elapsed = std::chrono::steady_clock::now() - started;
  auto responses = parse_responses(received);
  REQUIRE(responses.size() == 1);
  CHECK(responses[0].message.result() == http::status::ok);
  CHECK(elapsed < std::chrono::seconds(4));  // by the timeout, not by run_for giving up
}

TEST_CASE_FIXTURE(SocketPairFixture, "a client that stalls in the middle of a head is cut off after request_timeout") {
  options.request_timeout = std::chrono::milliseconds(50);
  auto started = std::chrono::steady_clock::now();
  serve("GET /_ping HTTP/1.1\r\nHost: docker\r\n");  // never finishes its head
  auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK(received.empty());  // hung up without an answer
  CHECK(elapsed < std::chrono::seconds(4));
}

TEST_CASE_FIXTURE(SocketPairFixture, "a client that stalls in the middle of a body is cut off after request_timeout") {
  options.request_timeout = std::chrono::milliseconds(50);
  auto started = std::chrono::steady_clock::now();
  serve("POST /containers/create HTTP/1.1\r\nHost: docker\r\nContent-Length: 100\r\n\r\n{\"Image\"");
  auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK(received.empty());
  CHECK(engine.created_name.empty());
  CHECK(elapsed < std::chrono::seconds(4));
}

namespace {

size_t count_answers(const std::string& received) {
  size_t answers = 0;
  for (size_t at = received.find("\r\n\r\nOK"); at != std::string::npos; at = received.find("\r\n\r\nOK", at + 4)) ++answers;
  return answers;
}

// Two requests on one connection with a pause between them.
net::awaitable<void> request_pause_request(net::local::stream_protocol::socket& socket,
                                           std::chrono::milliseconds pause, std::string& received) {
  const std::string request = "GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n";
  char bytes[4096];
  for (int round = 0; round < 2; ++round) {
    if (round == 1) {
      net::steady_timer timer(co_await net::this_coro::executor, pause);
      co_await timer.async_wait(net::use_awaitable);
    }
    co_await net::async_write(socket, net::buffer(request), net::use_awaitable);
    while (count_answers(received) < static_cast<size_t>(round) + 1) {
      auto [error, count] = co_await socket.async_read_some(net::buffer(bytes), net::as_tuple(net::use_awaitable));
      if (error) co_return;
      received.append(bytes, count);
    }
  }
  socket.close();
}

}  // namespace

TEST_CASE_FIXTURE(SessionFixture, "a kept-alive connection may stay idle longer than request_timeout") {
  options.request_timeout = std::chrono::milliseconds(50);
  options.idle_timeout = std::chrono::seconds(5);
  net::local::stream_protocol::socket client{io_context};
  net::local::stream_protocol::socket server_side{io_context};
  net::local::connect_pair(client, server_side);
  std::string received;
  net::co_spawn(io_context, serve_connection(UnixStream(std::move(server_side)), router, options), net::detached);
  net::co_spawn(io_context, request_pause_request(client, std::chrono::milliseconds(300), received), net::detached);
  io_context.run_for(std::chrono::seconds(5));
  auto responses = parse_responses(received);
  REQUIRE(responses.size() == 2);
  CHECK(responses[1].message.result() == http::status::ok);
}
