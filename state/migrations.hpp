#pragma once
// Schema migrations of the state database (internal to state/).
//
// Protocol: PRAGMA user_version holds the number of the last migration applied. At open, every
// migration numbered above it runs in order, each in its own BEGIN IMMEDIATE transaction that also
// bumps user_version, so a crash between two migrations leaves a consistent, resumable database and
// two daemons racing to migrate the same file serialize on the write lock. Migrations are append
// only: a released migration is never edited; a schema change is a new, higher-numbered entry.
#include <span>

#include <SQLiteCpp/Database.h>

#include "base/result.hpp"

namespace gocker::state {

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// All migrations, numbered 1..N in order.
std::span<const Migration> schema_migrations();

// Applies the pending migrations; returns the resulting schema version. A database written by a
// newer gocker (user_version above N) is refused rather than guessed at.
Result<int> apply_migrations(SQLite::Database& database);

}  // namespace gocker::state
