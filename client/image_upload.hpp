#pragma once
// POST /images/create?fromSrc=- with the tar streamed from a file descriptor (chunked transfer
// encoding), so an import of any size never sits in gockerctl's memory.
#include <string>

#include "api_client.hpp"
#include "host.hpp"
#include "outcome.hpp"

namespace gocker::client {

// Sends everything readable from `fd` as the body of a POST to `target` and returns the reply.
// When the daemon answers early (a refused change) and stops reading, its answer is returned.
Outcome<HttpReply> post_streamed_body(const DaemonAddress& address, const std::string& target, int fd);

// The id in the last {"status": ...} message of an import's JSON progress stream, or a failure
// carrying an {"errorMessage"} found there.
Outcome<std::string> imported_image_id(const std::string& progress_stream);

}  // namespace gocker::client
