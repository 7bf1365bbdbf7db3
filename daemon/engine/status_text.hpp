#pragma once
// The human status column of `ps` ("Up 3 seconds", "Exited (0) 2 minutes ago"). Docker computes
// it on the server, so clients print it verbatim.
#include <cstdint>
#include <string>

namespace gocker::engine {

// Docker's units.HumanDuration.
std::string human_duration(int64_t nanoseconds);

struct StatusInputs {
  std::string status;  // created | running | exited | dead | removing
  int exit_code = 0;
  int64_t started_at_nanos = 0;
  int64_t finished_at_nanos = 0;
  bool paused = false;  // a running container frozen by pause: "Up 5 minutes (Paused)"
};
std::string status_text(const StatusInputs& inputs, int64_t now_nanos);

}  // namespace gocker::engine
