#pragma once
// A seccomp profile compiled to classic BPF, as the kernel takes it. Compiling Docker's default
// profile with libseccomp costs each start tens of milliseconds, so gockerd compiles each distinct
// profile once (seccomp_filter.hpp), keeps the program in a file, and the container's init only
// hands the instructions to seccomp(2).
#include <linux/filter.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace gocker::runtime {

inline constexpr uint32_t kSeccompProgramFormat = 1;

struct SeccompProgram {
  uint32_t flags = 0;                    // SECCOMP_FILTER_FLAG_* for the main filter
  std::vector<sock_filter> filter;       // the profile itself
  std::vector<sock_filter> enosys_stub;  // loaded after it (so run first); empty: none
};

// The file form: a fixed header (magic, format version, flags, both lengths) then the
// instructions. parse_seccomp_program refuses anything that is not exactly that.
std::string serialize_seccomp_program(const SeccompProgram& program);
Result<SeccompProgram> parse_seccomp_program(std::string_view bytes);

// Reads and parses a program file; errors name the path.
Result<SeccompProgram> read_seccomp_program(const std::string& path);

// Installs the program on the calling thread: needs no_new_privs or CAP_SYS_ADMIN, like any filter.
Status load_seccomp_program(const SeccompProgram& program);

}  // namespace gocker::runtime
