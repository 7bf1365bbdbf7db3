#pragma once
// CVE-2019-5736: a process entering a container runs, until its execve, from the host binary that
// started it; a container that can reach /proc/<pid>/exe of such a process could write through
// it and replace that binary on the host. gockerd therefore never execs gocker-monitor from its
// file: it execs a sealed in-memory copy, made once at start. /proc/<pid>/exe then names that
// copy, which no one can write, grow or shrink (memfd seals), and the file on disk is never open.
#include <string>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace gocker::runtime {

class SealedBinary {
 public:
  // Copies `path` into a memfd and seals it. The fd is close-on-exec: the kernel opens the file of
  // "/proc/self/fd/N" before it closes those, so a spawned child can still exec it.
  static Result<SealedBinary> copy_of(const std::string& path);

  // What to pass to execve/posix_spawn in this process: "/proc/self/fd/N".
  std::string exec_path() const;
  int fd() const { return fd_.get(); }

 private:
  explicit SealedBinary(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace gocker::runtime
