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
  // Copies `path` into a memfd and seals it. The fd is close-on-exec.
  static Result<SealedBinary> copy_of(const std::string& path);

  // What a child of this process passes to execve: "/proc/<this pid>/fd/N", the fd of its parent,
  // so the child can close every fd it inherited before the exec (posix_spawn's closefrom), this
  // one included.
  std::string exec_path() const;
  int fd() const { return fd_.get(); }

 private:
  explicit SealedBinary(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace gocker::runtime
