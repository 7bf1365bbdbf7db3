#include "state/store.hpp"
#include "state/migrations.hpp"
#include "tests/unit/temp_dir.hpp"

#include <stdlib.h>

#include <SQLiteCpp/Database.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

namespace gocker::state {
namespace {

std::unique_ptr<Store> open_store(const std::string& path) {
  auto store = Store::open(path);
  REQUIRE_MESSAGE(store.has_value(), (store ? "" : store.error().message));
  return std::move(store).value();
}

ContainerRecord sample_container(const std::string& id, const std::string& name) {
  ContainerRecord record;
  record.id = id;
  record.name = name;
  record.image_ref = "busybox";
  record.image_id = "sha256:" + std::string(64, 'b');
  record.created_at = "2024-05-01T12:00:00.123456789Z";
  record.config_json = R"({"Cmd":["sh"]})";
  record.host_config_json = R"({"Memory":67108864})";
  return record;
}

const ContainerRecord* find_container(const std::vector<ContainerRecord>& records, const std::string& id) {
  auto found = std::find_if(records.begin(), records.end(), [&id](const ContainerRecord& r) { return r.id == id; });
  return found == records.end() ? nullptr : &*found;
}

const ImageRecord* find_image(const std::vector<ImageRecord>& images, const std::string& id) {
  auto found = std::find_if(images.begin(), images.end(), [&id](const ImageRecord& r) { return r.id == id; });
  return found == images.end() ? nullptr : &*found;
}

// The newest schema version, whichever migrations other work has added.
static int latest_schema_version() { return gocker::state::schema_migrations().back().version; }

TEST_CASE("store: migrations run on an empty file and the version survives reopening") {
  gocker::testing::TempDir dir{"store"};
  const std::string path = (dir / "state.db");
  std::ofstream(path).close();  // an existing, zero-byte file
  {
    auto store = open_store(path);
    CHECK(store->schema_version() == latest_schema_version());
    REQUIRE(store->insert_container(sample_container(std::string(64, 'a'), "web")));
  }
  {
    SQLite::Database raw(path);
    CHECK(raw.execAndGet("PRAGMA user_version").getInt() == latest_schema_version());
    CHECK(raw.execAndGet("PRAGMA journal_mode").getString() == "wal");
  }
  auto reopened = open_store(path);
  CHECK(reopened->schema_version() == latest_schema_version());
  auto containers = reopened->list_containers();
  REQUIRE(containers);
  REQUIRE(containers->size() == 1);
  CHECK(containers->front().name == "web");
}

TEST_CASE("store: a database from a newer gocker is refused") {
  gocker::testing::TempDir dir{"store"};
  const std::string path = (dir / "state.db");
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("PRAGMA user_version = 99");
  }
  auto store = Store::open(path);
  REQUIRE_FALSE(store);
  CHECK(store.error().message.find("newer") != std::string::npos);
}

TEST_CASE("store: a path in a missing directory is an error, not an exception") {
  auto store = Store::open("/nonexistent-gocker-dir/state.db");
  REQUIRE_FALSE(store);
  CHECK(store.error().message.find("/nonexistent-gocker-dir/state.db") != std::string::npos);
}

TEST_CASE("store: every container field round-trips") {
  gocker::testing::TempDir dir{"store"};
  auto store = open_store((dir / "state.db"));
  ContainerRecord record = sample_container(std::string(64, 'c'), "roundtrip");
  record.status = "running";
  record.pid = 4242;
  record.pid_start_time = 0xFFFF'FFFF'FFFF'FFF0ULL;  // above INT64_MAX: must survive the signed column
  record.monitor_pid = 4241;
  record.monitor_start_time = 987654321;
  record.exit_code = 137;
  record.oom_killed = true;
  record.error = "some \"quoted\" error\nwith a newline";
  record.started_at = "2024-05-01T12:00:01.000000001Z";
  record.finished_at = "2024-05-01T12:00:02.5Z";
  record.cgroup_paths = {"/sys/fs/cgroup/memory/gocker/ccc", "/sys/fs/cgroup/cpu,cpuacct/gocker/ccc"};
  record.restart_count = 3;
  record.manually_stopped = true;
  REQUIRE(store->insert_container(record));

  auto containers = store->list_containers();
  REQUIRE(containers);
  REQUIRE(containers->size() == 1);
  const ContainerRecord& read = containers->front();
  CHECK(read.id == record.id);
  CHECK(read.name == record.name);
  CHECK(read.image_ref == record.image_ref);
  CHECK(read.image_id == record.image_id);
  CHECK(read.created_at == record.created_at);
  CHECK(read.config_json == record.config_json);
  CHECK(read.host_config_json == record.host_config_json);
  CHECK(read.status == record.status);
  CHECK(read.pid == record.pid);
  CHECK(read.pid_start_time == record.pid_start_time);
  CHECK(read.monitor_pid == record.monitor_pid);
  CHECK(read.monitor_start_time == record.monitor_start_time);
  CHECK(read.exit_code == record.exit_code);
  CHECK(read.oom_killed == record.oom_killed);
  CHECK(read.error == record.error);
  CHECK(read.started_at == record.started_at);
  CHECK(read.finished_at == record.finished_at);
  CHECK(read.cgroup_paths == record.cgroup_paths);
  CHECK(read.restart_count == record.restart_count);
  CHECK(read.manually_stopped == record.manually_stopped);
}

TEST_CASE("store: a duplicate name or id is a Conflict naming the holder") {
  gocker::testing::TempDir dir{"store"};
  auto store = open_store((dir / "state.db"));
  const std::string first_id(64, '1');
  REQUIRE(store->insert_container(sample_container(first_id, "web")));

  auto same_name = store->insert_container(sample_container(std::string(64, '2'), "web"));
  REQUIRE_FALSE(same_name);
  CHECK(same_name.error().kind == ErrorKind::Conflict);
  CHECK(same_name.error().message.find("container name \"/web\" is already in use by container \"" + first_id + "\"") !=
        std::string::npos);

  auto same_id = store->insert_container(sample_container(first_id, "other"));
  REQUIRE_FALSE(same_id);
  CHECK(same_id.error().kind == ErrorKind::Conflict);

  auto containers = store->list_containers();
  REQUIRE(containers);
  CHECK(containers->size() == 1);
}

TEST_CASE("store: update_container_state writes the runtime fields only") {
  gocker::testing::TempDir dir{"store"};
  auto store = open_store((dir / "state.db"));
  const std::string id(64, 'd');
  REQUIRE(store->insert_container(sample_container(id, "updated")));

  ContainerRecord change = sample_container(id, "ignored-name");
  change.config_json = "{}";
  change.status = "exited";
  change.pid = 0;
  change.exit_code = 3;
  change.finished_at = "2024-05-01T13:00:00Z";
  change.cgroup_paths = {"/sys/fs/cgroup/pids/gocker/d"};
  change.restart_count = 1;
  change.manually_stopped = true;
  REQUIRE(store->update_container_state(change));

  auto containers = store->list_containers();
  REQUIRE(containers);
  const ContainerRecord* read = find_container(*containers, id);
  REQUIRE(read != nullptr);
  CHECK(read->status == "exited");
  CHECK(read->exit_code == 3);
  CHECK(read->finished_at == "2024-05-01T13:00:00Z");
  CHECK(read->cgroup_paths == std::vector<std::string>{"/sys/fs/cgroup/pids/gocker/d"});
  CHECK(read->restart_count == 1);
  CHECK(read->manually_stopped);
  CHECK(read->name == "updated");               // not a state field
  CHECK(read->config_json == R"({"Cmd":["sh"]})");  // not a state field

  auto missing = store->update_container_state(sample_container(std::string(64, 'e'), "missing"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == ErrorKind::NotFound);
}

TEST_CASE("store: rename_container moves the name, refuses a taken one, frees the old one") {
  gocker::testing::TempDir dir{"store"};
  auto store = open_store((dir / "state.db"));
  const std::string first(64, '1'), second(64, '2');
  REQUIRE(store->insert_container(sample_container(first, "old")));
  REQUIRE(store->insert_container(sample_container(second, "taken")));

  auto conflict = store->rename_container(first, "taken");
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error().kind == ErrorKind::Conflict);
  CHECK(conflict.error().message.find("\"/taken\" is already in use by container \"" + second + "\"") != std::string::npos);

  REQUIRE(store->rename_container(first, "new"));
  auto containers = store->list_containers();
  REQUIRE(containers);
  REQUIRE(find_container(*containers, first) != nullptr);
  CHECK(find_container(*containers, first)->name == "new");
  CHECK(find_container(*containers, second)->name == "taken");
  // The old name is free again.
  REQUIRE(store->insert_container(sample_container(std::string(64, '3'), "old")));

  auto missing = store->rename_container(std::string(64, '9'), "nobody");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == ErrorKind::NotFound);
}

