#include "base/result.hpp"

namespace gocker {

Error Error::from_errno(int err, const std::string& what) {
  ErrorKind kind = ErrorKind::Internal;
  switch (err) {
    case ENOENT: kind = ErrorKind::NotFound; break;
    case EEXIST: case EBUSY: kind = ErrorKind::Conflict; break;
    case EINVAL: kind = ErrorKind::InvalidArgument; break;
    default: break;
  }
  return Error{kind, err, what + ": " + std::strerror(err)};
}

const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::NotFound: return "not found";
    case ErrorKind::Conflict: return "conflict";
    case ErrorKind::InvalidArgument: return "invalid argument";
    case ErrorKind::NotModified: return "not modified";
    case ErrorKind::Unavailable: return "unavailable";
    case ErrorKind::Internal: return "internal";
  }
  return "internal";
}

}  // namespace gocker
