#pragma once
// Deletes host links off the caller's path. Deleting a veth whose peer's namespace is being torn
// down waits for the kernel's unregister (RCU grace periods, 10-20 ms here): on a container's
// exit that wait would delay every client waiting for the exit, and it would hold the daemon's
// event loop. One long-lived worker does it instead.
//
// Links are named by ifindex, not by name: a container restarted before the worker runs gets a
// new veth with the old name, which must survive. ifindexes are not reused while a namespace lives.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace gocker::network {

class LinkReaper {
 public:
  LinkReaper();
  // Deletes what is still queued, then stops the worker.
  ~LinkReaper();
  LinkReaper(const LinkReaper&) = delete;
  LinkReaper& operator=(const LinkReaper&) = delete;

  void delete_later(int ifindex);
  // Returns once everything queued before the call has been deleted (tests, shutdown).
  void drain();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<int> queued_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace gocker::network
