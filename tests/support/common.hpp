#pragma once
// Types and small helpers shared by the harness's parts (tests/support/*.cpp).
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gocker::test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Env = std::vector<std::pair<std::string, std::string>>;

std::optional<std::string> read_file(const std::string& path);
std::string trim(std::string text);
std::vector<std::string> split_lines(const std::string& text);
bool contains(const std::string& haystack, const std::string& needle);

// The docker CLI a test judges with: $GOCKER_TEST_DOCKER when set (tests/CMakeLists.txt runs each
// docker-using program once more with the first `docker` on PATH when that is another client than
// Debian's), else Debian's /usr/bin/docker (what a fresh Debian gets from docker.io), else `docker`
// on PATH; "" when there is none.
std::string docker_cli_path();

namespace detail {
std::string errno_text(int err);
std::chrono::milliseconds since(Clock::time_point start);
// Milliseconds left until the deadline, for poll(2); 0 once it passed.
int remaining_ms(Clock::time_point deadline);
// The exit status, or 128 + signal as a shell reports it.
int decode_wait_status(int status);
void set_nonblocking(int fd);
// environ plus additions (an addition replaces a variable of the same name).
std::vector<std::string> build_environment(const Env& additions);
// argv-style pointers into `strings` (which must outlive them), null-terminated.
std::vector<char*> as_argv(std::vector<std::string>& strings);
std::string find_on_path(const std::string& program);
// Appends what is readable on a non-blocking fd; false at EOF or a hard error (EIO on a pty master
// means hang-up).
bool read_available(int fd, std::string& into);
std::string tail_of(const std::string& text, size_t max_bytes);
}  // namespace detail

}  // namespace gocker::test
