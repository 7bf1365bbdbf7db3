#pragma once
// Shows Docker's JSON progress stream (pull, push) as the docker CLI does. On a terminal each
// layer id keeps its own line, rewritten in place ("<id>: Downloading [=====>     ] 1.2MB/3.4MB")
// with ANSI cursor moves; otherwise every message without progress figures is printed as a plain
// line ("<id>: Pull complete"), so logs and pipes get no escape codes.
#include <map>
#include <ostream>
#include <string>
#include <string_view>

#include "outcome.hpp"

namespace gocker::client {

class ProgressDisplay {
 public:
  ProgressDisplay(std::ostream& out, bool terminal) : out_(out), terminal_(terminal) {}
  // Feed bytes as they arrive; whole lines are shown. An {"error"} message is returned as a
  // failure (and ends the display).
  Outcome<void> feed(std::string_view bytes);
  // The remainder at end of stream.
  Outcome<void> finish();

 private:
  Outcome<void> show(const std::string& line);
  std::ostream& out_;
  bool terminal_;
  std::string partial_;
  std::map<std::string, int> line_of_;  // layer id -> its line, counted from the first
  int lines_ = 0;                        // lines printed so far
};

// "[=====>      ]  1.2MB/3.4MB", as Docker's JSONProgress renders it (bar 50 wide).
std::string progress_bar(int64_t current, int64_t total);

}  // namespace gocker::client
