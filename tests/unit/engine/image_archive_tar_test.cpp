#include "engine/image_archive_tar.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <string>

#include "base/unique_fd.hpp"

namespace gocker::engine {
namespace {

// An unnamed file holding `bytes`.
UniqueFd file_with(const std::string& bytes) {
  char path[] = "/tmp/gocker-tar-index-XXXXXX";
  UniqueFd fd(::mkstemp(path));
  REQUIRE(fd);
  ::unlink(path);
  REQUIRE(::write(fd.get(), bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  return fd;
}

// A pax tar written by libarchive: a long name, a symlink to it, a hard link, a directory.
std::string libarchive_tar(const std::string& long_name) {
  std::string out;
  archive* writer = archive_write_new();
  archive_write_set_format_pax_restricted(writer);
  archive_write_open(
      writer, &out, nullptr,
      [](archive*, void* data, const void* buffer, size_t length) -> la_ssize_t {
        static_cast<std::string*>(data)->append(static_cast<const char*>(buffer), length);
        return static_cast<la_ssize_t>(length);
      },
      nullptr);
  auto add = [&](const std::string& name, mode_t type, const std::string& content, const std::string& link, bool hard) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, name.c_str());
    archive_entry_set_filetype(entry, type);
    archive_entry_set_perm(entry, 0644);
    if (hard) {
      archive_entry_set_hardlink(entry, link.c_str());
    } else if (!link.empty()) {
      archive_entry_set_symlink(entry, link.c_str());
    }
    archive_entry_set_size(entry, static_cast<la_int64_t>(content.size()));
    archive_write_header(writer, entry);
    if (!content.empty()) archive_write_data(writer, content.data(), content.size());
    archive_entry_free(entry);
  };
  add("./dir/", AE_IFDIR, "", "", false);
  add("./dir/" + long_name, AE_IFREG, "payload", "", false);
  add("top/link", AE_IFLNK, "", "../dir/" + long_name, false);
  add("hard", AE_IFREG, "", "dir/" + long_name, true);
  archive_write_close(writer);
  archive_write_free(writer);
  return out;
}

}  // namespace

TEST_CASE("the tar index finds members by normalized name, through pax long names and links") {
  const std::string long_name(150, 'n');
  const std::string tar = libarchive_tar(long_name);
  UniqueFd fd = file_with(tar);
  auto index = TarIndex::build(fd.get());
  REQUIRE_MESSAGE(index, (index ? "" : index.error().message));
  CHECK(index->contains("dir"));
  auto direct = index->read(fd.get(), "dir/" + long_name);
  REQUIRE(direct);
  CHECK(*direct == "payload");
  auto through_symlink = index->read(fd.get(), "./top/link");
  REQUIRE(through_symlink);
  CHECK(*through_symlink == "payload");
  auto through_hard_link = index->read(fd.get(), "hard");
  REQUIRE(through_hard_link);
  CHECK(*through_hard_link == "payload");
  CHECK_FALSE(index->file("missing"));
  CHECK_FALSE(index->read(fd.get(), "dir/" + long_name, 3));  // over the limit
}

TEST_CASE("ustar headers written for save are read back, sizes beyond 8 GiB included") {
  std::string tar = ustar_header("blobs/", '5', 0, 1700000000, 0755);
  tar += ustar_header("blobs/a", '0', 5, 1700000000, 0644) + "hello" + tar_padding(5);
  tar += tar_end();
  UniqueFd fd = file_with(tar);
  auto index = TarIndex::build(fd.get());
  REQUIRE(index);
  auto content = index->read(fd.get(), "blobs/a");
  REQUIRE(content);
  CHECK(*content == "hello");

  // libarchive agrees with the header (checksum, fields), and with a base-256 size.
  const int64_t huge = (int64_t{1} << 34) + 3;
  std::string big = ustar_header("big", '0', huge, 0, 0644);
  archive* reader = archive_read_new();
  archive_read_support_format_tar(reader);
  big += std::string(512, '\0');  // some data; the header is what is checked
  REQUIRE(archive_read_open_memory(reader, big.data(), big.size()) == ARCHIVE_OK);
  archive_entry* entry = nullptr;
  REQUIRE(archive_read_next_header(reader, &entry) == ARCHIVE_OK);
  CHECK(archive_entry_size(entry) == huge);
  CHECK(std::string(archive_entry_pathname(entry)) == "big");
  archive_read_free(reader);

  UniqueFd garbage = file_with(std::string(1024, 'x'));
  CHECK_FALSE(TarIndex::build(garbage.get()));
}

TEST_CASE("member names normalize") {
  CHECK(normalize_member_name("./a//b/") == "a/b");
  CHECK(normalize_member_name("/a/./c/../b") == "a/b");
  CHECK(normalize_member_name("../../x") == "x");
}

}  // namespace gocker::engine
