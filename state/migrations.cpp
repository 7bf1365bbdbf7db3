#include "state/migrations.hpp"

#include <SQLiteCpp/Transaction.h>

#include <string>

namespace gocker::state {
namespace {

// Migration 1: containers and the content-addressed image store (OCI image spec terms).
//
// - containers: one row per container; cgroup_paths is a JSON array of absolute paths. The name is
//   stored without Docker's leading "/". image_id is deliberately not a foreign key: Docker lets
//   `rmi -f` untag an image a container still uses, and the engine decides what "in use" means.
// - layers: keyed by chain id (a layer together with everything below it); parent_chain_id is NULL
//   for a base layer. The parent reference is deferred so a transaction may insert a stack of
//   layers in any order; it also keeps a parent from being deleted while a child needs it.
// - images: keyed by "sha256:" + sha256 of the config JSON; image_layers lists its layers bottom
//   (position 0) to top; a layer used by any image cannot be deleted (the foreign key refuses),
//   which is the reference count rmi and prune rely on.
// - image_tags: a normalized reference ("docker.io/library/busybox:latest") points at one image;
//   re-tagging moves the row.
// The indexes on the child side of each foreign key keep the constraint checks off table scans.
constexpr const char* kMigration1 = R"sql(
CREATE TABLE containers (
  id                 TEXT PRIMARY KEY NOT NULL,
  name               TEXT NOT NULL UNIQUE,
  image_ref          TEXT NOT NULL,
  image_id           TEXT NOT NULL,
  created_at         TEXT NOT NULL,
  config_json        TEXT NOT NULL,
  host_config_json   TEXT NOT NULL,
  status             TEXT NOT NULL,
  pid                INTEGER NOT NULL DEFAULT 0,
  pid_start_time     INTEGER NOT NULL DEFAULT 0,
  monitor_pid        INTEGER NOT NULL DEFAULT 0,
  monitor_start_time INTEGER NOT NULL DEFAULT 0,
  exit_code          INTEGER NOT NULL DEFAULT 0,
  oom_killed         INTEGER NOT NULL DEFAULT 0,
  error              TEXT NOT NULL DEFAULT '',
  started_at         TEXT NOT NULL DEFAULT '',
  finished_at        TEXT NOT NULL DEFAULT '',
  cgroup_paths       TEXT NOT NULL DEFAULT '[]',
  restart_count      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX containers_by_image ON containers(image_id);

CREATE TABLE layers (
  chain_id        TEXT PRIMARY KEY NOT NULL,
  diff_id         TEXT NOT NULL,
  parent_chain_id TEXT REFERENCES layers(chain_id) DEFERRABLE INITIALLY DEFERRED,
  size            INTEGER NOT NULL,
  path            TEXT NOT NULL
);
CREATE INDEX layers_by_parent ON layers(parent_chain_id);

CREATE TABLE images (
  id          TEXT PRIMARY KEY NOT NULL,
  config_json TEXT NOT NULL,
  created     INTEGER NOT NULL,
  size        INTEGER NOT NULL
);

CREATE TABLE image_layers (
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  chain_id TEXT NOT NULL REFERENCES layers(chain_id),
  PRIMARY KEY (image_id, position)
);
CREATE INDEX image_layers_by_layer ON image_layers(chain_id);

CREATE TABLE image_tags (
  reference TEXT PRIMARY KEY NOT NULL,
  image_id  TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE
);
CREATE INDEX image_tags_by_image ON image_tags(image_id);
)sql";

// Migration 2: restart-policy bookkeeping. manually_stopped is dockerd's HasBeenManuallyStopped:
// set by a stop or kill from a user, cleared by the next start. It must survive a daemon restart,
// because an `unless-stopped` container stopped by hand stays down when the daemon comes back.
constexpr const char* kMigration2 = R"sql(
ALTER TABLE containers ADD COLUMN manually_stopped INTEGER NOT NULL DEFAULT 0;
)sql";

// Migration 3: volumes. A named or anonymous volume of the local driver is a directory under
// <root>/volumes/<name>/_data; labels and options are JSON objects. container_mounts is each
// container's resolved mount list (binds, volumes, tmpfs), in the order they are mounted; it goes
// with its container (ON DELETE CASCADE). volume_name references the volume it mounts, so a volume
// some container still lists cannot be deleted: the foreign key is the reference count that
// `volume rm` and `volume prune` rely on.
constexpr const char* kMigration3 = R"sql(
CREATE TABLE volumes (
  name         TEXT PRIMARY KEY NOT NULL,
  driver       TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  labels_json  TEXT NOT NULL DEFAULT '{}',
  options_json TEXT NOT NULL DEFAULT '{}',
  anonymous    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE container_mounts (
  container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
  position     INTEGER NOT NULL,
  type         TEXT NOT NULL,
  volume_name  TEXT REFERENCES volumes(name),
  source       TEXT NOT NULL,
  destination  TEXT NOT NULL,
  mode         TEXT NOT NULL,
  rw           INTEGER NOT NULL,
  propagation  TEXT NOT NULL,
  options_json TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (container_id, position)
);
CREATE INDEX container_mounts_by_volume ON container_mounts(volume_name);
)sql";

// Migration 4: networks and their endpoints (IPAM).
// - networks: one row per network, the defaults (bridge, host, none) included; subnet/gateway are
//   empty for host and none. Overlaps are refused by the engine before the insert.
// - endpoints: one row per (container, network) with the address handed out. The partial UNIQUE
//   index on (network_id, ip) is the last word on "never handed out twice": an endpoint is
//   inserted in the same transaction as its container (or by connect), and a removed container's
//   endpoints go with its row (ON DELETE CASCADE). A network with endpoints cannot be deleted.
constexpr const char* kMigration4 = R"sql(
CREATE TABLE networks (
  id          TEXT PRIMARY KEY NOT NULL,
  name        TEXT NOT NULL UNIQUE,
  driver      TEXT NOT NULL,
  subnet      TEXT NOT NULL DEFAULT '',
  gateway     TEXT NOT NULL DEFAULT '',
  bridge      TEXT NOT NULL DEFAULT '',
  internal    INTEGER NOT NULL DEFAULT 0,
  created_at  TEXT NOT NULL,
  labels_json TEXT NOT NULL DEFAULT '{}',
  options_json TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE endpoints (
  container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
  network_id   TEXT NOT NULL REFERENCES networks(id),
  ip           TEXT NOT NULL DEFAULT '',
  mac          TEXT NOT NULL DEFAULT '',
  aliases_json TEXT NOT NULL DEFAULT '[]',
  requested_ip TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (container_id, network_id)
);
CREATE UNIQUE INDEX endpoints_by_address ON endpoints(network_id, ip) WHERE ip != '';
CREATE INDEX endpoints_by_network ON endpoints(network_id);
)sql";

// Migration 5: the OCI runtime of each container (gockerd --runtime/--add-runtime, HostConfig.Runtime),
// chosen at create and kept for its life: exec, stop and removal after a daemon restart go through
// the same runtime. Containers made before it ran under the built-in runtime.
constexpr const char* kMigration5 = R"sql(
ALTER TABLE containers ADD COLUMN runtime TEXT NOT NULL DEFAULT 'gocker';
)sql";