TEST_CASE("store: a version 1 database gains manually_stopped, existing rows read false") {
  gocker::testing::TempDir dir{"store"};
  const std::string path = (dir / "state.db");
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec(gocker::state::schema_migrations()[0].sql);
    raw.exec("PRAGMA user_version = 1");
    raw.exec("INSERT INTO containers (id, name, image_ref, image_id, created_at, config_json, host_config_json, status) "
             "VALUES ('" + std::string(64, 'a') + "', 'legacy', 'busybox', 'sha256:x', '2024-05-01T12:00:00Z', '{}', '{}', 'exited')");
  }
  auto store = open_store(path);
  CHECK(store->schema_version() == latest_schema_version());
  auto containers = store->list_containers();
  REQUIRE(containers);
  REQUIRE(containers->size() == 1);
  CHECK(containers->front().name == "legacy");
  CHECK_FALSE(containers->front().manually_stopped);
}

TEST_CASE("store: delete_container removes the row and frees the name") {
  gocker::testing::TempDir dir{"store"};
  auto store = open_store((dir / "state.db"));
  const std::string id(64, 'f');
  REQUIRE(store->insert_container(sample_container(id, "gone")));
  REQUIRE(store->delete_container(id));
  auto containers = store->list_containers();
  REQUIRE(containers);
  CHECK(containers->empty());

  auto again = store->delete_container(id);
  REQUIRE_FALSE(again);
  CHECK(again.error().kind == ErrorKind::NotFound);

  CHECK(store->insert_container(sample_container(std::string(64, '9'), "gone")));
}

