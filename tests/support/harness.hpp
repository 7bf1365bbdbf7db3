#pragma once
// The integration-test harness: a real gockerd in a throw-away root, driven the way a user drives
// it (gockerctl, raw HTTP on the unix socket, a pty), and torn down so nothing is left behind.
//
// Process set-up (test_environment.cpp, at static initialisation, before main and any thread):
//   unshare(CLONE_NEWNS | CLONE_NEWNET)       every mount and link the tests cause dies with them
//   "/" made rprivate, then rshared           cut from the host's peer groups first, then shared
//                                             like a systemd host, so a runtime that forgets
//                                             MS_REC|MS_PRIVATE leaks mounts into *our* namespace
//                                             (and a test sees it), never into the host's
//   lo up                                     ioctl(SIOCSIFFLAGS); containers get their own netns
// Not root, or unshare refused: prints "SKIP: <why>" and exits 77 (CTest SKIP_RETURN_CODE), or 1
// when GOCKER_TEST_STRICT=1 (CI: a skip is a failure).
//
// Nothing here uses doctest (only failure_listener.cpp does), so bench/ compiles these files too
// and gets the same namespaces.
#include <string>

#include "common.hpp"
#include "daemon.hpp"
#include "http_client.hpp"
#include "kernel_view.hpp"
#include "process.hpp"

namespace gocker::test {

// Ends the program as skipped: a loud "SKIP: <why>" and exit 77, or exit 1 (a failure) when
// GOCKER_TEST_STRICT=1. For a whole test program that cannot run here (no root, no docker CLI).
[[noreturn]] void skip_program(const std::string& why);

// Set by the doctest listener (tests/support/failure_listener.cpp) on every failed assertion; the
// Daemon destructor dumps the log when it moved. Stays 0 in programs without doctest (bench).
unsigned failure_count();
void note_failure();

// Where the binaries under test are: GOCKERD_BIN etc. from CMake, overridable by environment
// variables of the same names (so an installed build can be tested too).
std::string gockerd_binary();
std::string gockerctl_binary();
std::string monitor_binary();
std::string image_dir();

}  // namespace gocker::test
