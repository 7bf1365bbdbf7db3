#include "stream_pump.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "frame_demuxer.hpp"

namespace gocker::client {

namespace {

constexpr size_t kChunkSize = 32 * 1024;

Failure errno_failure(const char* what) { return Failure::transport(std::string(what) + ": " + std::strerror(errno)); }

// Sends to the attach socket; MSG_NOSIGNAL so a daemon that went away is an EPIPE, not a SIGPIPE.
Outcome<void> send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      return errno_failure("send stdin to the container");
    }
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
  return {};
}

}  // namespace

Outcome<void> write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno_failure("write the container's output");
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return {};
}

Outcome<void> pump_attach_stream(HijackedStream& stream, const PumpOptions& options, SignalRelay* relay) {
  FrameDemuxer demuxer([&options](api::StreamType type, std::string_view payload) {
    return write_all(type == api::StreamType::Stderr ? options.stderr_fd : options.stdout_fd, payload);
  });
  auto deliver_output = [&options, &demuxer](std::string_view bytes) -> Outcome<void> {
    if (options.tty) return write_all(options.stdout_fd, bytes);
    return demuxer.feed(bytes);
  };

  if (std::string early = stream.take_buffered(); !early.empty()) {
    if (auto delivered = deliver_output(early); !delivered) return delivered;
  }

  bool reading_stdin = options.forward_stdin;
  char chunk[kChunkSize];
  for (;;) {
    pollfd watched[3];
    nfds_t count = 0;
    watched[count++] = pollfd{stream.fd(), POLLIN, 0};
    const nfds_t stdin_slot = reading_stdin ? count++ : 0;
    if (reading_stdin) watched[stdin_slot] = pollfd{options.stdin_fd, POLLIN, 0};
    const nfds_t relay_slot = relay != nullptr ? count++ : 0;
    if (relay != nullptr) watched[relay_slot] = pollfd{relay->fd(), POLLIN, 0};

    if (::poll(watched, count, -1) < 0) {
      if (errno == EINTR) continue;
      return errno_failure("poll the attach streams");
    }

    if (relay != nullptr && watched[relay_slot].revents != 0) {
      for (int signal_number : relay->drain()) {
        if (signal_number == SIGWINCH) {
          if (options.on_window_change) options.on_window_change();
        } else if (options.on_signal) {
          options.on_signal(signal_number);
        }
      }
    }

    if (reading_stdin && watched[stdin_slot].revents != 0) {
      ssize_t got = ::read(options.stdin_fd, chunk, sizeof chunk);
      if (got < 0 && errno == EINTR) continue;
      if (got > 0) {
        if (auto sent = send_all(stream.fd(), std::string_view(chunk, static_cast<size_t>(got))); !sent) {
          // The daemon no longer takes input (the container closed its stdin); the output may
          // still be flowing, so stop forwarding instead of failing.
          reading_stdin = false;
        }
      } else {
        // EOF, or an error (EIO from a terminal that went away) that ends input just the same.
        reading_stdin = false;
        if (auto closed = stream.close_write(); !closed) return closed;
      }
    }

    if (watched[0].revents != 0) {
      ssize_t got = ::read(stream.fd(), chunk, sizeof chunk);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) {
        // A reset after the container ended is still the end of its output.
        if (errno == ECONNRESET) return {};
        return errno_failure("read the container's output");
      }
      if (got == 0) {
        if (!options.tty && !demuxer.at_frame_boundary()) {
          return Failure::transport("the container's output ended in the middle of a frame");
        }
        return {};
      }
      if (auto delivered = deliver_output(std::string_view(chunk, static_cast<size_t>(got))); !delivered) {
        return delivered;
      }
    }
  }
}

}  // namespace gocker::client