TEST_CASE("store: release_cache_memory gives back the page cache; the data reads as before") {
  gocker::testing::TempDir dir{"store"};
  auto store = open_store((dir / "state.db"));
  for (int i = 0; i < 200; ++i) {
    std::string number = std::to_string(1000 + i);
    ContainerRecord record = sample_container(std::string(60, 'a') + number, "c" + number);
    record.config_json = "{\"Pad\":\"" + std::string(2000, 'p') + "\"}";
    REQUIRE(store->insert_container(record));
  }
  REQUIRE(store->list_containers()->size() == 200);
  const size_t cached = store->cache_memory_bytes();
  CHECK(cached > 256 * 1024);  // 200 rows of 2 kB went through the cache

  store->release_cache_memory();
  const size_t released = store->cache_memory_bytes();
  INFO("page cache " << cached << " bytes before, " << released << " after");
  CHECK(released < cached / 4);
  auto containers = store->list_containers();
  REQUIRE(containers);
  CHECK(containers->size() == 200);
  CHECK(find_container(*containers, containers->front().id)->config_json.size() > 2000);
}

TEST_CASE("store: 50 threads inserting at once all succeed") {
  gocker::testing::TempDir dir{"store"};
  auto store = open_store((dir / "state.db"));
  constexpr int kThreads = 50;
  std::vector<Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&store, &results, i] {
      char id[65];
      std::snprintf(id, sizeof id, "%064x", i);
      results[i] = store->insert_container(sample_container(id, "c" + std::to_string(i)));
    });
  }
  for (auto& thread : threads) thread.join();
  for (int i = 0; i < kThreads; ++i) {
    CHECK_MESSAGE(results[i].has_value(), (results[i] ? "" : results[i].error().message));
  }
  auto containers = store->list_containers();
  REQUIRE(containers);
  CHECK(containers->size() == kThreads);
}

