// GET /containers/{id}/logs: replays the json-file log, then (with follow) streams new lines until
// the container stops. New data is noticed through inotify, the end through the exit waiter: no
// polling.
#include <fcntl.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "api/stream_frame.hpp"
#include "base/strings.hpp"
#include "base/time_math.hpp"
#include "base/unique_fd.hpp"
#include "engine/engine_impl.hpp"
#include "engine/json_log.hpp"

namespace gocker::engine {

namespace asio = boost::asio;

namespace {

LogFilter filter_for(const LogOptions& options) {
  return LogFilter{options.stdout, options.stderr, unix_nanos_saturated(options.since), unix_nanos_saturated(options.until)};
}

std::string render(const LogEntry& entry, bool tty, bool timestamps) {
  std::string text = timestamps ? entry.time + " " + entry.text : entry.text;
  if (tty) return text;
  return api::encode_frame(entry.stream == "stderr" ? api::StreamType::Stderr : api::StreamType::Stdout, text);
}

// Reads whatever complete lines were appended since the last call.
class LogCursor {
 public:
  explicit LogCursor(UniqueFd fd) : fd_(std::move(fd)) {}
  std::vector<LogEntry> read_new_entries() {
    std::vector<LogEntry> entries;
    char chunk[64 * 1024];
    while (true) {
      ssize_t n = ::read(fd_.get(), chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      pending_.append(chunk, static_cast<size_t>(n));
    }
    for (const auto& line : take_complete_lines(pending_))
      if (auto entry = parse_log_line(line)) entries.push_back(std::move(*entry));
    return entries;
  }

 private:
  UniqueFd fd_;
  std::string pending_;
};

}  // namespace

Status EngineImpl::check_logs(const std::string& ref, const LogOptions& options) const {
  if (!options.stdout && !options.stderr) return Error::invalid("You must choose at least one stream");
  auto found = find(ref);
  if (!found) return std::move(found).error();
  return ok();
}

Task<void> EngineImpl::stream_logs(std::string ref, LogOptions options, UnixSocket client) {
  auto found = find(ref);
  if (!found) co_return;
  auto container = std::move(found).value();
  bool tty = false;
  std::string log_path;
  std::optional<Notifier<api::WaitResponse>> exit_waiter;
  UniqueFd inotify;
  {
    std::lock_guard lock(container->mutex);
    tty = container->config.tty;
    log_path = container->log_path();
    // Registered before reading, so an exit between the read and the wait is not missed.
    if (options.follow && container->is_running()) {
      exit_waiter = add_exit_waiter(*container);
      inotify.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
      if (inotify) ::inotify_add_watch(inotify.get(), log_path.c_str(), IN_MODIFY | IN_CREATE);
    }
  }
  UniqueFd log_fd{::open(log_path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!log_fd) {
    // A container that never started has no log yet: an empty stream, as Docker gives.
    boost::system::error_code ignored;
    client.shutdown(asio::socket_base::shutdown_both, ignored);
    co_return;
  }
  LogCursor cursor(std::move(log_fd));
  const LogFilter filter = filter_for(options);

  auto send = [&](std::vector<LogEntry> entries) -> Task<bool> {
    std::string out;
    for (const auto& entry : entries)
      if (log_entry_selected(entry, filter)) out += render(entry, tty, options.timestamps);
    if (out.empty()) co_return true;
    auto [error, written] = co_await asio::async_write(client, asio::buffer(out), asio::as_tuple(asio::use_awaitable));
    co_return !error;
  };

  auto initial = cursor.read_new_entries();
  if (options.tail) {
    std::vector<LogEntry> selected;
    for (auto& entry : initial)
      if (log_entry_selected(entry, filter)) selected.push_back(std::move(entry));
    keep_tail(selected, *options.tail);
    initial = std::move(selected);
  }
  bool client_alive = co_await send(std::move(initial));

  if (client_alive && exit_waiter && inotify) {
    using namespace asio::experimental::awaitable_operators;
    asio::posix::stream_descriptor events(co_await asio::this_coro::executor, inotify.release());
    bool exited = false;
    while (client_alive && !exited) {
      auto outcome = co_await (events.async_wait(asio::posix::stream_descriptor::wait_read, asio::as_tuple(asio::use_awaitable)) ||
                               exit_waiter->channel().async_receive(asio::as_tuple(asio::use_awaitable)));
      if (outcome.index() == 1) {
        exited = true;
      } else {
        char drain[4096];
        while (::read(events.native_handle(), drain, sizeof drain) > 0) {
        }
        // When the log write and the exit land together, `||` completes with the inotify side and
        // drops the exit the channel had already handed over; the recorded state still tells.
        std::lock_guard lock(container->mutex);
        exited = !container->is_running();
      }
      // After the exit the monitor has flushed its last line: one final read gets it.
      client_alive = co_await send(cursor.read_new_entries());
    }
  }
  boost::system::error_code ignored;
  client.shutdown(asio::socket_base::shutdown_both, ignored);
  client.close(ignored);
}

}  // namespace gocker::engine
