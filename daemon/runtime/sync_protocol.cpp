#include "runtime/sync_protocol.hpp"

#include <sys/socket.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "runtime/unix_socket.hpp"
#include "runtime/file_util.hpp"

namespace gocker::runtime::sync {

std::string encode_setup_error(const SetupError& error) {
  nlohmann::json payload = {{"step", error.step}, {"errno", error.sys_errno}, {"message", error.message}};
  return payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

SetupError decode_setup_error(std::string_view payload) {
  auto document = nlohmann::json::parse(payload, nullptr, false);
  SetupError error;
  if (!document.is_object()) {
    error.message = "malformed error report: " + std::string(payload);
    return error;
  }
  error.step = document.value("step", "");
  error.sys_errno = document.value("errno", 0);
  error.message = document.value("message", "");
  return error;
}

Error error_from_setup_error(const SetupError& error) {
  Error rebuilt = error.sys_errno != 0 ? Error::from_errno(error.sys_errno, "") : Error::internal("");
  rebuilt.message = error.message;
  return rebuilt;
}

SetupError setup_error_from_error(std::string step, const Error& error) {
  return SetupError{std::move(step), error.sys_errno, error.message};
}

Status send_message(int socket, MessageType type, std::string_view payload, int fd_to_pass) {
  if (payload.size() + 1 > kMaxMessageSize) return Error::invalid("send sync message: payload too large");
  char type_byte = static_cast<char>(type);
  struct iovec parts[2] = {{&type_byte, 1}, {const_cast<char*>(payload.data()), payload.size()}};
  ssize_t sent = send_with_fd(socket, parts, payload.empty() ? 1 : 2, fd_to_pass);
  if (sent < 0) return Error::from_errno(errno, "send sync message");
  return ok();
}

Result<std::optional<Message>> receive_message(int socket) {
  std::string buffer(kMaxMessageSize, '\0');
  struct iovec part = {buffer.data(), buffer.size()};
  struct msghdr message {};
  message.msg_iov = &part;
  message.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  ssize_t received = retry_eintr([&] { return ::recvmsg(socket, &message, MSG_CMSG_CLOEXEC); });
  // ECONNRESET: the peer closed with a message of ours unread (an init that failed before it read
  // kCgroupJoined). The kernel reports that error once, before the messages still queued for us:
  // the peer's last words (its kError) come with the next read, then EOF.
  if (received < 0 && errno == ECONNRESET) {
    received = retry_eintr([&] { return ::recvmsg(socket, &message, MSG_CMSG_CLOEXEC); });
    if (received < 0 && errno == ECONNRESET) return std::optional<Message>{};
  }
  if (received < 0) return Error::from_errno(errno, "receive sync message");
  if (received == 0) return std::optional<Message>{};
  UniqueFd passed;
  for (struct cmsghdr* header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(header), sizeof fd);
      passed.reset(fd);
    }
  }
  if (message.msg_flags & MSG_TRUNC) return Error::invalid("receive sync message: message too large");
  Message result{static_cast<MessageType>(buffer[0]), buffer.substr(1, static_cast<size_t>(received) - 1),
                 std::move(passed)};
  return std::optional<Message>{std::move(result)};
}

}  // namespace gocker::runtime::sync
