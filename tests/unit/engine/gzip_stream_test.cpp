// A layer tar compressed while it is pushed: what comes out inflates to the input, both digests
// are of the bytes that went through, and the same input compresses to the same bytes.
#include <doctest/doctest.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <string>

#include "engine/gzip_stream.hpp"
#include "engine/image_store.hpp"

using namespace gocker::engine;

namespace {

int file_with(const std::string& bytes) {
  const int fd = ::memfd_create("gzip-test", MFD_CLOEXEC);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  REQUIRE(::lseek(fd, 0, SEEK_SET) == 0);
  return fd;
}

// Reads everything through the reader in pieces of `piece` bytes.
std::string compress_all(GzipFileReader& reader, size_t piece) {
  std::string out;
  std::string buffer(piece, '\0');
  for (;;) {
    auto got = reader.read(buffer.data(), buffer.size());
    REQUIRE(got.has_value());
    if (*got == 0) return out;
    out.append(buffer.data(), *got);
  }
}

std::string inflate_all(const std::string& compressed) {
  z_stream stream{};
  REQUIRE(inflateInit2(&stream, 15 + 16) == Z_OK);
  std::string out;
  std::string buffer(64 * 1024, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  int status = Z_OK;
  while (status == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer.data());
    stream.avail_out = static_cast<uInt>(buffer.size());
    status = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer.data(), buffer.size() - stream.avail_out);
  }
  inflateEnd(&stream);
  CHECK(status == Z_STREAM_END);
  return out;
}

}  // namespace

TEST_CASE("gzip while reading: round trip, digests of input and output, deterministic") {
  std::string input;
  for (int i = 0; i < 200000; ++i) input += std::to_string(i * 7919 % 100003) + (i % 13 == 0 ? "\n" : " ");
  const int fd = file_with(input);
  GzipFileReader reader(fd);
  const std::string compressed = compress_all(reader, 1000);  // small pieces: many calls
  CHECK(compressed.size() < input.size());
  CHECK(reader.input_bytes() == static_cast<int64_t>(input.size()));
  CHECK(reader.output_bytes() == static_cast<int64_t>(compressed.size()));
  CHECK(reader.input_digest() == sha256_digest(input));
  CHECK(reader.output_digest() == sha256_digest(compressed));
  CHECK(inflate_all(compressed) == input);

  REQUIRE(::lseek(fd, 0, SEEK_SET) == 0);
  GzipFileReader again(fd);
  CHECK(compress_all(again, 256 * 1024) == compressed);
  ::close(fd);
}

TEST_CASE("gzip of an empty file is a valid empty gzip stream") {
  const int fd = file_with("");
  GzipFileReader reader(fd);
  const std::string compressed = compress_all(reader, 64);
  CHECK(!compressed.empty());
  CHECK(inflate_all(compressed).empty());
  CHECK(reader.input_digest() == sha256_digest(""));
  ::close(fd);
}
