#pragma once
// Attach to a created container, start it and report its exit status: the attached half of `run`
// and `start -a`. The order is the docker CLI's, and each step has a reason:
//   1. POST /containers/{id}/attach (hijacked) - attached before start, so no output is lost,
//      even from a container that exits at once;
//   2. POST /containers/{id}/wait?condition=next-exit (or removed, with --rm) on a second
//      connection, its response head read before start - the waiter exists before the exit can
//      happen, and with --rm the exit code is known before the container is gone;
//   3. POST /containers/{id}/start;
//   4. POST /containers/{id}/resize for a tty, then on every SIGWINCH;
//   5. pump the streams until the output ends, then read the wait body: its StatusCode is ours.
#include <string>

#include "api_client.hpp"

namespace gocker::client {

struct AttachPlan {
  std::string container_id;
  bool tty = false;
  bool attach_stdin = false;
  bool auto_remove = false;
  // `run` maps a start failure to 127/126/125 (docker's rule for "command not found" etc.);
  // `start -a` exits 1 like docker's.
  bool run_exit_codes = true;
};

// Returns the exit code for the CLI: the container's status, or the failure's code (the failure
// already printed on stderr).
int attach_start_and_wait(ApiClient& client, const AttachPlan& plan);

// Prints `failure` on stderr as one line.
void print_failure(const Failure& failure);

}  // namespace gocker::client
