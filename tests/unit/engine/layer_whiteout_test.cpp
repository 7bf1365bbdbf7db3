// Whiteouts both ways: a layer tar's ".wh." entries become overlay whiteouts and opaque dirs when
// the layer is applied, and an overlay upper dir's whiteouts and opaque dirs become ".wh." entries
// when it is diffed (commit). Needs root for trusted.* xattrs (skipped loudly otherwise).
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "engine/image_store.hpp"
#include "engine/layer_diff.hpp"
#include "engine/whiteout.hpp"
#include "tests/unit/temp_dir.hpp"

namespace gocker::engine {
namespace {

namespace fs = std::filesystem;

struct TarEntry {
  std::string path;
  mode_t type = AE_IFREG;
  std::string content;
};

void write_tar(const std::string& output, const std::vector<TarEntry>& entries) {
  archive* writer = archive_write_new();
  REQUIRE(archive_write_set_format_pax_restricted(writer) == ARCHIVE_OK);
  REQUIRE(archive_write_open_filename(writer, output.c_str()) == ARCHIVE_OK);
  for (const TarEntry& spec : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, spec.path.c_str());
    archive_entry_set_filetype(entry, spec.type);
    archive_entry_set_perm(entry, spec.type == AE_IFDIR ? 0755 : 0644);
    archive_entry_set_size(entry, static_cast<la_int64_t>(spec.content.size()));
    REQUIRE(archive_write_header(writer, entry) == ARCHIVE_OK);
    if (!spec.content.empty()) archive_write_data(writer, spec.content.data(), spec.content.size());
    archive_entry_free(entry);
  }
  REQUIRE(archive_write_close(writer) == ARCHIVE_OK);
  archive_write_free(writer);
}

// name -> (type, size, hardlink target) of every entry of a tar.
struct Listed {
  mode_t type = 0;
  int64_t size = 0;
  std::string hardlink;
  std::map<std::string, std::string> xattrs;
};
std::map<std::string, Listed> list_tar(const std::string& path) {
  std::map<std::string, Listed> entries;
  archive* reader = archive_read_new();
  archive_read_support_format_tar(reader);
  REQUIRE(archive_read_open_filename(reader, path.c_str(), 10240) == ARCHIVE_OK);
  archive_entry* entry = nullptr;
  while (archive_read_next_header(reader, &entry) == ARCHIVE_OK) {
    Listed listed;
    listed.type = archive_entry_filetype(entry);
    listed.size = archive_entry_size(entry);
    if (archive_entry_hardlink(entry) != nullptr) listed.hardlink = archive_entry_hardlink(entry);
    archive_entry_xattr_reset(entry);
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK)
      listed.xattrs[name] = std::string(static_cast<const char*>(value), size);
    entries[archive_entry_pathname(entry)] = listed;
  }
  archive_read_free(reader);
  return entries;
}

bool is_whiteout_at(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0 && is_overlay_whiteout(info);
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

bool can_set_trusted_xattrs(const std::string& directory) {
  return ::lsetxattr(directory.c_str(), "trusted.gocker-probe", "1", 1, 0) == 0 &&
         ::lremovexattr(directory.c_str(), "trusted.gocker-probe") == 0;
}

}  // namespace

TEST_CASE("whiteout names are classified as the image spec defines them") {
  auto plain = classify_whiteout("./etc/passwd");
  REQUIRE(plain);
  CHECK(plain->kind == WhiteoutKind::None);

  auto removal = classify_whiteout("./etc/.wh.passwd");
  REQUIRE(removal);
  CHECK(removal->kind == WhiteoutKind::Remove);
  CHECK(removal->directory == "./etc");
  CHECK(removal->target == "passwd");

  auto top = classify_whiteout(".wh.f");
  REQUIRE(top);
  CHECK(top->kind == WhiteoutKind::Remove);
  CHECK(top->directory.empty());
  CHECK(top->target == "f");

  auto opaque = classify_whiteout("var/cache/.wh..wh..opq");
  REQUIRE(opaque);
  CHECK(opaque->kind == WhiteoutKind::Opaque);
  CHECK(opaque->directory == "var/cache");

  auto meta = classify_whiteout(".wh..wh.plnk/123");
  REQUIRE(meta);
  CHECK(meta->kind == WhiteoutKind::None);  // a directory below a meta name: an ordinary path
  auto meta_file = classify_whiteout("a/.wh..wh.plnk");
  REQUIRE(meta_file);
  CHECK(meta_file->kind == WhiteoutKind::Meta);

  CHECK_FALSE(classify_whiteout("a/.wh.").has_value());
  CHECK_FALSE(classify_whiteout("a/.wh..").has_value());
  CHECK_FALSE(classify_whiteout("a/.wh...").has_value());

  CHECK(whiteout_entry_name("", "f") == ".wh.f");
  CHECK(whiteout_entry_name("etc", "passwd") == "etc/.wh.passwd");
  CHECK(opaque_entry_name("var/cache") == "var/cache/.wh..wh..opq");
}

