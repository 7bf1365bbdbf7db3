#include "api/units.hpp"

#include <doctest/doctest.h>

using gocker::api::invalid_size_message;
using gocker::api::ram_in_bytes;

TEST_CASE("ram_in_bytes reads docker memory sizes in binary units") {
  CHECK(ram_in_bytes("100") == 100);
  CHECK(ram_in_bytes("0") == 0);
  CHECK(ram_in_bytes("512k") == 512 * 1024);
  CHECK(ram_in_bytes("64m") == 64 * 1024 * 1024);
  CHECK(ram_in_bytes("64M") == 64 * 1024 * 1024);
  CHECK(ram_in_bytes("1g") == int64_t{1} << 30);
  CHECK(ram_in_bytes("2t") == int64_t{2} << 40);
  CHECK(ram_in_bytes("1p") == int64_t{1} << 50);
}

TEST_CASE("ram_in_bytes accepts the optional b / ib suffix and one space") {
  CHECK(ram_in_bytes("64mb") == 64 * 1024 * 1024);
  CHECK(ram_in_bytes("64MiB") == 64 * 1024 * 1024);
  CHECK(ram_in_bytes("64 MB") == 64 * 1024 * 1024);
  CHECK(ram_in_bytes("100b") == 100);
  CHECK(ram_in_bytes("100B") == 100);
}

TEST_CASE("ram_in_bytes truncates fractions to whole bytes") {
  CHECK(ram_in_bytes("1.5g") == (int64_t{3} << 29));
  CHECK(ram_in_bytes("1.5k") == 1536);
  CHECK(ram_in_bytes("0.5") == 0);
}

TEST_CASE("ram_in_bytes rejects garbage instead of guessing") {
  for (const char* text : {"", "abc", "m", "-1", "-64m", "64x", "64mm", "64  m", " 64m", "64m ", "1.2.3", "1.",
                           ".5g", "64kib2", "1e3", "0x10", "99999999999p"}) {
    CAPTURE(text);
    CHECK_FALSE(ram_in_bytes(text).has_value());
  }
}

TEST_CASE("invalid_size_message uses docker's wording") {
  CHECK(invalid_size_message("abc") == "invalid size: 'abc'");
}
