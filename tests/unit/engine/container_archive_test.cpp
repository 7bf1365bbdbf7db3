// docker cp's building blocks against a temp dir standing in for a container rootfs, with the
// symlinks a hostile container would plant: lookups and extraction must stay inside it.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <archive.h>
#include <archive_entry.h>

#include "engine/archive_stream.hpp"
#include "engine/contained_path.hpp"

using namespace gocker;
using namespace gocker::engine;
namespace fs = std::filesystem;

namespace {

struct TempTree {
  fs::path base;
  TempTree() {
    std::string pattern = (fs::temp_directory_path() / "gocker-archive-XXXXXX").string();
    base = ::mkdtemp(pattern.data());
    fs::create_directories(base / "host/etc");
    write(base / "host/etc/hostname", "HOST\n");
    fs::create_directories(base / "rootfs/etc");
    fs::create_directories(base / "rootfs/tmp");
    write(base / "rootfs/etc/hostname", "container\n");
    // /evil -> /, /up -> ../../.. (would reach the host tree from a naive host-side open), and
    // /abs -> <host dir> by its absolute host path.
    fs::create_symlink("/", base / "rootfs/evil");
    fs::create_symlink("../../..", base / "rootfs/up");
    fs::create_symlink(base / "host", base / "rootfs/abs");
  }
  ~TempTree() {
    std::error_code ignored;
    fs::remove_all(base, ignored);
  }
  static void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }
  static std::string read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  UniqueFd root() const { return open_root_directory((base / "rootfs").string()).value(); }
};

std::string read_resolved(int root_fd, const std::string& path) {
  auto fd = open_in_root(root_fd, path, O_RDONLY);
  REQUIRE_MESSAGE(fd, path);
  char buffer[256];
  ssize_t n = ::read(fd->get(), buffer, sizeof buffer);
  return std::string(buffer, n > 0 ? static_cast<size_t>(n) : 0);
}

// A tar built in memory from (name, type, content/target) triples.
std::string make_tar(const std::vector<std::tuple<std::string, mode_t, std::string>>& items) {
  std::string out;
  archive* writer = archive_write_new();
  archive_write_set_format_pax_restricted(writer);
  archive_write_set_bytes_per_block(writer, 0);
  archive_write_open(
      writer, &out, nullptr,
      [](archive*, void* data, const void* buffer, size_t length) -> la_ssize_t {
        static_cast<std::string*>(data)->append(static_cast<const char*>(buffer), length);
        return static_cast<la_ssize_t>(length);
      },
      nullptr);
  for (const auto& [name, type, payload] : items) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, name.c_str());
    archive_entry_set_mode(entry, type | (type == AE_IFDIR ? 0755 : 0644));
    if (type == AE_IFLNK) archive_entry_set_symlink(entry, payload.c_str());
    if (type == AE_IFREG) archive_entry_set_size(entry, static_cast<la_int64_t>(payload.size()));
    if (type == 0) {  // a hard link to `payload`
      archive_entry_set_mode(entry, AE_IFREG | 0644);
      archive_entry_set_hardlink(entry, payload.c_str());
    }
    archive_write_header(writer, entry);
    if (type == AE_IFREG) archive_write_data(writer, payload.data(), payload.size());
    archive_entry_free(entry);
  }
  archive_write_close(writer);
  archive_write_free(writer);
  return out;
}

std::string produce_all(TarProducer& producer) {
  std::string tar;
  while (true) {
    auto more = producer.next(tar);
    REQUIRE(more);
    if (!*more) return tar;
  }
}

}  // namespace

TEST_CASE("archive paths: split like moby's ResolvePath") {
  auto file = split_container_path("etc//hostname");
  CHECK(file.absolute == "/etc/hostname");
  CHECK(file.directory == "/etc");
  CHECK(file.base == "hostname");
  CHECK_FALSE(file.follow_last());
  CHECK(split_container_path("/etc/").follow_last());
  CHECK(split_container_path("/etc/").display_name() == "etc");
  CHECK(split_container_path("/etc/.").display_name() == ".");
  CHECK(split_container_path("/").display_name() == "/");
  CHECK(split_container_path("/").follow_last());
}

