// The SQLite implementation of state::Store.
//
// One connection per Store, shared by the daemon's threads and serialized by a mutex: SQLite allows
// one writer at a time anyway, and a single connection lets us keep prepared statements. Across
// processes (a second gockerd, the sqlite3 shell) WAL plus BEGIN IMMEDIATE plus a busy timeout make
// writers queue on the lock instead of failing half-way with SQLITE_BUSY.
//
// SQLiteCpp reports errors by throwing; every public method catches at its edge and returns an
// Error, so no exception leaves this file.
#include "state/store.hpp"

#include <sqlite3.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "base/strings.hpp"
#include "state/migrations.hpp"

namespace gocker::state {
namespace {

// How long a writer waits for another process's write lock before giving up.
constexpr int kBusyTimeoutMs = 10'000;

Error sqlite_error(const std::string& what, const SQLite::Exception& e) {
  switch (e.getErrorCode()) {
    case SQLITE_CONSTRAINT:
      return Error::conflict(what + ": " + e.what());
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error::unavailable(what + ": database is locked: " + e.what());
    default:
      return Error::internal(what + ": " + e.what());
  }
}

// Wraps a body that may throw (SQLiteCpp, nlohmann::json, std::bad_alloc) and converts what it
// throws into an Error that names the operation.
template <typename Body>
auto guarded(const std::string& what, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const SQLite::Exception& e) {
    return sqlite_error(what, e);
  } catch (const std::exception& e) {
    return Error::internal(what + ": " + e.what());
  }
}

std::string cgroup_paths_to_json(const std::vector<std::string>& paths) { return nlohmann::json(paths).dump(); }

Result<std::vector<std::string>> cgroup_paths_from_json(const std::string& text) {
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_array()) return Error::internal("corrupt cgroup_paths column: " + gocker::quoted(text));
  std::vector<std::string> paths;
  for (const auto& item : parsed) {
    if (!item.is_string()) return Error::internal("corrupt cgroup_paths column: " + gocker::quoted(text));
    paths.push_back(item.get<std::string>());
  }
  return paths;
}

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<SQLite::Database> database, int schema_version)
      : database_(std::move(database)), schema_version_(schema_version) {}

  int schema_version() const override { return schema_version_; }

  void release_cache_memory() override {
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (lock.owns_lock()) ::sqlite3_db_release_memory(database_->getHandle());
  }

  size_t cache_memory_bytes() const override {
    std::lock_guard lock(mutex_);
    int used = 0;
    int highest = 0;
    ::sqlite3_db_status(database_->getHandle(), SQLITE_DBSTATUS_CACHE_USED, &used, &highest, 0);
    return static_cast<size_t>(used);
  }

  Status insert_container(const ContainerRecord& record) override {
    std::lock_guard lock(mutex_);
    try {
      auto statement = lease(R"sql(
        INSERT INTO containers (id, name, image_ref, image_id, created_at, config_json, host_config_json,
          status, pid, pid_start_time, monitor_pid, monitor_start_time, exit_code, oom_killed, error,
          started_at, finished_at, cgroup_paths, restart_count, manually_stopped, runtime)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?))sql");
      SQLite::Statement& insert = statement.get();
      insert.bind(1, record.id);
      insert.bind(2, record.name);
      insert.bind(3, record.image_ref);
      insert.bind(4, record.image_id);
      insert.bind(5, record.created_at);
      insert.bind(6, record.config_json);
      insert.bind(7, record.host_config_json);
      bind_state(insert, 8, record);
      insert.bind(8 + kStateFields, record.runtime);
      // The container and its endpoints (addresses) commit together or not at all.
      SQLite::Transaction transaction(*database_, SQLite::TransactionBehavior::IMMEDIATE);
      insert.exec();
      for (const auto& endpoint : record.endpoints) exec_insert_endpoint(endpoint);
      transaction.commit();
      return ok();
    } catch (const SQLite::Exception& e) {
      if (std::string_view(e.what()).find("endpoints.") != std::string_view::npos)
        return Error::conflict("insert container " + gocker::quoted(record.name) + ": address already in use: " + e.what());
      if (e.getErrorCode() == SQLITE_CONSTRAINT) return container_conflict(record, e);
      return sqlite_error("insert container " + gocker::quoted(record.name), e);
    } catch (const std::exception& e) {
      return Error::internal("insert container " + gocker::quoted(record.name) + ": " + e.what());
    }
  }

  Status update_container_state(const ContainerRecord& record) override {
    std::lock_guard lock(mutex_);
    return guarded("update container " + gocker::quoted(record.id), [&]() -> Status {
      auto statement = lease(R"sql(
        UPDATE containers SET status = ?, pid = ?, pid_start_time = ?, monitor_pid = ?,
          monitor_start_time = ?, exit_code = ?, oom_killed = ?, error = ?, started_at = ?,
          finished_at = ?, cgroup_paths = ?, restart_count = ?, manually_stopped = ?
        WHERE id = ?)sql");
      SQLite::Statement& update = statement.get();
      bind_state(update, 1, record);
      update.bind(kStateFields + 1, record.id);
      if (update.exec() == 0) return Error::not_found("no such container: " + record.id);
      return ok();
    });
  }

  Status update_container_host_config(const std::string& id, const std::string& host_config_json) override {
    std::lock_guard lock(mutex_);
    return guarded("update host config of container " + gocker::quoted(id), [&]() -> Status {
      auto statement = lease("UPDATE containers SET host_config_json = ? WHERE id = ?");
      statement.get().bind(1, host_config_json);
      statement.get().bind(2, id);
      if (statement.get().exec() == 0) return Error::not_found("no such container: " + id);
      return ok();
    });
  }

  Status delete_container(const std::string& id) override {
    std::lock_guard lock(mutex_);
    return guarded("delete container " + gocker::quoted(id), [&]() -> Status {
      auto statement = lease("DELETE FROM containers WHERE id = ?");
      statement.get().bind(1, id);
      if (statement.get().exec() == 0) return Error::not_found("no such container: " + id);
      return ok();
    });
  }

  Status rename_container(const std::string& id, const std::string& new_name) override {
    std::lock_guard lock(mutex_);
    try {
      auto statement = lease("UPDATE containers SET name = ? WHERE id = ?");
      statement.get().bind(1, new_name);
      statement.get().bind(2, id);
      if (statement.get().exec() == 0) return Error::not_found("no such container: " + id);
      return ok();
    } catch (const SQLite::Exception& e) {
      ContainerRecord wanted;
      wanted.id = id;
      wanted.name = new_name;
      // The UNIQUE index on name refuses a taken name; report it as a create would.
      if (e.getErrorCode() == SQLITE_CONSTRAINT) return container_conflict(wanted, e);
      return sqlite_error("rename container " + gocker::quoted(id) + " to " + gocker::quoted(new_name), e);
    }
  }

  Result<std::vector<ContainerRecord>> list_containers() const override {
    std::lock_guard lock(mutex_);
    return guarded("list containers", [&]() -> Result<std::vector<ContainerRecord>> {
      auto statement = lease(R"sql(
        SELECT id, name, image_ref, image_id, created_at, config_json, host_config_json, status, pid,
          pid_start_time, monitor_pid, monitor_start_time, exit_code, oom_killed, error, started_at,
          finished_at, cgroup_paths, restart_count, manually_stopped, runtime
        FROM containers ORDER BY rowid)sql");
      SQLite::Statement& select = statement.get();
      std::vector<ContainerRecord> records;
      while (select.executeStep()) {
        ContainerRecord record;
        record.id = select.getColumn(0).getString();
        record.name = select.getColumn(1).getString();
        record.image_ref = select.getColumn(2).getString();
        record.image_id = select.getColumn(3).getString();
        record.created_at = select.getColumn(4).getString();
        record.config_json = select.getColumn(5).getString();
        record.host_config_json = select.getColumn(6).getString();
        record.status = select.getColumn(7).getString();
        record.pid = select.getColumn(8).getInt64();
        record.pid_start_time = static_cast<uint64_t>(select.getColumn(9).getInt64());
        record.monitor_pid = select.getColumn(10).getInt64();
        record.monitor_start_time = static_cast<uint64_t>(select.getColumn(11).getInt64());
        record.exit_code = select.getColumn(12).getInt();
        record.oom_killed = select.getColumn(13).getInt() != 0;
        record.error = select.getColumn(14).getString();
        record.started_at = select.getColumn(15).getString();
        record.finished_at = select.getColumn(16).getString();
        auto cgroup_paths = cgroup_paths_from_json(select.getColumn(17).getString());
        if (!cgroup_paths) return std::move(cgroup_paths).error().context("container " + gocker::quoted(record.id));
        record.cgroup_paths = std::move(cgroup_paths.value());
        record.restart_count = select.getColumn(18).getInt();
        record.manually_stopped = select.getColumn(19).getInt() != 0;
        record.runtime = select.getColumn(20).getString();
        records.push_back(std::move(record));
      }
      return records;
    });
  }

  Status put_image(const ImageRecord& image, const std::vector<LayerRecord>& layers) override {
    std::lock_guard lock(mutex_);
    return guarded("put image " + gocker::quoted(image.id), [&]() -> Status {
      SQLite::Transaction transaction(*database_, SQLite::TransactionBehavior::IMMEDIATE);
      {
        // Layers are content addressed: an existing row for the chain id is the same layer.
        auto statement = lease(R"sql(
          INSERT INTO layers (chain_id, diff_id, parent_chain_id, size, path) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (chain_id) DO NOTHING)sql");
        SQLite::Statement& insert = statement.get();
        for (const LayerRecord& layer : layers) {
          insert.bind(1, layer.chain_id);
          insert.bind(2, layer.diff_id);
          if (layer.parent_chain_id.empty()) {
            insert.bind(3);  // NULL: a base layer
          } else {
            insert.bind(3, layer.parent_chain_id);
          }
          insert.bind(4, static_cast<int64_t>(layer.size));
          insert.bind(5, layer.path);
          insert.exec();
          insert.reset();
        }
      }
      bool image_is_new = false;
      {
        // The id is the digest of the config, so an existing row is the same image.
        auto statement = lease(R"sql(
          INSERT INTO images (id, config_json, created, size) VALUES (?, ?, ?, ?)
          ON CONFLICT (id) DO NOTHING)sql");
        SQLite::Statement& insert = statement.get();
        insert.bind(1, image.id);
        insert.bind(2, image.config_json);
        insert.bind(3, static_cast<int64_t>(image.created));
        insert.bind(4, static_cast<int64_t>(image.size));
        image_is_new = insert.exec() > 0;
      }
      if (image_is_new) {
        auto statement = lease("INSERT INTO image_layers (image_id, position, chain_id) VALUES (?, ?, ?)");
        SQLite::Statement& insert = statement.get();
        for (size_t position = 0; position < image.layer_chain_ids.size(); ++position) {
          insert.bind(1, image.id);
          insert.bind(2, static_cast<int64_t>(position));
          insert.bind(3, image.layer_chain_ids[position]);
          insert.exec();
          insert.reset();
        }
      }
      {
        // A tag names one image: pointing it here moves it away from any other image.
        auto statement = lease(R"sql(
          INSERT INTO image_tags (reference, image_id) VALUES (?, ?)
          ON CONFLICT (reference) DO UPDATE SET image_id = excluded.image_id)sql");
        SQLite::Statement& upsert = statement.get();
        for (const std::string& tag : image.tags) {
          upsert.bind(1, tag);
          upsert.bind(2, image.id);
          upsert.exec();
          upsert.reset();
        }
      }
      transaction.commit();
      return ok();
    });
  }

  Result<std::vector<ImageRecord>> list_images() const override {
    std::lock_guard lock(mutex_);
    return guarded("list images", [&]() -> Result<std::vector<ImageRecord>> {
      // One read transaction, so the three queries see the same snapshot.
      SQLite::Transaction transaction(*database_, SQLite::TransactionBehavior::DEFERRED);
      std::vector<ImageRecord> images;
      std::unordered_map<std::string, size_t> index_by_id;
      {
        auto statement = lease("SELECT id, config_json, created, size FROM images ORDER BY created DESC, id");
        SQLite::Statement& select = statement.get();
        while (select.executeStep()) {
          ImageRecord image;
          image.id = select.getColumn(0).getString();
          image.config_json = select.getColumn(1).getString();
          image.created = select.getColumn(2).getInt64();
          image.size = select.getColumn(3).getInt64();
          index_by_id.emplace(image.id, images.size());
          images.push_back(std::move(image));
        }
      }
      {
        auto statement = lease("SELECT image_id, chain_id FROM image_layers ORDER BY image_id, position");
        SQLite::Statement& select = statement.get();
        while (select.executeStep()) {
          auto found = index_by_id.find(select.getColumn(0).getString());
          if (found != index_by_id.end()) images[found->second].layer_chain_ids.push_back(select.getColumn(1).getString());
        }
      }
      {
        auto statement = lease("SELECT reference, image_id FROM image_tags ORDER BY reference");
        SQLite::Statement& select = statement.get();
        while (select.executeStep()) {
          auto found = index_by_id.find(select.getColumn(1).getString());
          if (found != index_by_id.end()) images[found->second].tags.push_back(select.getColumn(0).getString());
        }
      }
      transaction.commit();
      return images;
    });
  }

  // ---- images (issue 5): tags and removal ----
  Status tag_image(const std::string& reference, const std::string& image_id) override {
    std::lock_guard lock(mutex_);
    return guarded("tag image " + gocker::quoted(image_id) + " as " + gocker::quoted(reference), [&]() -> Status {
      SQLite::Transaction transaction(*database_, SQLite::TransactionBehavior::IMMEDIATE);
      {
        auto statement = lease("SELECT 1 FROM images WHERE id = ?");
        statement.get().bind(1, image_id);
        if (!statement.get().executeStep()) return Error::not_found("No such image: " + image_id);
      }
      auto statement = lease(R"sql(
        INSERT INTO image_tags (reference, image_id) VALUES (?, ?)
        ON CONFLICT (reference) DO UPDATE SET image_id = excluded.image_id)sql");
      statement.get().bind(1, reference);
      statement.get().bind(2, image_id);
      statement.get().exec();
      transaction.commit();
      return ok();
    });
  }

  Status untag_image(const std::string& reference) override {
    std::lock_guard lock(mutex_);
    return guarded("untag " + gocker::quoted(reference), [&]() -> Status {
      auto statement = lease("DELETE FROM image_tags WHERE reference = ?");
      statement.get().bind(1, reference);
      if (statement.get().exec() == 0) return Error::not_found("No such image: " + reference);
      return ok();
    });
  }

  Result<std::vector<LayerRecord>> delete_image(const std::string& image_id) override {
    std::lock_guard lock(mutex_);
    return guarded("delete image " + gocker::quoted(image_id), [&]() -> Result<std::vector<LayerRecord>> {
      SQLite::Transaction transaction(*database_, SQLite::TransactionBehavior::IMMEDIATE);
      std::vector<std::string> chain_ids;  // bottom first
      {
        auto statement = lease("SELECT chain_id FROM image_layers WHERE image_id = ? ORDER BY position");
        statement.get().bind(1, image_id);
        while (statement.get().executeStep()) chain_ids.push_back(statement.get().getColumn(0).getString());
      }
      {
        // image_layers and image_tags rows go with it (ON DELETE CASCADE).
        auto statement = lease("DELETE FROM images WHERE id = ?");
        statement.get().bind(1, image_id);
        if (statement.get().exec() == 0) return Error::not_found("No such image: " + image_id);
      }
      // Top down: a layer is free once no image lists it and no layer above it is left.
      std::vector<LayerRecord> deleted;
      for (auto chain_id = chain_ids.rbegin(); chain_id != chain_ids.rend(); ++chain_id) {
        auto used = lease(R"sql(
          SELECT EXISTS (SELECT 1 FROM image_layers WHERE chain_id = ?1)
              OR EXISTS (SELECT 1 FROM layers WHERE parent_chain_id = ?1))sql");
        used.get().bind(1, *chain_id);
        if (!used.get().executeStep() || used.get().getColumn(0).getInt() != 0) break;
        auto select = lease("SELECT chain_id, diff_id, parent_chain_id, size, path FROM layers WHERE chain_id = ?");
        select.get().bind(1, *chain_id);
        if (!select.get().executeStep()) break;
        LayerRecord layer;
        layer.chain_id = select.get().getColumn(0).getString();
        layer.diff_id = select.get().getColumn(1).getString();
        layer.parent_chain_id = select.get().getColumn(2).getString();
        layer.size = select.get().getColumn(3).getInt64();
        layer.path = select.get().getColumn(4).getString();
        auto remove = lease("DELETE FROM layers WHERE chain_id = ?");
        remove.get().bind(1, *chain_id);
        remove.get().exec();
        deleted.push_back(std::move(layer));
      }
      transaction.commit();
      return deleted;
    });
  }
  // ---- end images (issue 5) ----

  // ---- volumes ----
  Result<bool> insert_volume(const VolumeRecord& volume) override {
    std::lock_guard lock(mutex_);
    return guarded("create volume " + gocker::quoted(volume.name), [&]() -> Result<bool> { return put_volume(volume); });
  }

  Result<VolumeRecord> find_volume(const std::string& name) const override {
    std::lock_guard lock(mutex_);
    return guarded("get volume " + gocker::quoted(name), [&]() -> Result<VolumeRecord> {
      auto statement = lease(R"sql(
        SELECT name, driver, created_at, labels_json, options_json, anonymous,
          (SELECT COUNT(DISTINCT container_id) FROM container_mounts WHERE volume_name = volumes.name)
        FROM volumes WHERE name = ?)sql");
      statement.get().bind(1, name);
      if (!statement.get().executeStep()) return Error::not_found("get " + name + ": no such volume");
      return read_volume(statement.get());
    });
  }

  Result<std::vector<VolumeRecord>> list_volumes() const override {
    std::lock_guard lock(mutex_);
    return guarded("list volumes", [&]() -> Result<std::vector<VolumeRecord>> {
      auto statement = lease(R"sql(
        SELECT name, driver, created_at, labels_json, options_json, anonymous,
          (SELECT COUNT(DISTINCT container_id) FROM container_mounts WHERE volume_name = volumes.name)
        FROM volumes ORDER BY name)sql");
      std::vector<VolumeRecord> volumes;
      while (statement.get().executeStep()) volumes.push_back(read_volume(statement.get()));
      return volumes;
    });
  }

  Status delete_volume(const std::string& name) override {
    std::lock_guard lock(mutex_);
    try {
      auto statement = lease("DELETE FROM volumes WHERE name = ?");
      statement.get().bind(1, name);
      if (statement.get().exec() == 0) return Error::not_found("get " + name + ": no such volume");
      return ok();
    } catch (const SQLite::Exception& e) {
      if (e.getErrorCode() != SQLITE_CONSTRAINT) return sqlite_error("remove volume " + gocker::quoted(name), e);
    } catch (const std::exception& e) {
      return Error::internal("remove volume " + gocker::quoted(name) + ": " + e.what());
    }
    // The foreign key from container_mounts refused: Docker's message names the users.
    std::string users;
    try {
      auto statement = lease("SELECT DISTINCT container_id FROM container_mounts WHERE volume_name = ? ORDER BY container_id");
      statement.get().bind(1, name);
      while (statement.get().executeStep()) users += (users.empty() ? "" : ", ") + statement.get().getColumn(0).getString();
    } catch (const SQLite::Exception&) {
      // The conflict is the error to report; the users only decorate it.
    }
    return Error::conflict("remove " + name + ": volume is in use - [" + users + "]");
  }

  Result<std::vector<std::string>> volume_users(const std::string& name) const override {
    std::lock_guard lock(mutex_);
    return guarded("users of volume " + gocker::quoted(name), [&]() -> Result<std::vector<std::string>> {
      auto statement = lease("SELECT DISTINCT container_id FROM container_mounts WHERE volume_name = ? ORDER BY container_id");
      statement.get().bind(1, name);
      std::vector<std::string> users;
      while (statement.get().executeStep()) users.push_back(statement.get().getColumn(0).getString());
      return users;
    });
  }

  Result<std::vector<std::string>> insert_container_mounts(const std::string& container_id,
                                                           const std::vector<MountRecord>& mounts,
                                                           const std::vector<VolumeRecord>& volumes) override {
    std::lock_guard lock(mutex_);
    return guarded("record mounts of container " + gocker::quoted(container_id), [&]() -> Result<std::vector<std::string>> {
      SQLite::Transaction transaction(*database_, SQLite::TransactionBehavior::IMMEDIATE);
      std::vector<std::string> created;
      for (const VolumeRecord& volume : volumes)
        if (put_volume(volume)) created.push_back(volume.name);
      auto statement = lease(R"sql(
        INSERT INTO container_mounts (container_id, position, type, volume_name, source, destination, mode, rw,
          propagation, options_json)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?))sql");
      SQLite::Statement& insert = statement.get();
      for (size_t position = 0; position < mounts.size(); ++position) {
        const MountRecord& mount = mounts[position];
        insert.bind(1, container_id);
        insert.bind(2, static_cast<int64_t>(position));
        insert.bind(3, mount.type);
        if (mount.volume_name.empty()) {
          insert.bind(4);
        } else {
          insert.bind(4, mount.volume_name);
        }
        insert.bind(5, mount.source);
        insert.bind(6, mount.destination);
        insert.bind(7, mount.mode);
        insert.bind(8, mount.rw ? 1 : 0);
        insert.bind(9, mount.propagation);
        insert.bind(10, nlohmann::json(mount.options).dump());
        insert.exec();
        insert.reset();
      }
      transaction.commit();
      return created;
    });
  }

  Result<std::vector<MountRecord>> container_mounts(const std::string& container_id) const override {
    std::lock_guard lock(mutex_);
    return guarded("mounts of container " + gocker::quoted(container_id), [&]() -> Result<std::vector<MountRecord>> {
      auto statement = lease(R"sql(
        SELECT type, volume_name, source, destination, mode, rw, propagation, options_json
        FROM container_mounts WHERE container_id = ? ORDER BY position)sql");
      statement.get().bind(1, container_id);
      std::vector<MountRecord> mounts;
      while (statement.get().executeStep()) {
        SQLite::Statement& select = statement.get();
        MountRecord mount;
        mount.type = select.getColumn(0).getString();
        mount.volume_name = select.getColumn(1).getString();
        mount.source = select.getColumn(2).getString();
        mount.destination = select.getColumn(3).getString();
        mount.mode = select.getColumn(4).getString();
        mount.rw = select.getColumn(5).getInt() != 0;
        mount.propagation = select.getColumn(6).getString();
        auto options = nlohmann::json::parse(select.getColumn(7).getString(), nullptr, false);
        if (options.is_array())
          for (const auto& option : options)
            if (option.is_string()) mount.options.push_back(option.get<std::string>());
        mounts.push_back(std::move(mount));
      }
      return mounts;
    });
  }
  // ---- end volumes ----

  Result<std::vector<LayerRecord>> list_layers() const override {
    std::lock_guard lock(mutex_);
    return guarded("list layers", [&]() -> Result<std::vector<LayerRecord>> {
      auto statement = lease("SELECT chain_id, diff_id, parent_chain_id, size, path FROM layers ORDER BY rowid");
      SQLite::Statement& select = statement.get();
      std::vector<LayerRecord> layers;
      while (select.executeStep()) {
        LayerRecord layer;
        layer.chain_id = select.getColumn(0).getString();
        layer.diff_id = select.getColumn(1).getString();
        layer.parent_chain_id = select.getColumn(2).getString();  // NULL reads as ""
        layer.size = select.getColumn(3).getInt64();
        layer.path = select.getColumn(4).getString();
        layers.push_back(std::move(layer));
      }
      return layers;
    });
  }

  // ---- networks (issue 6) ----
  Status insert_network(const NetworkRecord& network) override {
    std::lock_guard lock(mutex_);
    try {
      auto statement = lease(R"sql(
        INSERT INTO networks (id, name, driver, subnet, gateway, bridge, internal, created_at, labels_json, options_json)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?))sql");
      SQLite::Statement& insert = statement.get();
      insert.bind(1, network.id);
      insert.bind(2, network.name);
      insert.bind(3, network.driver);
      insert.bind(4, network.subnet);
      insert.bind(5, network.gateway);
      insert.bind(6, network.bridge);
      insert.bind(7, network.internal ? 1 : 0);
      insert.bind(8, network.created_at);
      insert.bind(9, network.labels_json);
      insert.bind(10, network.options_json);
      insert.exec();
      return ok();
    } catch (const SQLite::Exception& e) {
      if (e.getErrorCode() == SQLITE_CONSTRAINT && std::string_view(e.what()).find("networks.name") != std::string_view::npos)
        return Error::conflict("network with name " + network.name + " already exists");
      return sqlite_error("insert network " + gocker::quoted(network.name), e);
    }
  }

  Status delete_network(const std::string& id) override {
    std::lock_guard lock(mutex_);
    return guarded("delete network " + gocker::quoted(id), [&]() -> Status {
      auto statement = lease("DELETE FROM networks WHERE id = ?");
      statement.get().bind(1, id);
      if (statement.get().exec() == 0) return Error::not_found("network " + id + " not found");
      return ok();
    });
  }

  Result<std::vector<NetworkRecord>> list_networks() const override {
    std::lock_guard lock(mutex_);
    return guarded("list networks", [&]() -> Result<std::vector<NetworkRecord>> {
      auto statement = lease(R"sql(
        SELECT id, name, driver, subnet, gateway, bridge, internal, created_at, labels_json, options_json
        FROM networks ORDER BY rowid)sql");
      SQLite::Statement& select = statement.get();
      std::vector<NetworkRecord> records;
      while (select.executeStep()) {
        NetworkRecord record;
        record.id = select.getColumn(0).getString();
        record.name = select.getColumn(1).getString();
        record.driver = select.getColumn(2).getString();
        record.subnet = select.getColumn(3).getString();
        record.gateway = select.getColumn(4).getString();
        record.bridge = select.getColumn(5).getString();
        record.internal = select.getColumn(6).getInt() != 0;
        record.created_at = select.getColumn(7).getString();
        record.labels_json = select.getColumn(8).getString();
        record.options_json = select.getColumn(9).getString();
        records.push_back(std::move(record));
      }
      return records;
    });
  }

  Result<std::vector<EndpointRecord>> list_endpoints() const override {
    std::lock_guard lock(mutex_);
    return guarded("list endpoints", [&]() -> Result<std::vector<EndpointRecord>> {
      auto statement = lease(R"sql(
        SELECT container_id, network_id, ip, mac, aliases_json, requested_ip FROM endpoints ORDER BY rowid)sql");
      SQLite::Statement& select = statement.get();
      std::vector<EndpointRecord> records;
      while (select.executeStep()) {
        EndpointRecord record;
        record.container_id = select.getColumn(0).getString();
        record.network_id = select.getColumn(1).getString();
        record.ip = select.getColumn(2).getString();
        record.mac = select.getColumn(3).getString();
        auto aliases = nlohmann::json::parse(select.getColumn(4).getString(), nullptr, false);
        if (aliases.is_array())
          for (const auto& alias : aliases)
            if (alias.is_string()) record.aliases.push_back(alias.get<std::string>());
        record.requested_ip = select.getColumn(5).getString();
        records.push_back(std::move(record));
      }
      return records;
    });
  }

  Status insert_endpoint(const EndpointRecord& endpoint) override {
    std::lock_guard lock(mutex_);
    return guarded("connect container " + gocker::quoted(endpoint.container_id) + " to network " +
                       gocker::quoted(endpoint.network_id),
                   [&]() -> Status {
                     exec_insert_endpoint(endpoint);
                     return ok();
                   });
  }

  Status delete_endpoint(const std::string& container_id, const std::string& network_id) override {
    std::lock_guard lock(mutex_);
    return guarded("disconnect container " + gocker::quoted(container_id), [&]() -> Status {
      auto statement = lease("DELETE FROM endpoints WHERE container_id = ? AND network_id = ?");
      statement.get().bind(1, container_id);
      statement.get().bind(2, network_id);
      if (statement.get().exec() == 0) return Error::not_found("container " + container_id + " is not connected to network " + network_id);
      return ok();
    });
  }
  // ---- end networks (issue 6) ----

 private:
  // A cached prepared statement, borrowed for one use. It is reset when the borrow ends, even when
  // a step threw: a SELECT left mid-iteration would otherwise hold its read snapshot open and keep
  // WAL checkpoints from completing.
  class Lease {
   public:
    explicit Lease(SQLite::Statement& statement) : statement_(statement) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { statement_.tryReset(); }
    SQLite::Statement& get() { return statement_; }

   private:
    SQLite::Statement& statement_;
  };

  // Callers hold mutex_.
  Lease lease(const char* sql) const {
    auto& slot = statements_[sql];
    if (!slot) slot = std::make_unique<SQLite::Statement>(*database_, sql);
    slot->tryReset();
    slot->clearBindings();
    return Lease(*slot);
  }

  // ---- volumes (helpers; callers hold mutex_) ----
  bool put_volume(const VolumeRecord& volume) {
    auto statement = lease(R"sql(
      INSERT INTO volumes (name, driver, created_at, labels_json, options_json, anonymous) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (name) DO NOTHING)sql");
    SQLite::Statement& insert = statement.get();
    insert.bind(1, volume.name);
    insert.bind(2, volume.driver);
    insert.bind(3, volume.created_at);
    insert.bind(4, volume.labels_json);
    insert.bind(5, volume.options_json);
    insert.bind(6, volume.anonymous ? 1 : 0);
    return insert.exec() > 0;
  }

  static VolumeRecord read_volume(SQLite::Statement& select) {
    VolumeRecord volume;
    volume.name = select.getColumn(0).getString();
    volume.driver = select.getColumn(1).getString();
    volume.created_at = select.getColumn(2).getString();
    volume.labels_json = select.getColumn(3).getString();
    volume.options_json = select.getColumn(4).getString();
    volume.anonymous = select.getColumn(5).getInt() != 0;
    volume.ref_count = select.getColumn(6).getInt64();
    return volume;
  }
  // ---- end volumes (helpers) ----

  // Binds the runtime-state fields (status .. manually_stopped, kStateFields values) from position `first`.
  static void bind_state(SQLite::Statement& statement, int first, const ContainerRecord& record) {
    statement.bind(first + 0, record.status);
    statement.bind(first + 1, static_cast<int64_t>(record.pid));
    // SQLite integers are signed 64-bit; the start times (clock ticks) round-trip through the cast.
    statement.bind(first + 2, static_cast<int64_t>(record.pid_start_time));
    statement.bind(first + 3, static_cast<int64_t>(record.monitor_pid));
    statement.bind(first + 4, static_cast<int64_t>(record.monitor_start_time));
    statement.bind(first + 5, record.exit_code);
    statement.bind(first + 6, record.oom_killed ? 1 : 0);
    statement.bind(first + 7, record.error);
    statement.bind(first + 8, record.started_at);
    statement.bind(first + 9, record.finished_at);
    statement.bind(first + 10, cgroup_paths_to_json(record.cgroup_paths));
    statement.bind(first + 11, record.restart_count);
    statement.bind(first + 12, record.manually_stopped ? 1 : 0);
  }
  static constexpr int kStateFields = 13;

  // Caller holds mutex_ (and usually a transaction).
  void exec_insert_endpoint(const EndpointRecord& endpoint) const {
    auto statement = lease(R"sql(
      INSERT INTO endpoints (container_id, network_id, ip, mac, aliases_json, requested_ip)
      VALUES (?, ?, ?, ?, ?, ?))sql");
    SQLite::Statement& insert = statement.get();
    insert.bind(1, endpoint.container_id);
    insert.bind(2, endpoint.network_id);
    insert.bind(3, endpoint.ip);
    insert.bind(4, endpoint.mac);
    insert.bind(5, nlohmann::json(endpoint.aliases).dump());
    insert.bind(6, endpoint.requested_ip);
    insert.exec();
  }

  // Turns a failed insert into Docker's message for the constraint that failed. SQLite names the
  // column in its message ("UNIQUE constraint failed: containers.name").
  Error container_conflict(const ContainerRecord& record, const SQLite::Exception& e) const {
    const std::string message = e.what();
    if (message.find("containers.name") != std::string::npos) {
      std::string holder = "unknown";
      try {
        auto statement = lease("SELECT id FROM containers WHERE name = ?");
        statement.get().bind(1, record.name);
        if (statement.get().executeStep()) holder = statement.get().getColumn(0).getString();
      } catch (const SQLite::Exception&) {
        // The conflict is the error to report; the holder's id only decorates it.
      }
      return Error::conflict("Conflict. The container name \"/" + record.name + "\" is already in use by container \"" +
                             holder + "\". You have to remove (or rename) that container to be able to reuse that name.");
    }
    if (message.find("containers.id") != std::string::npos) {
      return Error::conflict("container id " + gocker::quoted(record.id) + " is already in use");
    }
    return Error::conflict("insert container " + gocker::quoted(record.name) + ": " + message);
  }

  mutable std::mutex mutex_;
  std::unique_ptr<SQLite::Database> database_;
  mutable std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> statements_;
  int schema_version_;
};

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& db_path) {
  const std::string what = "open state database " + gocker::quoted(db_path);
  try {
    auto database = std::make_unique<SQLite::Database>(db_path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
                                                       kBusyTimeoutMs);
    // WAL: readers never block the writer and a commit is one append; with synchronous=NORMAL a
    // commit does not fsync (only checkpoints do), so a power loss may drop the last transactions
    // but never corrupts the file. That is the trade the run path's latency budget needs.
    const std::string journal_mode = database->execAndGet("PRAGMA journal_mode = WAL").getString();
    if (journal_mode != "wal") {
      return Error::internal(what + ": cannot enable WAL journal mode (the filesystem gave " + gocker::quoted(journal_mode) + ")");
    }
    database->exec("PRAGMA synchronous = NORMAL");
    // Off by default in SQLite, per connection: the layer reference counts depend on it.
    database->exec("PRAGMA foreign_keys = ON");
    auto version = apply_migrations(*database);
    if (!version) return std::move(version).error().context(what);
    return std::unique_ptr<Store>(std::make_unique<SqliteStore>(std::move(database), version.value()));
  } catch (const SQLite::Exception& e) {
    return sqlite_error(what, e);
  } catch (const std::exception& e) {
    return Error::internal(what + ": " + e.what());
  }
}

}  // namespace gocker::state
