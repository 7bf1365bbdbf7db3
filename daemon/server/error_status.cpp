#include "server/error_status.hpp"

#include "api/system_types.hpp"

namespace gocker::server {

http::status http_status_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::NotFound: return http::status::not_found;
    case ErrorKind::Conflict: return http::status::conflict;
    case ErrorKind::InvalidArgument: return http::status::bad_request;
    case ErrorKind::NotModified: return http::status::not_modified;
    case ErrorKind::Unavailable: return http::status::service_unavailable;
    case ErrorKind::Internal: return http::status::internal_server_error;
  }
  return http::status::internal_server_error;
}

Response error_response(const Error& error) {
  http::status status = http_status_for(error.kind);
  // RFC 9110 15.4.5: a 304 response cannot contain content. Docker answers "container already
  // started" the same way, and the CLI treats it as success.
  if (status == http::status::not_modified) return empty_response(status);
  return json_response(status, api::error_body(error.message));
}

}  // namespace gocker::server
