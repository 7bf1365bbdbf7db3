#include "frame_demuxer.hpp"

#include <doctest/doctest.h>

using gocker::api::encode_frame;
using gocker::api::StreamType;
using gocker::client::FrameDemuxer;
using gocker::client::Outcome;

namespace {

struct Collected {
  std::string out;
  std::string err;
};

FrameDemuxer collecting(Collected& collected) {
  return FrameDemuxer([&collected](StreamType stream, std::string_view payload) -> Outcome<void> {
    (stream == StreamType::Stderr ? collected.err : collected.out).append(payload);
    return {};
  });
}

std::string sample_stream() {
  return encode_frame(StreamType::Stdout, "hello\n") + encode_frame(StreamType::Stderr, "oops\n") +
         encode_frame(StreamType::Stdout, "") + encode_frame(StreamType::Stdout, std::string(70000, 'x'));
}

}  // namespace

TEST_CASE("frames in one read are split into stdout and stderr") {
  Collected collected;
  auto demuxer = collecting(collected);
  REQUIRE(demuxer.feed(sample_stream()).has_value());
  CHECK(collected.out == "hello\n" + std::string(70000, 'x'));
  CHECK(collected.err == "oops\n");
  CHECK(demuxer.at_frame_boundary());
}

TEST_CASE("frames survive reads split at every possible size") {
  const std::string stream = sample_stream();
  for (size_t piece : {1, 2, 3, 7, 8, 9, 13, 4096}) {
    CAPTURE(piece);
    Collected collected;
    auto demuxer = collecting(collected);
    for (size_t offset = 0; offset < stream.size(); offset += piece) {
      REQUIRE(demuxer.feed(std::string_view(stream).substr(offset, piece)).has_value());
    }
    CHECK(collected.out == "hello\n" + std::string(70000, 'x'));
    CHECK(collected.err == "oops\n");
    CHECK(demuxer.at_frame_boundary());
  }
}

TEST_CASE("a stream cut inside a header or payload is not at a frame boundary") {
  Collected collected;
  auto demuxer = collecting(collected);
  std::string frame = encode_frame(StreamType::Stdout, "abcdef");
  REQUIRE(demuxer.feed(frame.substr(0, 5)).has_value());
  CHECK_FALSE(demuxer.at_frame_boundary());
  REQUIRE(demuxer.feed(frame.substr(5, 6)).has_value());
  CHECK(collected.out == "abc");
  CHECK_FALSE(demuxer.at_frame_boundary());
}

TEST_CASE("stdin frames go to stdout, as docker's stdcopy does") {
  Collected collected;
  auto demuxer = collecting(collected);
  REQUIRE(demuxer.feed(encode_frame(StreamType::Stdin, "typed")).has_value());
  CHECK(collected.out == "typed");
}

TEST_CASE("an unknown stream type fails instead of printing garbage") {
  Collected collected;
  auto demuxer = collecting(collected);
  std::string bad = encode_frame(StreamType::Stdout, "x");
  bad[0] = 9;
  auto fed = demuxer.feed(bad);
  REQUIRE_FALSE(fed.has_value());
  CHECK(fed.error().message.find("unrecognized stream header") != std::string::npos);
}

TEST_CASE("a systemerr frame becomes the daemon's error message") {
  Collected collected;
  auto demuxer = collecting(collected);
  std::string frame = encode_frame(StreamType::SystemErr, "container vanished");
  REQUIRE(demuxer.feed(frame.substr(0, 12)).has_value());
  auto fed = demuxer.feed(frame.substr(12));
  REQUIRE_FALSE(fed.has_value());
  CHECK(fed.error().message == "error from daemon in stream: container vanished");
}

TEST_CASE("a failing sink stops the demuxer") {
  FrameDemuxer demuxer([](StreamType, std::string_view) -> Outcome<void> {
    return gocker::client::Failure::local("write failed");
  });
  auto fed = demuxer.feed(encode_frame(StreamType::Stdout, "x"));
  REQUIRE_FALSE(fed.has_value());
  CHECK(fed.error().message == "write failed");
}