TEST_CASE("applying a layer turns .wh. entries into overlay whiteouts and opaque directories") {
  gocker::testing::TempDir root{"whiteout"};
  if (::geteuid() != 0 || !can_set_trusted_xattrs(root.path())) {
    MESSAGE("SKIP: trusted.* xattrs need root on a filesystem that supports them");
    return;
  }
  auto store = state::Store::open(root / "state.db");
  REQUIRE(store);
  ImageStore images(**store, (root / "store"));
  REQUIRE(::mkdir((root / "store").c_str(), 0700) == 0);
  REQUIRE(images.load());

  const std::string tar = root / "layer.tar";
  write_tar(tar, {{"etc/", AE_IFDIR, ""},
                  {"etc/.wh.passwd", AE_IFREG, ""},
                  {"cache/", AE_IFDIR, ""},
                  {"cache/.wh..wh..opq", AE_IFREG, ""},
                  {"cache/new", AE_IFREG, "fresh\n"},
                  {".wh.gone", AE_IFREG, ""},
                  {".wh..wh.plnk", AE_IFDIR, ""},
                  {"late", AE_IFREG, "first\n"},
                  {".wh.late", AE_IFREG, ""}});
  auto layer = images.import_layer_tar(tar);
  REQUIRE_MESSAGE(layer.has_value(), (layer ? "" : layer.error().message));
  const std::string dir = layer->path;
  CHECK(is_whiteout_at(dir + "/etc/passwd"));
  CHECK(is_whiteout_at(dir + "/gone"));
  CHECK(is_whiteout_at(dir + "/late"));  // a file the same layer deleted
  CHECK(is_overlay_opaque(dir + "/cache"));
  CHECK_FALSE(is_overlay_opaque(dir + "/etc"));
  CHECK(fs::exists(dir + "/cache/new"));
  CHECK_FALSE(fs::exists(dir + "/etc/.wh.passwd"));
  CHECK_FALSE(fs::exists(dir + "/cache/.wh..wh..opq"));
  CHECK_FALSE(fs::exists(dir + "/.wh..wh.plnk"));

  SUBCASE("a whiteout cannot be placed outside the layer") {
    const std::string escape = root / "escape.tar";
    write_tar(escape, {{"../.wh.outside", AE_IFREG, ""}});
    CHECK_FALSE(images.import_layer_tar(escape).has_value());
    CHECK_FALSE(fs::exists(root / "store/layers/tmp/outside"));
    CHECK_FALSE(fs::exists(root / "store/layers/outside"));
  }
}

TEST_CASE("a whiteout under a symlink stays inside the layer") {
  gocker::testing::TempDir root{"whiteout"};
  if (::geteuid() != 0) {
    MESSAGE("SKIP: needs root (mknod of whiteouts, chroot)");
    return;
  }
  auto store = state::Store::open(root / "state.db");
  REQUIRE(store);
  REQUIRE(::mkdir((root / "store").c_str(), 0700) == 0);
  ImageStore images(**store, (root / "store"));
  REQUIRE(images.load());
  const std::string outside = root / "outside";
  REQUIRE(::mkdir(outside.c_str(), 0755) == 0);
  write_text(outside + "/victim", "keep\n");

  // "link" points at the host directory; ".wh.victim" below it must not touch that directory.
  archive* writer = archive_write_new();
  const std::string tar = root / "evil.tar";
  REQUIRE(archive_write_set_format_pax_restricted(writer) == ARCHIVE_OK);
  REQUIRE(archive_write_open_filename(writer, tar.c_str()) == ARCHIVE_OK);
  archive_entry* link = archive_entry_new();
  archive_entry_set_pathname(link, "link");
  archive_entry_set_filetype(link, AE_IFLNK);
  archive_entry_set_perm(link, 0777);
  archive_entry_set_symlink(link, outside.c_str());
  REQUIRE(archive_write_header(writer, link) == ARCHIVE_OK);
  archive_entry_free(link);
  archive_entry* whiteout = archive_entry_new();
  archive_entry_set_pathname(whiteout, "link/.wh.victim");
  archive_entry_set_filetype(whiteout, AE_IFREG);
  archive_entry_set_perm(whiteout, 0600);
  archive_entry_set_size(whiteout, 0);
  REQUIRE(archive_write_header(writer, whiteout) == ARCHIVE_OK);
  archive_entry_free(whiteout);
  REQUIRE(archive_write_close(writer) == ARCHIVE_OK);
  archive_write_free(writer);

  (void)images.import_layer_tar(tar);  // refused or contained: either way the host file stays
  struct stat info {};
  REQUIRE(::lstat((outside + "/victim").c_str(), &info) == 0);
  CHECK(S_ISREG(info.st_mode));
}

