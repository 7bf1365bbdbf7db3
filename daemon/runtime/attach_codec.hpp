#pragma once
// Encoding and decoding of the attach socket protocol (attach_protocol.hpp): the 5-byte frame
// header and the small JSON payloads. Used by the monitor and by the engine's attach client.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "runtime/attach_protocol.hpp"

namespace gocker::runtime::attach {

struct Frame {
  MessageType type;
  std::string payload;
};

struct FrameHeader {
  MessageType type;
  uint32_t payload_length;
};

// [type][length, 4 bytes big-endian]
void encode_header(MessageType type, uint32_t payload_length, unsigned char out[kHeaderSize]);
FrameHeader decode_header(const unsigned char in[kHeaderSize]);

void append_frame(std::string& out, MessageType type, std::string_view payload);
std::string encode_frame(MessageType type, std::string_view payload = {});

// Incremental decoder for a byte stream: feed what arrived, take complete frames out.
class FrameDecoder {
 public:
  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // A complete frame, nullopt when more bytes are needed, or InvalidArgument for a payload over
  // kMaxPayload (the stream is then unusable).
  Result<std::optional<Frame>> next();
  size_t buffered() const { return buffer_.size() - consumed_; }

 private:
  std::string buffer_;
  size_t consumed_ = 0;
};

struct Hello {
  bool attach_stdin = false;
  bool attach_stdout = false;
  bool attach_stderr = false;
};
std::string encode_hello(const Hello& hello);
Result<Hello> decode_hello(std::string_view payload);

struct WindowSize {
  uint16_t height = 0;
  uint16_t width = 0;
};
std::string encode_resize(const WindowSize& size);
Result<WindowSize> decode_resize(std::string_view payload);

std::string encode_exit(int exit_code);
Result<int> decode_exit(std::string_view payload);

}  // namespace gocker::runtime::attach
