#include "network/netns_socket.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <system_error>

namespace gocker::network {

NetnsSocketOpener::NetnsSocketOpener() : home_netns_(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) {
  if (!home_netns_) {
    broken_ = Error::from_errno(errno, "open the daemon's network namespace");
    return;
  }
  try {
    worker_ = std::thread([this] { run(); });
  } catch (const std::system_error& e) {
    broken_ = Error::internal(std::string("start the network namespace worker: ") + e.what());
  }
}

NetnsSocketOpener::~NetnsSocketOpener() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (worker_.joinable()) worker_.join();
}

Result<UniqueFd> NetnsSocketOpener::open(int netns_fd, int domain, int type, int protocol) {
  if (broken_) return *broken_;
  std::lock_guard serial(callers_);
  std::unique_lock lock(mutex_);
  reply_.reset();
  request_ = Request{netns_fd, domain, type, protocol};
  changed_.notify_all();
  changed_.wait(lock, [this] { return reply_.has_value(); });
  Result<UniqueFd> reply = std::move(*reply_);
  reply_.reset();
  return reply;
}

void NetnsSocketOpener::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || request_.has_value(); });
    if (stopping_) return;
    const Request request = *request_;
    request_.reset();
    lock.unlock();

    Result<UniqueFd> reply = Error::internal("unreachable");
    if (::setns(request.netns_fd, CLONE_NEWNET) != 0) {
      reply = Error::from_errno(errno, "enter the container's network namespace");
    } else {
      UniqueFd sock{::socket(request.domain, request.type | SOCK_CLOEXEC, request.protocol)};
      reply = sock ? Result<UniqueFd>(std::move(sock)) : Error::from_errno(errno, "open a socket in the container's network namespace");
      // Back home at once: a thread left inside would pin the container's namespace (and its
      // veth) after the container is gone. Every request enters its namespace first, so a failed
      // return cannot misplace a later socket; it fails this one.
      if (::setns(home_netns_.get(), CLONE_NEWNET) != 0)
        reply = Error::from_errno(errno, "return to the daemon's network namespace");
    }

    lock.lock();
    reply_.emplace(std::move(reply));
    changed_.notify_all();
  }
}

NetnsSocketOpener& netns_socket_opener() {
  static NetnsSocketOpener opener;
  return opener;
}

}  // namespace gocker::network