TEST_CASE("diffing an upper dir writes whiteouts and opaque dirs in their tar form") {
  gocker::testing::TempDir root{"whiteout"};
  if (::geteuid() != 0 || !can_set_trusted_xattrs(root.path())) {
    MESSAGE("SKIP: trusted.* xattrs and mknod need root");
    return;
  }
  const std::string upper = root / "upper";
  REQUIRE(::mkdir(upper.c_str(), 0755) == 0);
  REQUIRE(::mkdir((upper + "/etc").c_str(), 0755) == 0);
  write_text(upper + "/f", "data\n");
  REQUIRE(::link((upper + "/f").c_str(), (upper + "/f2").c_str()) == 0);
  REQUIRE(::symlink("f", (upper + "/l").c_str()) == 0);
  REQUIRE(::mknod((upper + "/etc/passwd").c_str(), S_IFCHR | 0, makedev(0, 0)) == 0);
  REQUIRE(::mkdir((upper + "/cache").c_str(), 0700) == 0);
  REQUIRE(::lsetxattr((upper + "/cache").c_str(), kOverlayOpaqueXattr, "y", 1, 0) == 0);
  REQUIRE(::lsetxattr((upper + "/etc").c_str(), "trusted.overlay.origin", "x", 1, 0) == 0);
  REQUIRE(::lsetxattr((upper + "/f").c_str(), "user.kept", "v", 1, 0) == 0);
  REQUIRE(::mknod((upper + "/sock").c_str(), S_IFSOCK | 0600, 0) == 0);  // a daemon's leftover socket
  REQUIRE(::mkfifo((upper + "/fifo").c_str(), 0600) == 0);

  const std::string tar = root / "diff.tar";
  int fd = ::open(tar.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  auto stats = write_layer_diff(upper, fd);
  ::close(fd);
  REQUIRE_MESSAGE(stats.has_value(), (stats ? "" : stats.error().message));
  CHECK(stats->whiteouts == 1);

  auto entries = list_tar(tar);
  CHECK(entries.count("") == 0);
  CHECK(entries.count(".") == 0);
  REQUIRE(entries.count("f") == 1);
  REQUIRE(entries.count("f2") == 1);
  // Whichever of the two links the walk meets first carries the data; the other links to it
  // (directory order is the filesystem's: tmpfs and ext4 differ).
  const bool f_first = entries["f2"].hardlink == "f";
  const auto& data_entry = f_first ? entries["f"] : entries["f2"];
  const auto& link_entry = f_first ? entries["f2"] : entries["f"];
  CHECK(data_entry.type == AE_IFREG);
  CHECK(data_entry.size == 5);
  CHECK(data_entry.xattrs.count("user.kept") == 1);
  CHECK(link_entry.hardlink == (f_first ? "f" : "f2"));
  CHECK(entries["l"].type == AE_IFLNK);
  CHECK(entries.count("sock") == 0);
  CHECK(entries["fifo"].type == AE_IFIFO);
  REQUIRE(entries.count("etc/.wh.passwd") == 1);
  CHECK(entries["etc/.wh.passwd"].type == AE_IFREG);
  CHECK(entries["etc/.wh.passwd"].size == 0);
  CHECK(entries.count("etc/passwd") == 0);
  CHECK(entries["etc"].xattrs.empty());  // overlay's bookkeeping is not part of a layer
  REQUIRE(entries.count("cache/.wh..wh..opq") == 1);
  CHECK(entries["cache"].xattrs.empty());

  // And back: applying the diff gives the overlay forms again.
  auto store = state::Store::open(root / "state.db");
  REQUIRE(store);
  REQUIRE(::mkdir((root / "store").c_str(), 0700) == 0);
  ImageStore images(**store, root / "store");
  REQUIRE(images.load());
  auto layer = images.import_layer_tar(tar);
  REQUIRE_MESSAGE(layer.has_value(), (layer ? "" : layer.error().message));
  CHECK(is_whiteout_at(layer->path + "/etc/passwd"));
  CHECK(is_overlay_opaque(layer->path + "/cache"));
  struct stat one {}, two {};
  REQUIRE(::stat((layer->path + "/f").c_str(), &one) == 0);
  REQUIRE(::stat((layer->path + "/f2").c_str(), &two) == 0);
  CHECK(one.st_ino == two.st_ino);
}

}  // namespace gocker::engine
