#pragma once
// The one place an engine ErrorKind becomes an HTTP status (as moby's httpstatus.FromError).
#include "base/result.hpp"
#include "server/http_types.hpp"

namespace gocker::server {

http::status http_status_for(ErrorKind kind);

// {"message": "..."} with the status of the error's kind; NotModified (304) has no body.
Response error_response(const Error& error);

}  // namespace gocker::server