constexpr Migration kMigrations[] = {
    {1, "containers, layers, images, image_layers, image_tags", kMigration1},
    {2, "containers.manually_stopped (restart policies)", kMigration2},
    {3, "volumes, container_mounts", kMigration3},
    {4, "networks, endpoints (IPAM)", kMigration4},
    {5, "containers.runtime (OCI runtime per container)", kMigration5},
};

int read_user_version(SQLite::Database& database) {
  return database.execAndGet("PRAGMA user_version").getInt();
}

}  // namespace

std::span<const Migration> schema_migrations() { return kMigrations; }

Result<int> apply_migrations(SQLite::Database& database) {
  const int latest = kMigrations[std::size(kMigrations) - 1].version;
  int current = 0;
  try {
    current = read_user_version(database);
  } catch (const SQLite::Exception& e) {
    return Error::internal(std::string("read schema version: ") + e.what());
  }
  if (current > latest) {
    return Error::internal("database schema version " + std::to_string(current) +
                           " is newer than this gocker understands (" + std::to_string(latest) +
                           "); refusing to open it");
  }
  for (const Migration& migration : kMigrations) {
    if (migration.version <= current) continue;
    try {
      SQLite::Transaction transaction(database, SQLite::TransactionBehavior::IMMEDIATE);
      // Re-read under the write lock: another process may have migrated since we looked.
      current = read_user_version(database);
      if (migration.version <= current) continue;
      database.exec(migration.sql);
      // user_version lives in the database header and is covered by the transaction.
      database.exec("PRAGMA user_version = " + std::to_string(migration.version));
      transaction.commit();
      current = migration.version;
    } catch (const SQLite::Exception& e) {
      return Error::internal("apply schema migration " + std::to_string(migration.version) + " (" +
                             migration.description + "): " + e.what());
    }
  }
  return current;
}

}  // namespace gocker::state
