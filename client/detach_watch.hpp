#pragma once
// The client's side of the detach keys (ctrl-p ctrl-q by default) on an attached tty. The daemon
// scans the stream and ends the attach when it sees the sequence (engine/detach_keys.hpp); the
// client must then know the end was a detach, not the container's exit, or it would wait for an
// exit status that never comes. So stdin goes through a pipe the stream pump reads (its
// PumpOptions::stdin_fd), fed by a thread that forwards every byte unchanged and notes the
// sequence on the way.
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "outcome.hpp"

namespace gocker::client {

// "ctrl-p,ctrl-q" -> "\x10\x11" (empty spec: the default). Unknown keys are skipped: the daemon
// refuses an invalid spec with 400 before any stream exists.
std::string detach_key_bytes(const std::string& spec);

class DetachWatch {
 public:
  // Starts copying STDIN_FILENO into the pipe.
  static Outcome<std::shared_ptr<DetachWatch>> start(std::string sequence);
  DetachWatch(const DetachWatch&) = delete;
  DetachWatch& operator=(const DetachWatch&) = delete;
  ~DetachWatch();
  int read_fd() const { return read_fd_; }
  bool detached() const { return detached_.load(); }

 private:
  DetachWatch(int read_fd, int write_fd, std::string sequence)
      : read_fd_(read_fd), write_fd_(write_fd), sequence_(std::move(sequence)) {}
  void copy();
  int read_fd_;
  int write_fd_;
  std::string sequence_;
  std::atomic<bool> detached_{false};
};

}  // namespace gocker::client
