#pragma once
// gockerd runs with glibc's per-thread cache of freed blocks (tcache) turned off.
//
// Each thread that frees a small block keeps up to 7 of every size class for its next malloc, and
// malloc_trim cannot give back a page one of them sits on. gockerd's eight pool threads (four io,
// four blocking) each end a burst of requests holding such blocks scattered over the heap the
// burst grew: measured after 140 `run --rm`, the heap kept 1.5-2.0 MB resident for 0.8-1.0 MB in
// use, and without the cache 0.6-0.8 MB for 0.3 MB. The cache saves an uncontended lock per malloc
// and free, a few thousand per container run: well under 0.1 ms of a 20 ms run.
//
// glibc reads its tunables from the environment once, before main, so a program can set its own
// only by executing itself again with them. An operator's own setting of the tcache is kept.
#include <optional>
#include <string>

namespace gocker::server {

// The GLIBC_TUNABLES value to run with, given the current one (null: unset); nullopt when the
// tcache is already configured there.
std::optional<std::string> tunables_without_tcache(const char* current);

// Called first thing in main: re-executes its own binary with argv and the tunables above unless
// they are already in effect. Returns only if they are, or if the exec failed (then nothing changed
// and the daemon runs with glibc's defaults).
void exec_self_with_allocator_tunables(char** argv);

}  // namespace gocker::server
