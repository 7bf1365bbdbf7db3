#include "runtime/attach_codec.hpp"

#include <nlohmann/json.hpp>

namespace gocker::runtime::attach {

using nlohmann::json;

void encode_header(MessageType type, uint32_t payload_length, unsigned char out[kHeaderSize]) {
  out[0] = static_cast<unsigned char>(type);
  out[1] = static_cast<unsigned char>(payload_length >> 24);
  out[2] = static_cast<unsigned char>(payload_length >> 16);
  out[3] = static_cast<unsigned char>(payload_length >> 8);
  out[4] = static_cast<unsigned char>(payload_length);
}

FrameHeader decode_header(const unsigned char in[kHeaderSize]) {
  uint32_t length = (uint32_t{in[1]} << 24) | (uint32_t{in[2]} << 16) | (uint32_t{in[3]} << 8) | uint32_t{in[4]};
  return {static_cast<MessageType>(in[0]), length};
}

void append_frame(std::string& out, MessageType type, std::string_view payload) {
  unsigned char header[kHeaderSize];
  encode_header(type, static_cast<uint32_t>(payload.size()), header);
  out.append(reinterpret_cast<const char*>(header), kHeaderSize);
  out.append(payload);
}

std::string encode_frame(MessageType type, std::string_view payload) {
  std::string out;
  out.reserve(kHeaderSize + payload.size());
  append_frame(out, type, payload);
  return out;
}

Result<std::optional<Frame>> FrameDecoder::next() {
  if (buffered() < kHeaderSize) return std::optional<Frame>{};
  FrameHeader header = decode_header(reinterpret_cast<const unsigned char*>(buffer_.data() + consumed_));
  if (header.payload_length > kMaxPayload) {
    return Error::invalid("attach frame: payload of " + std::to_string(header.payload_length) +
                          " bytes exceeds the limit of " + std::to_string(kMaxPayload));
  }
  if (buffered() < kHeaderSize + header.payload_length) return std::optional<Frame>{};
  Frame frame{header.type, buffer_.substr(consumed_ + kHeaderSize, header.payload_length)};
  consumed_ += kHeaderSize + header.payload_length;
  // Compact once the consumed prefix dominates, so a long stream does not grow the buffer.
  if (consumed_ == buffer_.size()) {
    buffer_.clear();
    consumed_ = 0;
  } else if (consumed_ > 64 * 1024 && consumed_ > buffer_.size() / 2) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  return std::optional<Frame>{std::move(frame)};
}

std::string encode_hello(const Hello& hello) {
  return json{{"stdin", hello.attach_stdin}, {"stdout", hello.attach_stdout}, {"stderr", hello.attach_stderr}}.dump();
}

Result<Hello> decode_hello(std::string_view payload) {
  json document = json::parse(payload, nullptr, false);
  if (!document.is_object()) return Error::invalid("attach hello: malformed JSON");
  auto flag = [&](const char* key) {
    auto it = document.find(key);
    return it != document.end() && it->is_boolean() && it->get<bool>();
  };
  return Hello{flag("stdin"), flag("stdout"), flag("stderr")};
}

std::string encode_resize(const WindowSize& size) {
  return json{{"height", size.height}, {"width", size.width}}.dump();
}

Result<WindowSize> decode_resize(std::string_view payload) {
  json document = json::parse(payload, nullptr, false);
  if (!document.is_object()) return Error::invalid("attach resize: malformed JSON");
  auto height = document.find("height");
  auto width = document.find("width");
  if (height == document.end() || width == document.end() || !height->is_number_unsigned() ||
      !width->is_number_unsigned() || height->get<uint64_t>() > 0xFFFF || width->get<uint64_t>() > 0xFFFF) {
    return Error::invalid("attach resize: height and width must be integers in 0..65535");
  }
  return WindowSize{height->get<uint16_t>(), width->get<uint16_t>()};
}

std::string encode_exit(int exit_code) { return json{{"exit_code", exit_code}}.dump(); }

Result<int> decode_exit(std::string_view payload) {
  json document = json::parse(payload, nullptr, false);
  if (!document.is_object()) return Error::invalid("attach exit: malformed JSON");
  auto exit_code = document.find("exit_code");
  if (exit_code == document.end() || !exit_code->is_number_integer()) {
    return Error::invalid("attach exit: exit_code must be an integer");
  }
  return exit_code->get<int>();
}

}  // namespace gocker::runtime::attach
