#include "detach_watch.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "stream_pump.hpp"

namespace gocker::client {

std::string detach_key_bytes(const std::string& spec) {
  std::string sequence;
  const std::string text = spec.empty() ? "ctrl-p,ctrl-q" : spec;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string key = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (key.size() == 1) {
      sequence += key;
    } else if (key.size() == 6 && key.compare(0, 5, "ctrl-") == 0) {
      char c = key[5];
      if (c >= 'a' && c <= 'z') sequence += static_cast<char>(c - 'a' + 1);
      else if (c == '@') sequence += '\0';
      else if (c >= '[' && c <= '_') sequence += static_cast<char>(c - '[' + 0x1b);
    }
    if (comma == std::string::npos) return sequence;
    start = comma + 1;
  }
}

Outcome<std::shared_ptr<DetachWatch>> DetachWatch::start(std::string sequence) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Failure::local(std::string("pipe: ") + std::strerror(errno));
  std::shared_ptr<DetachWatch> watch(new DetachWatch(fds[0], fds[1], std::move(sequence)));
  // Detached: at the end it may sit in read(stdin), which only the process exit interrupts; the
  // thread's own reference keeps the object alive as long as it runs.
  std::thread([watch] { watch->copy(); }).detach();
  return watch;
}

DetachWatch::~DetachWatch() { ::close(read_fd_); }

void DetachWatch::copy() {
  char buffer[4096];
  size_t matched = 0;
  while (true) {
    ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n && !sequence_.empty() && !detached_; ++i) {
      if (buffer[i] == sequence_[matched]) {
        if (++matched == sequence_.size()) detached_ = true;
      } else {
        matched = buffer[i] == sequence_[0] ? 1 : 0;
      }
    }
    if (!write_all(write_fd_, std::string_view(buffer, static_cast<size_t>(n)))) break;
    if (detached_) return;  // the daemon ends the stream; the pipe stays open until then
  }
  ::close(write_fd_);
}

}  // namespace gocker::client
