#include "api/stream_frame.hpp"

namespace gocker::api {

std::string encode_frame(StreamType stream, std::string_view payload) {
  std::string out;
  out.reserve(kFrameHeaderSize + payload.size());
  auto size = static_cast<uint32_t>(payload.size());
  out.push_back(static_cast<char>(stream));
  out.append(3, '\0');
  out.push_back(static_cast<char>((size >> 24) & 0xff));
  out.push_back(static_cast<char>((size >> 16) & 0xff));
  out.push_back(static_cast<char>((size >> 8) & 0xff));
  out.push_back(static_cast<char>(size & 0xff));
  out.append(payload);
  return out;
}

std::optional<FrameHeader> decode_frame_header(std::string_view bytes) {
  if (bytes.size() < kFrameHeaderSize) return std::nullopt;
  auto type = static_cast<uint8_t>(bytes[0]);
  if (type > 3) return std::nullopt;
  auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])); };
  uint32_t size = (byte(4) << 24) | (byte(5) << 16) | (byte(6) << 8) | byte(7);
  return FrameHeader{static_cast<StreamType>(type), size};
}

}  // namespace gocker::api
