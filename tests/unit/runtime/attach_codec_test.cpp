#include "runtime/attach_codec.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace gocker::runtime::attach;

TEST_CASE("attach header: type byte and big-endian length") {
  unsigned char header[kHeaderSize];
  encode_header(MessageType::kStdout, 0x01020304, header);
  CHECK(header[0] == 11);
  CHECK(header[1] == 1);
  CHECK(header[2] == 2);
  CHECK(header[3] == 3);
  CHECK(header[4] == 4);
  FrameHeader decoded = decode_header(header);
  CHECK(decoded.type == MessageType::kStdout);
  CHECK(decoded.payload_length == 0x01020304u);
  CHECK(encode_frame(MessageType::kSubscribed) == std::string("\x0a\0\0\0\0", 5));
  CHECK(encode_frame(MessageType::kStdin, "ab") == std::string("\x02\0\0\0\x02" "ab", 7));
}

TEST_CASE("attach decoder: frames split anywhere across reads come out whole") {
  std::string stream = encode_frame(MessageType::kHello, encode_hello({true, true, false})) +
                       encode_frame(MessageType::kStdin, "hello") + encode_frame(MessageType::kStdinEof);
  FrameDecoder decoder;
  std::vector<Frame> frames;
  for (char byte : stream) {
    decoder.feed(std::string_view(&byte, 1));
    while (true) {
      auto frame = decoder.next();
      REQUIRE(frame);
      if (!frame->has_value()) break;
      frames.push_back(std::move(**frame));
    }
  }
  REQUIRE(frames.size() == 3);
  CHECK(frames[0].type == MessageType::kHello);
  auto hello = decode_hello(frames[0].payload);
  REQUIRE(hello);
  CHECK(hello->attach_stdin);
  CHECK(hello->attach_stdout);
  CHECK_FALSE(hello->attach_stderr);
  CHECK(frames[1].type == MessageType::kStdin);
  CHECK(frames[1].payload == "hello");
  CHECK(frames[2].type == MessageType::kStdinEof);
  CHECK(frames[2].payload.empty());
  CHECK(decoder.buffered() == 0);
}

TEST_CASE("attach decoder: an oversized payload is an error, not an allocation") {
  FrameDecoder decoder;
  unsigned char header[kHeaderSize];
  encode_header(MessageType::kStdin, kMaxPayload + 1, header);
  decoder.feed(std::string_view(reinterpret_cast<const char*>(header), kHeaderSize));
  auto frame = decoder.next();
  REQUIRE_FALSE(frame);
  CHECK(frame.error().kind == gocker::ErrorKind::InvalidArgument);
}

TEST_CASE("attach payloads: resize and exit") {
  auto size = decode_resize(encode_resize({40, 120}));
  REQUIRE(size);
  CHECK(size->height == 40);
  CHECK(size->width == 120);
  CHECK_FALSE(decode_resize(R"({"height":-1,"width":2})"));
  CHECK_FALSE(decode_resize(R"({"height":70000,"width":2})"));
  CHECK(encode_exit(137) == R"({"exit_code":137})");
  auto code = decode_exit(encode_exit(3));
  REQUIRE(code);
  CHECK(*code == 3);
  CHECK_FALSE(decode_exit("{}"));
  CHECK_FALSE(decode_hello("nope"));
}
