#include "engine/tree_copy.hpp"

#include <doctest/doctest.h>
#include <endian.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "base/unique_fd.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace gocker;
using namespace gocker::engine;

namespace {

struct stat copy_lstat(const std::string& path) {
  struct stat st {};
  REQUIRE_MESSAGE(::lstat(path.c_str(), &st) == 0, path);
  return st;
}

UniqueFd open_dir(const std::string& path) {
  UniqueFd fd{::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  REQUIRE_MESSAGE(fd, path);
  return fd;
}

}  // namespace

TEST_CASE("a volume's copy-up keeps owners, modes, times, hard links and special files, and takes the source root's owner") {
  if (::geteuid() != 0) {
    MESSAGE("SKIP: copying other owners' files needs root (chown, mknod)");
    return;
  }
  gocker::testing::TempDir scratch{"tree-copy-unit"};
  const std::string source = scratch.path() + "/image-etc";
  const std::string volume = scratch.path() + "/volume";
  std::filesystem::create_directories(source + "/ssl/private");
  std::filesystem::create_directories(volume);
  REQUIRE(::chown(source.c_str(), 0, 42) == 0);
  REQUIRE(::chmod(source.c_str(), 0751) == 0);
  std::ofstream(source + "/passwd") << "root:x:0:0:root:/root:/bin/sh\n";
  REQUIRE(::chown((source + "/passwd").c_str(), 1000, 1001) == 0);
  REQUIRE(::chmod((source + "/passwd").c_str(), 0640) == 0);
  REQUIRE(::link((source + "/passwd").c_str(), (source + "/passwd-").c_str()) == 0);
  REQUIRE(::symlink("/proc/mounts", (source + "/mtab").c_str()) == 0);
  REQUIRE(::mkfifo((source + "/initctl").c_str(), 0600) == 0);
  REQUIRE(::chmod((source + "/ssl/private").c_str(), 0700) == 0);
  struct timespec old_times[2] = {{2000000, 0}, {2000000, 0}};
  REQUIRE(::utimensat(AT_FDCWD, (source + "/passwd").c_str(), old_times, 0) == 0);

  auto copied = copy_tree(open_dir(source).get(), open_dir(volume).get());
  REQUIRE_MESSAGE(copied, (copied ? "" : copied.error().message));

  const auto root = copy_lstat(volume);
  CHECK(root.st_uid == 0);
  CHECK(root.st_gid == 42);
  CHECK((root.st_mode & 07777) == 0751);
  const auto passwd = copy_lstat(volume + "/passwd");
  CHECK(passwd.st_uid == 1000);
  CHECK(passwd.st_gid == 1001);
  CHECK((passwd.st_mode & 07777) == 0640);
  CHECK(passwd.st_mtim.tv_sec == 2000000);
  CHECK(copy_lstat(volume + "/passwd-").st_ino == passwd.st_ino);
  std::stringstream text;
  text << std::ifstream(volume + "/passwd").rdbuf();
  CHECK(text.str() == "root:x:0:0:root:/root:/bin/sh\n");
  CHECK(std::filesystem::read_symlink(volume + "/mtab") == "/proc/mounts");  // copied, not followed
  CHECK(S_ISFIFO(copy_lstat(volume + "/initctl").st_mode));
  CHECK((copy_lstat(volume + "/ssl/private").st_mode & 07777) == 0700);
}

TEST_CASE("a copy refuses a tree deeper than any image has, naming where it stopped") {
  gocker::testing::TempDir scratch{"tree-copy-unit"};
  std::string deep = scratch.path() + "/source";
  for (int level = 0; level < 300; ++level) deep += "/d";
  std::filesystem::create_directories(deep);
  std::filesystem::create_directories(scratch.path() + "/target");
  auto copied = copy_tree(open_dir(scratch.path() + "/source").get(), open_dir(scratch.path() + "/target").get());
  REQUIRE_FALSE(copied);
  CHECK(copied.error().message.find("too deep") != std::string::npos);
}

TEST_CASE("file capabilities survive a copy, and a shifted copy gives them to the remap's root") {
  if (::geteuid() != 0) {
    MESSAGE("SKIP: setting file capabilities needs root");
    return;
  }
  gocker::testing::TempDir scratch{"tree-copy-caps"};
  const std::string source = scratch / "layer";
  std::filesystem::create_directories(source + "/bin");
  std::ofstream(source + "/bin/ping") << "not really ping";
  // cap_net_raw+ep as a v2 xattr: the form getcap/setcap write on the host.
  const uint32_t v2[5] = {htole32(VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE), htole32(1u << CAP_NET_RAW), 0, 0, 0};
  REQUIRE(::setxattr((source + "/bin/ping").c_str(), "security.capability", v2, sizeof v2, 0) == 0);

  auto read_caps = [](const std::string& path) {
    std::vector<uint32_t> words(XATTR_CAPS_SZ_3 / 4, 0);
    const ssize_t size = ::getxattr(path.c_str(), "security.capability", words.data(), XATTR_CAPS_SZ_3);
    words.resize(size > 0 ? static_cast<size_t>(size) / 4 : 0);
    for (auto& word : words) word = le32toh(word);
    return words;
  };

  const std::string plain = scratch / "plain";
  std::filesystem::create_directories(plain);
  REQUIRE(copy_tree(open_dir(source).get(), open_dir(plain).get()));
  const auto kept = read_caps(plain + "/bin/ping");
  REQUIRE(kept.size() == 5);  // still v2: the chown came before, so nothing dropped them
  CHECK((kept[0] & VFS_CAP_REVISION_MASK) == VFS_CAP_REVISION_2);
  CHECK(kept[1] == (1u << CAP_NET_RAW));

  IdRemap remap;
  remap.uids = {{0, 100000, 65536}};
  remap.gids = {{0, 100000, 65536}};
  const std::string shifted = scratch / "shifted";
  std::filesystem::create_directories(shifted);
  REQUIRE(copy_tree(open_dir(source).get(), open_dir(shifted).get(), &remap));
  const auto moved = read_caps(shifted + "/bin/ping");
  REQUIRE(moved.size() == 6);
  CHECK((moved[0] & VFS_CAP_REVISION_MASK) == VFS_CAP_REVISION_3);
  CHECK((moved[0] & VFS_CAP_FLAGS_EFFECTIVE) != 0);
  CHECK(moved[1] == (1u << CAP_NET_RAW));
  CHECK(moved[5] == 100000);  // the root id
}