TEST_CASE("archive paths: hostile symlinks resolve inside the root") {
  TempTree tree;
  UniqueFd root = tree.root();
  CHECK(read_resolved(root.get(), "/evil/etc/hostname") == "container\n");
  CHECK(read_resolved(root.get(), "/up/etc/hostname") == "container\n");
  CHECK(read_resolved(root.get(), "up/up/evil/etc/hostname") == "container\n");
  CHECK(read_resolved(root.get(), "/../../etc/hostname") == "container\n");
  // The absolute host path means nothing inside the root.
  auto host = open_in_root(root.get(), "/abs/etc/hostname", O_RDONLY);
  CHECK_FALSE(host);
  CHECK(host.error().sys_errno == ENOENT);
  // Magic links are refused outright.
  CHECK_FALSE(open_in_root(root.get(), "/proc/self/root/etc/hostname", O_RDONLY));
}

TEST_CASE("archive paths: a symlink as last component is not followed unless the path ends in /") {
  TempTree tree;
  UniqueFd root = tree.root();
  auto link = resolve_container_path(root.get(), split_container_path("/evil"));
  REQUIRE(link);
  struct stat info {};
  REQUIRE(::fstatat(link->parent.get(), link->name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0);
  CHECK(S_ISLNK(info.st_mode));
  auto followed = resolve_container_path(root.get(), split_container_path("/evil/"));
  REQUIRE(followed);
  CHECK(followed->name == ".");
  REQUIRE(::fstatat(followed->parent.get(), "etc/hostname", &info, AT_SYMLINK_NOFOLLOW) == 0);
}

TEST_CASE("archive paths: Go file modes") {
  CHECK(go_file_mode(S_IFDIR | 0755) == ((1u << 31) | 0755));
  CHECK(go_file_mode(S_IFLNK | 0777) == ((1u << 27) | 0777));
  CHECK(go_file_mode(S_IFREG | 04755) == ((1u << 23) | 0755));
  CHECK(go_file_mode(S_IFCHR | 0600) == ((1u << 26) | (1u << 21) | 0600));
}

TEST_CASE("archive entries: '..' and absolute names") {
  CHECK(entry_components("./a/b/").value() == std::vector<std::string>{"a", "b"});
  CHECK(entry_components("/etc/passwd").value() == std::vector<std::string>{"etc", "passwd"});
  CHECK(entry_components(".").value().empty());
  CHECK_FALSE(entry_components("../x"));
  CHECK_FALSE(entry_components("a/../../x"));
}

TEST_CASE("extract: files and dirs land under the target, through container symlinks") {
  TempTree tree;
  UniqueFd root = tree.root();
  std::string tar = make_tar({{"dir", AE_IFDIR, ""},
                              {"dir/file", AE_IFREG, "hello"},
                              {"dir/link", AE_IFLNK, "/etc/hostname"},
                              {"dir/hard", 0, "dir/file"},
                              {"/top", AE_IFREG, "abs"}});
  REQUIRE(extract_tar(root.get(), "/evil/tmp", tar, {}));
  CHECK(TempTree::read(tree.base / "rootfs/tmp/dir/file") == "hello");
  CHECK(TempTree::read(tree.base / "rootfs/tmp/top") == "abs");
  CHECK(fs::read_symlink(tree.base / "rootfs/tmp/dir/link") == "/etc/hostname");
  CHECK(fs::hard_link_count(tree.base / "rootfs/tmp/dir/file") == 2);
  CHECK(TempTree::read(tree.base / "host/etc/hostname") == "HOST\n");
  CHECK_FALSE(fs::exists(tree.base / "host/tmp"));
}

TEST_CASE("extract: symlinks planted by the archive itself stay inside") {
  TempTree tree;
  UniqueFd root = tree.root();
  // esc -> ../../.. (many times), then esc/etc/hostname: outside the root if followed on the host.
  std::string tar = make_tar({{"esc", AE_IFLNK, "../../../../../../../.."}, {"esc/etc/hostname", AE_IFREG, "pwned\n"}});
  REQUIRE(extract_tar(root.get(), "/tmp", tar, {}));
  CHECK(TempTree::read(tree.base / "host/etc/hostname") == "HOST\n");
  CHECK(TempTree::read(tree.base / "rootfs/etc/hostname") == "pwned\n");  // the container's own file

  // A link to the host directory by its absolute host path: inside the root that path does not
  // exist, so the write fails (as it would in a chroot) and the host file is untouched.
  std::string host_dir = (tree.base / "host").string();
  std::string absolute = make_tar({{"absesc", AE_IFLNK, host_dir}, {"absesc/etc/hostname", AE_IFREG, "pwned\n"}});
  CHECK_FALSE(extract_tar(root.get(), "/tmp", absolute, {}));
  CHECK(TempTree::read(tree.base / "host/etc/hostname") == "HOST\n");
}

TEST_CASE("extract: '..' entries, missing and non-directory targets are refused") {
  TempTree tree;
  UniqueFd root = tree.root();
  auto dotdot = extract_tar(root.get(), "/tmp", make_tar({{"../../escape", AE_IFREG, "x"}}), {});
  CHECK_FALSE(dotdot);
  CHECK(dotdot.error().kind == ErrorKind::InvalidArgument);
  auto hard = extract_tar(root.get(), "/tmp", make_tar({{"h", 0, "../../../host/etc/hostname"}}), {});
  CHECK_FALSE(hard);
  auto missing = extract_tar(root.get(), "/nope", make_tar({{"a", AE_IFREG, "x"}}), {});
  CHECK(missing.error().kind == ErrorKind::NotFound);
  auto not_dir = extract_tar(root.get(), "/etc/hostname", make_tar({{"a", AE_IFREG, "x"}}), {});
  CHECK(not_dir.error().kind == ErrorKind::InvalidArgument);
  CHECK_FALSE(extract_tar(root.get(), "/tmp", "not a tar at all, but long enough to be looked at......", {}));
}

TEST_CASE("extract: noOverwriteDirNonDir") {
  TempTree tree;
  UniqueFd root = tree.root();
  fs::create_directories(tree.base / "rootfs/tmp/d/sub");
  auto refused = extract_tar(root.get(), "/tmp", make_tar({{"d", AE_IFREG, "x"}}), {true});
  CHECK_FALSE(refused);
  CHECK(fs::is_directory(tree.base / "rootfs/tmp/d"));
  TempTree::write(tree.base / "rootfs/tmp/f", "old");
  REQUIRE(extract_tar(root.get(), "/tmp", make_tar({{"f", AE_IFREG, "new"}}), {true}));
  CHECK(TempTree::read(tree.base / "rootfs/tmp/f") == "new");
}

TEST_CASE("tar round trip: produce from one root, extract into another") {
  TempTree tree;
  UniqueFd root = tree.root();
  fs::create_directories(tree.base / "rootfs/data/sub");
  TempTree::write(tree.base / "rootfs/data/a.txt", std::string(300000, 'a'));
  TempTree::write(tree.base / "rootfs/data/sub/b.txt", "bee");
  fs::create_symlink("/evil", tree.base / "rootfs/data/sub/link");
  fs::create_hard_link(tree.base / "rootfs/data/a.txt", tree.base / "rootfs/data/a2.txt");
  ::chmod((tree.base / "rootfs/data/sub/b.txt").c_str(), 0640);

  auto source = resolve_container_path(root.get(), split_container_path("/evil/data"));
  REQUIRE(source);
  auto producer = TarProducer::open(std::move(*source), "data");
  REQUIRE(producer);
  std::string tar = produce_all(**producer);

  fs::create_directories(tree.base / "rootfs/copy");
  REQUIRE(extract_tar(root.get(), "/copy", tar, {}));
  CHECK(TempTree::read(tree.base / "rootfs/copy/data/a.txt") == std::string(300000, 'a'));
  CHECK(TempTree::read(tree.base / "rootfs/copy/data/a2.txt") == std::string(300000, 'a'));
  CHECK(fs::hard_link_count(tree.base / "rootfs/copy/data/a.txt") == 2);
  CHECK(TempTree::read(tree.base / "rootfs/copy/data/sub/b.txt") == "bee");
  CHECK((fs::status(tree.base / "rootfs/copy/data/sub/b.txt").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read));
  CHECK(fs::read_symlink(tree.base / "rootfs/copy/data/sub/link") == "/evil");

  // A single file archives under its own name.
  auto file = resolve_container_path(root.get(), split_container_path("/etc/hostname"));
  REQUIRE(file);
  auto single = TarProducer::open(std::move(*file), "hostname");
  REQUIRE(single);
  std::string file_tar = produce_all(**single);
  REQUIRE(extract_tar(root.get(), "/tmp", file_tar, {}));
  CHECK(TempTree::read(tree.base / "rootfs/tmp/hostname") == "container\n");
}
