#include "runtime/json_log.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace gocker::runtime;

namespace {
const char* kTime = "2024-05-01T12:00:00.1Z";
std::string line(const std::string& escaped_log, const char* stream = "stdout") {
  return std::string(R"({"log":")") + escaped_log + R"(","stream":")" + stream + R"(","time":")" + kTime + "\"}\n";
}
}  // namespace

TEST_CASE("json log line: Docker's field order and escaping") {
  CHECK(encode_log_line("hello\n", "stdout", kTime) == line("hello\\n"));
  CHECK(encode_log_line("a\"b\\c\t\r", "stderr", kTime) == line("a\\\"b\\\\c\\t\\r", "stderr"));
  CHECK(encode_log_line("<a&b>", "stdout", kTime) == line("\\u003ca\\u0026b\\u003e"));
  CHECK(encode_log_line(std::string("\x01\x1b[0m", 5), "stdout", kTime) == line("\\u0001\\u001b[0m"));
  CHECK(encode_log_line("h\xc3\xa9llo \xe2\x82\xac", "stdout", kTime) == line("h\xc3\xa9llo \xe2\x82\xac"));
  // Invalid UTF-8 (a lone continuation byte, a truncated sequence, an overlong form) -> U+FFFD.
  CHECK(encode_log_line("a\x80z", "stdout", kTime) == line("a\\ufffdz"));
  CHECK(encode_log_line("a\xe2\x82", "stdout", kTime) == line("a\\ufffd\\ufffd"));
  CHECK(encode_log_line("\xc0\xaf", "stdout", kTime) == line("\\ufffd\\ufffd"));
  CHECK(encode_log_line("\xe2\x80\xa8", "stdout", kTime) == line("\\u2028"));
}

TEST_CASE("json log splitter: one line per newline, partial lines held until complete") {
  JsonLogSplitter splitter("stdout");
  std::string out;
  splitter.feed("one\ntw", kTime, out);
  CHECK(out == line("one\\n"));
  out.clear();
  splitter.feed("o\nthree\nfour", kTime, out);
  CHECK(out == line("two\\n") + line("three\\n"));
  out.clear();
  splitter.finish(kTime, out);  // the stream ended without a newline
  CHECK(out == line("four"));
  out.clear();
  splitter.finish(kTime, out);
  CHECK(out.empty());
}

TEST_CASE("json log splitter: a long line is written in 16 KiB pieces") {
  JsonLogSplitter splitter("stdout");
  std::string out;
  splitter.feed(std::string(kMaxPartialLine + 10, 'x'), kTime, out);
  CHECK(out == line(std::string(kMaxPartialLine, 'x')));
  out.clear();
  splitter.feed("y\n", kTime, out);
  CHECK(out == line(std::string(10, 'x') + "y\\n"));
  out.clear();
  splitter.feed(std::string(kMaxPartialLine + 1, 'z') + "\n", kTime, out);
  CHECK(out == line(std::string(kMaxPartialLine, 'z')) + line("z\\n"));
}
