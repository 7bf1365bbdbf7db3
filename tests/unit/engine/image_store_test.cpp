#include "engine/image_store.hpp"
#include "tests/unit/temp_dir.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace gocker::engine {
namespace {

namespace fs = std::filesystem;

// One tar entry as the tests describe it.
struct Entry {
  std::string path;
  mode_t type = AE_IFREG;
  mode_t mode = 0644;
  std::string content;   // regular files
  std::string symlink;   // AE_IFLNK target
  std::string hardlink;  // makes this entry a hard link to that path
};

Entry dir(std::string path, mode_t mode = 0755) { return {std::move(path), AE_IFDIR, mode, "", "", ""}; }
Entry file(std::string path, std::string content, mode_t mode = 0644) {
  return {std::move(path), AE_IFREG, mode, std::move(content), "", ""};
}
Entry symlink(std::string path, std::string target) { return {std::move(path), AE_IFLNK, 0777, "", std::move(target), ""}; }
Entry hardlink(std::string path, std::string target) { return {std::move(path), AE_IFREG, 0644, "", "", std::move(target)}; }

// Writes a reproducible pax tar (fixed times, root owner), as the image tooling does.
void write_tar(const std::string& output, const std::vector<Entry>& entries) {
  archive* writer = archive_write_new();
  REQUIRE(writer != nullptr);
  REQUIRE(archive_write_set_format_pax_restricted(writer) == ARCHIVE_OK);
  REQUIRE(archive_write_open_filename(writer, output.c_str()) == ARCHIVE_OK);
  for (const Entry& spec : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, spec.path.c_str());
    archive_entry_set_filetype(entry, spec.type);
    archive_entry_set_perm(entry, spec.mode);
    archive_entry_set_uid(entry, 0);
    archive_entry_set_gid(entry, 0);
    archive_entry_set_mtime(entry, 1'000'000, 0);
    if (!spec.symlink.empty()) archive_entry_set_symlink(entry, spec.symlink.c_str());
    if (!spec.hardlink.empty()) archive_entry_set_hardlink(entry, spec.hardlink.c_str());
    archive_entry_set_size(entry, static_cast<la_int64_t>(spec.content.size()));
    REQUIRE(archive_write_header(writer, entry) == ARCHIVE_OK);
    if (!spec.content.empty()) {
      REQUIRE(archive_write_data(writer, spec.content.data(), spec.content.size()) ==
              static_cast<la_ssize_t>(spec.content.size()));
    }
    archive_entry_free(entry);
  }
  REQUIRE(archive_write_close(writer) == ARCHIVE_OK);
  archive_write_free(writer);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// gzip-compresses a file byte for byte (libarchive's raw format writes the bytes unchanged).
void gzip_file(const std::string& input, const std::string& output) {
  const std::string bytes = read_file(input);
  archive* writer = archive_write_new();
  REQUIRE(archive_write_add_filter_gzip(writer) == ARCHIVE_OK);
  REQUIRE(archive_write_set_format_raw(writer) == ARCHIVE_OK);
  REQUIRE(archive_write_open_filename(writer, output.c_str()) == ARCHIVE_OK);
  archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, "data");
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_size(entry, static_cast<la_int64_t>(bytes.size()));
  REQUIRE(archive_write_header(writer, entry) == ARCHIVE_OK);
  REQUIRE(archive_write_data(writer, bytes.data(), bytes.size()) == static_cast<la_ssize_t>(bytes.size()));
  archive_entry_free(entry);
  REQUIRE(archive_write_close(writer) == ARCHIVE_OK);
  archive_write_free(writer);
}

size_t count_entries(const std::string& directory) {
  size_t count = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(directory)) ++count;
  return count;
}

// A store and an image store under one temp root.
struct Fixture {
  Fixture() {
    auto opened = state::Store::open(root / "state.db");
    REQUIRE_MESSAGE(opened.has_value(), (opened ? "" : opened.error().message));
    store = std::move(opened).value();
    images = std::make_unique<ImageStore>(*store, root.path());
    auto loaded = images->load();
    REQUIRE_MESSAGE(loaded.has_value(), (loaded ? "" : loaded.error().message));
  }
  std::string layers_dir() const { return root / "layers/sha256"; }
  std::string tmp_dir() const { return root / "layers/tmp"; }

