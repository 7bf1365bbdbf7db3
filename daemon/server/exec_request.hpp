#pragma once
// Request bodies of the exec routes (exec_routes.cpp), parsed apart from the handlers so they are
// unit-tested. Nulls mean "default"; a malformed body is InvalidArgument (400).
#include <string_view>

#include "api/exec_types.hpp"
#include "base/result.hpp"

namespace gocker::server {

// POST /containers/{id}/exec; an empty body is an error (it must name the command).
Result<api::ExecCreateRequest> parse_exec_create_request(std::string_view body);
// POST /exec/{id}/start; an empty body means the defaults (attached, no tty).
Result<api::ExecStartRequest> parse_exec_start_request(std::string_view body);

}  // namespace gocker::server
