#pragma once
// Docker's multiplexed stream framing (attach and logs of non-tty containers):
//   [stream: 1 byte (0 stdin, 1 stdout, 2 stderr)] [0 0 0] [payload size: 4 bytes big-endian] [payload]
// A tty container's streams are sent raw, without headers.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gocker::api {

enum class StreamType : uint8_t { Stdin = 0, Stdout = 1, Stderr = 2, SystemErr = 3 };

inline constexpr size_t kFrameHeaderSize = 8;

std::string encode_frame(StreamType stream, std::string_view payload);

struct FrameHeader {
  StreamType stream;
  uint32_t size;
};
// Parses the 8-byte header at the start of `bytes`; nullopt if fewer than 8 bytes or a bad stream.
std::optional<FrameHeader> decode_frame_header(std::string_view bytes);

}  // namespace gocker::api