  gocker::testing::TempDir root{"image-store"};
  gocker::testing::TempDir work{"image-store"};  // tars and "outside" files live here, apart from the store's root
  std::unique_ptr<state::Store> store;
  std::unique_ptr<ImageStore> images;
};

const std::vector<Entry> kRootfs = {
    dir("./"),
    dir("bin/"),
    file("bin/busybox", "#!fake busybox\n", 0755),
    hardlink("bin/sh", "bin/busybox"),
    dir("etc/"),
    file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
    dir("tmp/", 01777),
    dir("usr/"),
    dir("usr/lib/"),
    symlink("lib", "usr/lib"),
};

TEST_CASE("image store: sha256 digests and chain ids") {
  CHECK(sha256_digest("abc") == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string diff = "sha256:" + std::string(64, 'd');
  CHECK(layer_chain_id("", diff) == diff);
  const std::string parent = "sha256:" + std::string(64, 'p');
  CHECK(layer_chain_id(parent, diff) == sha256_digest(parent + " " + diff));
}

TEST_CASE("image store: a layer tar is extracted with its metadata under its chain id") {
  Fixture fixture;
  const std::string tar = fixture.work / "rootfs.tar";
  write_tar(tar, kRootfs);

  auto layer = fixture.images->import_layer_tar(tar);
  REQUIRE_MESSAGE(layer.has_value(), (layer ? "" : layer.error().message));
  CHECK(layer->diff_id == sha256_digest(read_file(tar)));  // the whole uncompressed stream
  CHECK(layer->chain_id == layer->diff_id);
  CHECK(layer->parent_chain_id.empty());
  CHECK(layer->path == fixture.layers_dir() + "/" + layer->chain_id.substr(7));
  CHECK(layer->size == static_cast<int64_t>(std::string("#!fake busybox\n").size() +
                                            std::string("root:x:0:0:root:/root:/bin/sh\n").size()));

  const std::string rootfs = layer->path;
  CHECK(read_file(rootfs + "/etc/passwd") == "root:x:0:0:root:/root:/bin/sh\n");
  struct stat busybox{}, sh{}, tmp{}, top{};
  REQUIRE(::stat((rootfs + "/bin/busybox").c_str(), &busybox) == 0);
  REQUIRE(::stat((rootfs + "/bin/sh").c_str(), &sh) == 0);
  CHECK(busybox.st_ino == sh.st_ino);  // a hard link, not a copy
  CHECK((busybox.st_mode & 07777) == 0755);
  CHECK(busybox.st_mtime == 1'000'000);
  REQUIRE(::stat((rootfs + "/tmp").c_str(), &tmp) == 0);
  CHECK((tmp.st_mode & 07777) == 01777);
  REQUIRE(::stat(rootfs.c_str(), &top) == 0);
  CHECK((top.st_mode & 07777) == 0755);
  CHECK(fs::read_symlink(rootfs + "/lib") == "usr/lib");
  CHECK(count_entries(fixture.tmp_dir()) == 0);
}

TEST_CASE("image store: the diff id is the digest of the uncompressed tar; a repeat import is dropped") {
  Fixture fixture;
  const std::string tar = fixture.work / "rootfs.tar";
  const std::string gzipped = fixture.work / "rootfs.tar.gz";
  write_tar(tar, kRootfs);
  gzip_file(tar, gzipped);
  REQUIRE(read_file(gzipped) != read_file(tar));

  auto plain = fixture.images->import_layer_tar(tar);
  REQUIRE(plain);
  auto compressed = fixture.images->import_layer_tar(gzipped);
  REQUIRE_MESSAGE(compressed.has_value(), (compressed ? "" : compressed.error().message));
  CHECK(compressed->diff_id == plain->diff_id);
  CHECK(compressed->path == plain->path);
  CHECK(count_entries(fixture.layers_dir()) == 1);
  CHECK(count_entries(fixture.tmp_dir()) == 0);
}

TEST_CASE("image store: a layer above a parent gets the parent's chain") {
  Fixture fixture;
  const std::string base_tar = fixture.work / "base.tar";
  const std::string top_tar = fixture.work / "top.tar";
  write_tar(base_tar, kRootfs);
  write_tar(top_tar, {dir("./"), file("etc/motd", "hello\n")});
  auto base = fixture.images->import_layer_tar(base_tar);
  REQUIRE(base);
  auto top = fixture.images->import_layer_tar(top_tar, base->chain_id);
  REQUIRE(top);
  CHECK(top->parent_chain_id == base->chain_id);
  CHECK(top->chain_id == layer_chain_id(base->chain_id, top->diff_id));
  CHECK(top->path == fixture.layers_dir() + "/" + top->chain_id.substr(7));

  state::ImageRecord image;
  image.config_json = R"({"rootfs":{"type":"layers"}})";
  image.id = sha256_digest(image.config_json);
  image.layer_chain_ids = {base->chain_id, top->chain_id};
  image.tags = {"docker.io/library/stacked:1"};
  REQUIRE(fixture.images->put_image(image, {base.value(), top.value()}));
  auto resolved = fixture.images->resolve("stacked:1");
  REQUIRE(resolved);
  CHECK(fixture.images->layer_dirs(resolved.value()) == std::vector<std::string>{top->path, base->path});
}

TEST_CASE("image store: a tar reaching outside the layer is refused and leaves nothing") {
  Fixture fixture;
  const std::string outside = fixture.work / "outside";
  REQUIRE(fs::create_directory(outside));
  // Relative to the layer directory <root>/layers/tmp/import-XXXXXX, this climbs to work/outside.
  const std::string climb = "../../../" + fs::relative(outside, fixture.root.path()).string() + "/dotdot";

  struct Case {
    std::string name;
    std::vector<Entry> entries;
  };
  const Case cases[] = {
      {"dot-dot path", {dir("./"), file(climb, "escaped\n")}},
      {"absolute path", {dir("./"), file(outside + "/absolute", "escaped\n")}},
      {"through an outward symlink", {dir("./"), symlink("evil", outside), file("evil/through-link", "escaped\n")}},
      {"hard link to an absolute path", {dir("./"), hardlink("passwd", "/etc/passwd")}},
  };
  for (const Case& test : cases) {
    CAPTURE(test.name);
    const std::string tar = fixture.work / "evil.tar";
    write_tar(tar, test.entries);
    auto layer = fixture.images->import_layer_tar(tar);
    CHECK_FALSE(layer.has_value());
    if (!layer) CHECK(layer.error().kind == ErrorKind::InvalidArgument);
    CHECK(count_entries(outside) == 0);
    CHECK(count_entries(fixture.layers_dir()) == 0);
    CHECK(count_entries(fixture.tmp_dir()) == 0);
  }
}

TEST_CASE("image store: unreadable input is an error, not a layer") {
  Fixture fixture;
  const std::string not_tar = fixture.work / "not.tar";
  std::ofstream(not_tar) << "this is not a tar archive, just some text that goes on for a while\n";
  auto garbage = fixture.images->import_layer_tar(not_tar);
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().message.find(not_tar) != std::string::npos);

  auto missing = fixture.images->import_layer_tar(fixture.work / "missing.tar");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == ErrorKind::NotFound);
  CHECK(count_entries(fixture.layers_dir()) == 0);
  CHECK(count_entries(fixture.tmp_dir()) == 0);
}

