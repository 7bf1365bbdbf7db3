#pragma once
// The one-line messages and exit codes the user sees, kept apart from I/O so they are unit-tested.
// They follow the docker CLI word for word where docker has a message.
#include <string>
#include <string_view>

#include "outcome.hpp"

namespace gocker::client {

// Docker's exit code for a failure of the CLI itself (usage, daemon, connection) in `run`/`create`.
inline constexpr int kExitCliFailure = 125;
// Most other commands exit 1 on a failure, as docker's do.
inline constexpr int kExitCommandFailure = 1;

// "Error response from daemon: <message>", taking the message from Docker's {"message": ...}
// error body; a body that is not such JSON is used as text (trimmed), an empty one becomes the
// HTTP status.
std::string daemon_error_line(unsigned http_status, std::string_view body);

enum class SocketPresence { Missing, Socket, NotASocket };

// "Cannot connect to the gocker daemon at unix:///x.sock: <reason>. Is gockerd running?" where the
// reason says whether the socket file exists at all, is something else, or what connect(2) said.
std::string cannot_connect_line(std::string_view host, SocketPresence presence, int err);

// Docker's rule for a container that could not be started by `run` / `start -a`: 127 when the
// command was not found, 126 when it could not be executed, 125 otherwise.
int start_failure_exit_code(std::string_view message);

// The exit code for `failure` in a command whose own failures exit with `command_failure_code`:
// usage errors are always 125 (docker's flag errors), everything else is the command's code.
int exit_code_for(const Failure& failure, int command_failure_code);

}  // namespace gocker::client
