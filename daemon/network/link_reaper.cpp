#include "network/link_reaper.hpp"

#include <spdlog/spdlog.h>

#include "network/netlink.hpp"

namespace gocker::network {

LinkReaper::LinkReaper() : worker_([this] { run(); }) {}

LinkReaper::~LinkReaper() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  worker_.join();
}

void LinkReaper::delete_later(int ifindex) {
  {
    std::lock_guard lock(mutex_);
    queued_.push_back(ifindex);
  }
  changed_.notify_all();
}

void LinkReaper::drain() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return queued_.empty() && !busy_; });
}

void LinkReaper::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return stopping_ || !queued_.empty(); });
    if (queued_.empty()) return;  // stopping, with nothing left
    const int ifindex = queued_.front();
    queued_.pop_front();
    busy_ = true;
    lock.unlock();
    if (auto deleted = delete_link_at(ifindex); !deleted) spdlog::warn("{}", deleted.error().message);
    lock.lock();
    busy_ = false;
    changed_.notify_all();
  }
}

}  // namespace gocker::network
