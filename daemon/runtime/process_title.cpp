#include "runtime/process_title.hpp"

#include <sys/prctl.h>

#include <algorithm>
#include <cstring>

namespace gocker::runtime {
namespace {
char* title_begin = nullptr;
size_t title_capacity = 0;
}  // namespace

void init_process_title(int argc, char** argv) {
  if (argc <= 0 || !argv[0]) return;
  title_begin = argv[0];
  char* end = argv[0] + std::strlen(argv[0]);
  // Only the contiguous run of argv strings is ours to overwrite.
  for (int index = 1; index < argc; ++index) {
    if (argv[index] != end + 1) break;
    end = argv[index] + std::strlen(argv[index]);
  }
  title_capacity = static_cast<size_t>(end - title_begin);
}

void set_process_title(const std::string& title) {
  std::string comm = title.substr(0, std::min<size_t>(title.find(' '), 15));
  ::prctl(PR_SET_NAME, comm.c_str());
  if (!title_begin || title_capacity == 0) return;
  size_t length = std::min(title.size(), title_capacity - 1);
  std::memset(title_begin, 0, title_capacity);
  std::memcpy(title_begin, title.data(), length);
  // A non-zero last byte tells the kernel the area was rewritten (setproctitle(3) style): cmdline
  // then reads up to the first NUL, i.e. the title alone.
  title_begin[title_capacity] = ' ';
}

}  // namespace gocker::runtime
