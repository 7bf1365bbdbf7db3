#include "runtime/json_log.hpp"

#include <cstdint>

namespace gocker::runtime {
namespace {

// Length of the valid UTF-8 sequence at the start of `text`, or 0 if it is not valid (overlong
// forms, surrogates and code points above U+10FFFF are invalid, as in Go's utf8.DecodeRune).
size_t valid_utf8_length(std::string_view text, uint32_t& code_point) {
  auto byte = [&](size_t index) { return static_cast<uint8_t>(text[index]); };
  uint8_t lead = byte(0);
  size_t length;
  uint32_t minimum;
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2;
    minimum = 0x80;
    code_point = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    minimum = 0x800;
    code_point = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    minimum = 0x10000;
    code_point = lead & 0x07;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (size_t index = 1; index < length; ++index) {
    if ((byte(index) & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(index) & 0x3F);
  }
  if (code_point < minimum || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) return 0;
  return length;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t index = 0;
  while (index < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[index]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
      out.push_back(static_cast<char>(c));
      ++index;
      continue;
    }
    if (c < 0x80) {
      switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        default:
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
      }
      ++index;
      continue;
    }
    uint32_t code_point = 0;
    size_t length = valid_utf8_length(text.substr(index), code_point);
    if (length == 0) {
      out.append("\\ufffd");
      ++index;
    } else if (code_point == 0x2028 || code_point == 0x2029) {
      // Valid JSON but line terminators in JavaScript; Docker (like Go) escapes them.
      out.append(code_point == 0x2028 ? "\\u2028" : "\\u2029");
      index += length;
    } else {
      out.append(text.substr(index, length));
      index += length;
    }
  }
  out.push_back('"');
}

std::string encode_log_line(std::string_view log, std::string_view stream, std::string_view time) {
  std::string out;
  out.reserve(log.size() + stream.size() + time.size() + 40);
  out.append("{\"log\":");
  append_json_string(out, log);
  out.append(",\"stream\":");
  append_json_string(out, stream);
  out.append(",\"time\":");
  append_json_string(out, time);
  out.append("}\n");
  return out;
}

void JsonLogSplitter::emit(std::string_view line, std::string_view time, std::string& out) {
  out.append(encode_log_line(line, stream_, time));
}

void JsonLogSplitter::feed(std::string_view data, std::string_view time, std::string& out) {
  while (!data.empty()) {
    size_t newline = data.find('\n');
    if (newline == std::string_view::npos) {
      partial_.append(data);
      break;
    }
    std::string_view piece = data.substr(0, newline + 1);
    data.remove_prefix(newline + 1);
    std::string_view line = piece;
    if (!partial_.empty()) {
      partial_.append(piece);
      line = partial_;
    }
    while (line.size() > kMaxPartialLine) {
      emit(line.substr(0, kMaxPartialLine), time, out);
      line.remove_prefix(kMaxPartialLine);
    }
    emit(line, time, out);
    partial_.clear();
  }
  // A very long line is written in kMaxPartialLine pieces, as Docker's copier does with its buffer.
  while (partial_.size() >= kMaxPartialLine) {
    emit(std::string_view(partial_).substr(0, kMaxPartialLine), time, out);
    partial_.erase(0, kMaxPartialLine);
  }
}

void JsonLogSplitter::finish(std::string_view time, std::string& out) {
  if (partial_.empty()) return;
  emit(partial_, time, out);
  partial_.clear();
}

}  // namespace gocker::runtime