TEST_CASE("store: two connections writing the same file queue instead of failing busy") {
  // What a second process (or an sqlite3 shell) sees: BEGIN IMMEDIATE plus the busy timeout.
  gocker::testing::TempDir dir{"store"};
  auto first = open_store((dir / "state.db"));
  auto second = open_store((dir / "state.db"));
  constexpr int kPerStore = 25;
  std::vector<Status> results(2 * kPerStore);
  auto insert_many = [&results](Store* store, int offset) {
    for (int i = 0; i < kPerStore; ++i) {
      char id[65];
      std::snprintf(id, sizeof id, "%064x", offset + i);
      state::ImageRecord image;
      image.id = std::string("sha256:") + id;
      image.tags = {"docker.io/library/t" + std::to_string(offset + i) + ":latest"};
      results[offset + i] = store->put_image(image, {});
    }
  };
  std::thread a(insert_many, first.get(), 0);
  std::thread b(insert_many, second.get(), kPerStore);
  a.join();
  b.join();
  for (auto& result : results) CHECK_MESSAGE(result.has_value(), (result ? "" : result.error().message));
  auto images = first->list_images();
  REQUIRE(images);
  CHECK(images->size() == 2 * kPerStore);
}

TEST_CASE("store: put_image shares layers and moves tags") {
  gocker::testing::TempDir dir{"store"};
  auto store = open_store((dir / "state.db"));
  const LayerRecord base{"sha256:" + std::string(64, '1'), "sha256:" + std::string(64, '1'), "", 100, "/l/1"};
  const LayerRecord top{"sha256:" + std::string(64, '2'), "sha256:" + std::string(64, '3'), base.chain_id, 20, "/l/2"};

  ImageRecord first;
  first.id = "sha256:" + std::string(64, 'a');
  first.config_json = R"({"a":1})";
  first.layer_chain_ids = {base.chain_id};
  first.tags = {"docker.io/library/app:latest", "docker.io/library/app:1"};
  first.created = 1000;
  first.size = 100;
  REQUIRE(store->put_image(first, {base}));

  ImageRecord second;
  second.id = "sha256:" + std::string(64, 'b');
  second.config_json = R"({"b":2})";
  second.layer_chain_ids = {base.chain_id, top.chain_id};
  second.tags = {"docker.io/library/app:latest"};
  second.created = 2000;
  second.size = 120;
  // The top layer is listed before its parent: the parent reference is checked at commit.
  REQUIRE(store->put_image(second, {top, base}));
  // Putting the same image again is a no-op.
  REQUIRE(store->put_image(second, {top, base}));

  auto layers = store->list_layers();
  REQUIRE(layers);
  REQUIRE(layers->size() == 2);
  auto top_read = std::find_if(layers->begin(), layers->end(), [&top](const LayerRecord& l) { return l.chain_id == top.chain_id; });
  REQUIRE(top_read != layers->end());
  CHECK(top_read->diff_id == top.diff_id);
  CHECK(top_read->parent_chain_id == base.chain_id);
  CHECK(top_read->size == 20);
  CHECK(top_read->path == "/l/2");

  auto images = store->list_images();
  REQUIRE(images);
  REQUIRE(images->size() == 2);
  CHECK(images->front().id == second.id);  // newest first
  const ImageRecord* first_read = find_image(*images, first.id);
  const ImageRecord* second_read = find_image(*images, second.id);
  REQUIRE(first_read != nullptr);
  REQUIRE(second_read != nullptr);
  CHECK(first_read->tags == std::vector<std::string>{"docker.io/library/app:1"});
  CHECK(second_read->tags == std::vector<std::string>{"docker.io/library/app:latest"});
  CHECK(second_read->layer_chain_ids == second.layer_chain_ids);
  CHECK(second_read->config_json == second.config_json);
  CHECK(second_read->created == 2000);
  CHECK(second_read->size == 120);
}

TEST_CASE("store: an image naming an unknown layer is refused and leaves nothing behind") {
  gocker::testing::TempDir dir{"store"};
  auto store = open_store((dir / "state.db"));
  ImageRecord image;
  image.id = "sha256:" + std::string(64, 'c');
  image.layer_chain_ids = {"sha256:" + std::string(64, '7')};
  image.tags = {"docker.io/library/broken:latest"};
  auto result = store->put_image(image, {});
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == ErrorKind::Conflict);
  auto images = store->list_images();
  REQUIRE(images);
  CHECK(images->empty());
}

}  // namespace
}  // namespace gocker::state