TEST_CASE("image store: the built-in image is imported once and found by every short form") {
  Fixture fixture;
  const std::string tar = fixture.work / "busybox-rootfs.tar";
  write_tar(tar, kRootfs);
  auto image = fixture.images->ensure_builtin_image(tar);
  REQUIRE_MESSAGE(image.has_value(), (image ? "" : image.error().message));
  CHECK(image->id == sha256_digest(image->config_json));
  CHECK(image->tags == std::vector<std::string>{"docker.io/library/busybox:latest"});
  REQUIRE(image->layer_chain_ids.size() == 1);

  auto config = nlohmann::json::parse(image->config_json);
  CHECK(config["os"] == "linux");
  CHECK(config["config"]["Cmd"] == nlohmann::json::array({"sh"}));
  CHECK(config["config"]["Env"] ==
        nlohmann::json::array({"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}));
  CHECK(config["rootfs"]["type"] == "layers");
  CHECK(config["rootfs"]["diff_ids"] == nlohmann::json::array({sha256_digest(read_file(tar))}));

  const std::string hex = image->id.substr(7);
  for (const std::string ref : {"busybox", "busybox:latest", "library/busybox", "docker.io/library/busybox",
                                "docker.io/library/busybox:latest", "index.docker.io/library/busybox:latest"}) {
    auto found = fixture.images->resolve(ref);
    CHECK_MESSAGE(found.has_value(), ref);
    if (found) CHECK(found->id == image->id);
  }
  for (const std::string& ref : {image->id, hex, hex.substr(0, 12), "sha256:" + hex.substr(0, 12), hex.substr(0, 1)}) {
    auto found = fixture.images->resolve(ref);
    CHECK_MESSAGE(found.has_value(), ref);
  }
  CHECK(fixture.images->layer_dirs(image.value()) ==
        std::vector<std::string>{fixture.layers_dir() + "/" + image->layer_chain_ids[0].substr(7)});

  // Present already: the tar is not even opened again.
  auto again = fixture.images->ensure_builtin_image(fixture.work / "no-such.tar");
  REQUIRE(again);
  CHECK(again->id == image->id);
  CHECK(fixture.images->list().size() == 1);

  // A fresh ImageStore over the same database finds it from its index.
  ImageStore reopened(*fixture.store, fixture.root.path());
  REQUIRE(reopened.load());
  auto found = reopened.resolve("busybox");
  REQUIRE(found);
  CHECK(found->id == image->id);
}

TEST_CASE("image store: unknown, ambiguous and tag-shadowed references") {
  Fixture fixture;
  const std::string tar = fixture.work / "rootfs.tar";
  write_tar(tar, kRootfs);
  auto layer = fixture.images->import_layer_tar(tar);
  REQUIRE(layer);
  state::ImageRecord first;
  first.id = "sha256:abc1" + std::string(60, '0');
  first.layer_chain_ids = {layer->chain_id};
  first.tags = {"docker.io/library/app:latest"};
  first.created = 10;
  state::ImageRecord second = first;
  second.id = "sha256:abc2" + std::string(60, '0');
  second.tags = {"docker.io/library/abc1:latest"};  // a name that is also a prefix of the first's id
  second.created = 20;
  REQUIRE(fixture.images->put_image(first, {layer.value()}));
  REQUIRE(fixture.images->put_image(second, {layer.value()}));

  auto unknown = fixture.images->resolve("nope");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().kind == ErrorKind::NotFound);
  CHECK(unknown.error().message == "No such image: nope");
  auto malformed = fixture.images->resolve("Not A Reference!");
  REQUIRE_FALSE(malformed);
  CHECK(malformed.error().kind == ErrorKind::NotFound);
  CHECK_FALSE(fixture.images->resolve("sha256:" + std::string(64, 'f')));

  auto ambiguous = fixture.images->resolve("abc");
  REQUIRE_FALSE(ambiguous);
  CHECK(ambiguous.error().kind == ErrorKind::InvalidArgument);

  auto by_tag = fixture.images->resolve("abc1");  // the tag wins over the id prefix
  REQUIRE(by_tag);
  CHECK(by_tag->id == second.id);
  auto by_prefix = fixture.images->resolve("sha256:abc1");  // explicitly an id
  REQUIRE(by_prefix);
  CHECK(by_prefix->id == first.id);

  // Moving a tag shows in the index at once.
  state::ImageRecord retag = second;
  retag.tags = {"docker.io/library/app:latest"};
  REQUIRE(fixture.images->put_image(retag, {}));
  auto moved = fixture.images->resolve("app");
  REQUIRE(moved);
  CHECK(moved->id == second.id);
  auto listed = fixture.images->list();
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].id == second.id);  // newest first
  CHECK(listed[1].tags.empty());
}

}  // namespace
}  // namespace gocker::engine
