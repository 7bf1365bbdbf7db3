#pragma once
// One-shot, thread-safe wake-up for coroutines waiting on a container event (exit, removal, a
// monitor's attach socket becoming available). notify() may run on any thread, before or after the
// waiter starts waiting: the value sits in the channel's one-slot buffer until received.
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

namespace gocker::engine {

template <typename T>
class Notifier {
 public:
  using Channel = boost::asio::experimental::concurrent_channel<void(boost::system::error_code, T)>;

  explicit Notifier(boost::asio::any_io_executor executor) : channel_(std::make_shared<Channel>(executor, 1)) {}

  void notify(T value) const { channel_->try_send(boost::system::error_code{}, std::move(value)); }
  Channel& channel() const { return *channel_; }

 private:
  std::shared_ptr<Channel> channel_;
};

}  // namespace gocker::engine
