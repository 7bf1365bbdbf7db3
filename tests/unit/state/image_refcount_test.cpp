// Layer reference counting in the store: removing an image frees exactly the layers no other image
// (and no layer above) still uses.
#include <stdlib.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "state/store.hpp"

namespace gocker::state {
namespace {

namespace fs = std::filesystem;

struct TempDatabase {
  TempDatabase() {
    std::string pattern = (fs::temp_directory_path() / "gocker-refcount-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
    auto opened = Store::open((dir / "state.db").string());
    REQUIRE(opened);
    store = std::move(opened).value();
  }
  ~TempDatabase() { fs::remove_all(dir); }
  fs::path dir;
  std::unique_ptr<Store> store;
};

LayerRecord layer(const std::string& chain_id, const std::string& parent = "") {
  return LayerRecord{chain_id, "diff-" + chain_id, parent, 1, "/layers/" + chain_id};
}

ImageRecord image(const std::string& id, std::vector<std::string> chain, std::vector<std::string> tags) {
  ImageRecord record;
  record.id = id;
  record.config_json = "{}";
  record.layer_chain_ids = std::move(chain);
  record.tags = std::move(tags);
  return record;
}

std::vector<std::string> chain_ids(const std::vector<LayerRecord>& layers) {
  std::vector<std::string> ids;
  for (const auto& l : layers) ids.push_back(l.chain_id);
  return ids;
}

}  // namespace

TEST_CASE("store: deleting an image frees only the layers nothing else uses") {
  TempDatabase db;
  Store& store = *db.store;
  // base <- mid <- top1 (image one), base <- mid <- top2 (image two), base (image base)
  REQUIRE(store.put_image(image("sha256:base", {"b"}, {"r/base:1"}), {layer("b")}));
  REQUIRE(store.put_image(image("sha256:one", {"b", "m", "t1"}, {"r/one:1"}), {layer("b"), layer("m", "b"), layer("t1", "m")}));
  REQUIRE(store.put_image(image("sha256:two", {"b", "m", "t2"}, {"r/two:1"}), {layer("m", "b"), layer("t2", "m")}));

  auto freed_one = store.delete_image("sha256:one");
  REQUIRE(freed_one);
  CHECK(chain_ids(*freed_one) == std::vector<std::string>{"t1"});  // m is under t2, b under everything
  CHECK(freed_one->front().path == "/layers/t1");

  auto freed_two = store.delete_image("sha256:two");
  REQUIRE(freed_two);
  CHECK(chain_ids(*freed_two) == std::vector<std::string>{"t2", "m"});  // b is image base's

  auto freed_base = store.delete_image("sha256:base");
  REQUIRE(freed_base);
  CHECK(chain_ids(*freed_base) == std::vector<std::string>{"b"});

  auto layers = store.list_layers();
  REQUIRE(layers);
  CHECK(layers->empty());
  auto images = store.list_images();
  REQUIRE(images);
  CHECK(images->empty());

  auto missing = store.delete_image("sha256:one");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == ErrorKind::NotFound);
}

TEST_CASE("store: tags move between images, untag removes one, delete takes the image's tags") {
  TempDatabase db;
  Store& store = *db.store;
  REQUIRE(store.put_image(image("sha256:a", {"x"}, {"r/a:1"}), {layer("x")}));
  REQUIRE(store.put_image(image("sha256:b", {"x"}, {}), {}));
  REQUIRE(store.tag_image("r/a:2", "sha256:a"));
  REQUIRE(store.tag_image("r/a:1", "sha256:b"));  // moves
  auto tag_missing = store.tag_image("r/zz:1", "sha256:nope");
  REQUIRE_FALSE(tag_missing);
  CHECK(tag_missing.error().kind == ErrorKind::NotFound);

  auto images = store.list_images();
  REQUIRE(images);
  auto find = [&](const std::string& id) {
    return *std::find_if(images->begin(), images->end(), [&](const ImageRecord& i) { return i.id == id; });
  };
  CHECK(find("sha256:a").tags == std::vector<std::string>{"r/a:2"});
  CHECK(find("sha256:b").tags == std::vector<std::string>{"r/a:1"});

  REQUIRE(store.untag_image("r/a:2"));
  CHECK(store.untag_image("r/a:2").error().kind == ErrorKind::NotFound);

  // Both images share layer x: deleting one keeps it.
  auto freed = store.delete_image("sha256:b");
  REQUIRE(freed);
  CHECK(freed->empty());
  images = store.list_images();
  REQUIRE(images);
  REQUIRE(images->size() == 1);
  CHECK(images->front().tags.empty());
  auto freed_last = store.delete_image("sha256:a");
  REQUIRE(freed_last);
  CHECK(chain_ids(*freed_last) == std::vector<std::string>{"x"});
}

}  // namespace gocker::state
