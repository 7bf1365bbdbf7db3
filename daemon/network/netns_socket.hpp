#pragma once
// Sockets opened inside other network namespaces (a socket belongs to the namespace of the thread
// that creates it) by one long-lived thread that enters the namespace, opens the socket and comes
// back. Containers start concurrently: a thread per start would be a clone per start on the run
// path, and the daemon's own threads must never change namespace.
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace gocker::network {

class NetnsSocketOpener {
 public:
  NetnsSocketOpener();
  ~NetnsSocketOpener();
  NetnsSocketOpener(const NetnsSocketOpener&) = delete;
  NetnsSocketOpener& operator=(const NetnsSocketOpener&) = delete;

  // socket(domain, type | SOCK_CLOEXEC, protocol) inside the network namespace `netns_fd`.
  Result<UniqueFd> open(int netns_fd, int domain, int type, int protocol);

 private:
  void run();

  std::mutex callers_;  // one request at a time: each is a few syscalls
  std::mutex mutex_;
  std::condition_variable changed_;
  struct Request {
    int netns_fd;
    int domain;
    int type;
    int protocol;
  };
  std::optional<Request> request_;
  std::optional<Result<UniqueFd>> reply_;
  bool stopping_ = false;
  UniqueFd home_netns_;  // the daemon's namespace, where the worker waits between requests
  std::optional<Error> broken_;  // why the opener cannot serve (no thread, no home namespace)
  std::thread worker_;
};

// The daemon's one opener, started on first use.
NetnsSocketOpener& netns_socket_opener();

}  // namespace gocker::network
