#pragma once
// HTTP/1.1 to the daemon over its unix socket (Boost.Beast, synchronous: a CLI does one thing at a
// time, and the one place needing two at once, `run`, uses a second connection and poll(2)).
// One connection per request: the daemon is local, so a connect costs microseconds, and no
// state is shared between the attach, wait and start connections of `run`.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "host.hpp"
#include "outcome.hpp"

namespace gocker::client {

enum class Method { Get, Post, Delete, Head };

struct HttpReply {
  unsigned status = 0;
  std::string body;
  bool is_error() const { return status >= 400; }
};

struct Connection;  // the socket and its read buffer; defined in api_client.cpp

// A request whose response head has arrived but whose body has not: `run` reads the head of
// POST /wait before starting the container (the daemon sends it once the waiter is registered,
// so an exit right after start cannot be missed) and the body after the output ends.
class PendingReply {
 public:
  PendingReply(PendingReply&&) noexcept;
  PendingReply& operator=(PendingReply&&) noexcept;
  ~PendingReply();

  unsigned status() const;
  // Reads the rest of the body (Content-Length, chunked or until the connection closes).
  Outcome<HttpReply> finish();

 private:
  friend class ApiClient;
  struct State;
  explicit PendingReply(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// A connection taken over after `101 UPGRADED`: raw bytes both ways (attach). The file
// descriptor is blocking; the caller polls it.
class HijackedStream {
 public:
  HijackedStream(HijackedStream&&) noexcept;
  HijackedStream& operator=(HijackedStream&&) noexcept;
  ~HijackedStream();

  int fd() const;
  // Bytes the HTTP parser read past the response head: the start of the stream.
  std::string take_buffered();
  // shutdown(SHUT_WR): tells the daemon our stdin ended while output keeps coming.
  Outcome<void> close_write();

 private:
  friend class ApiClient;
  explicit HijackedStream(std::unique_ptr<Connection> connection);
  std::unique_ptr<Connection> connection_;
};

class ApiClient {
 public:
  explicit ApiClient(DaemonAddress address) : address_(std::move(address)) {}

  const DaemonAddress& address() const { return address_; }

  // Sends a request and reads the whole reply, whatever its status. `json_body` is sent with
  // Content-Type application/json when given.
  Outcome<HttpReply> call(Method method, const std::string& target, const nlohmann::json* json_body = nullptr);

  // Like call(), but an error status becomes a Daemon failure carrying docker's message line.
  Outcome<HttpReply> call_expecting_success(Method method, const std::string& target,
                                            const nlohmann::json* json_body = nullptr);

  // GET and parse a JSON reply; an error status or malformed JSON is a failure.
  Outcome<nlohmann::json> get_json(const std::string& target);

  // Sends the request and returns once the response head is in; an error status is a failure
  // (its body read and turned into docker's message line).
  Outcome<PendingReply> begin(Method method, const std::string& target);

  // Sends the request and hands the body to `on_body` piece by piece as it arrives (logs -f).
  using BodySink = std::function<Outcome<void>(std::string_view piece)>;
  // `headers` are added to the request (X-Registry-Auth for pull and push).
  Outcome<void> stream(Method method, const std::string& target, const BodySink& on_body,
                       const std::vector<std::pair<std::string, std::string>>& headers = {});

  // POSTs with `Connection: Upgrade` / `Upgrade: tcp` and takes the socket over after the 101
  // (or 200, which older daemons answer with the same raw stream after it). `json_body` as for
  // call() (exec start sends {"Detach","Tty"}).
  Outcome<HijackedStream> hijack(const std::string& target, const nlohmann::json* json_body = nullptr);

 private:
  Outcome<std::unique_ptr<Connection>> connect() const;

  DaemonAddress address_;
};

// The Daemon failure for an error reply: docker's "Error response from daemon: ..." line.
Failure daemon_failure(const HttpReply& reply);

}  // namespace gocker::client
