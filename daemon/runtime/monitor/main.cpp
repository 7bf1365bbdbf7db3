// gocker-monitor: see runtime/monitor.hpp. Kept to a call so the binary is the runtime library's
// monitor code and nothing else (no iostreams, no logging library: its memory is per container).
// `gocker-monitor exec ...` is the exec helper (runtime/exec_monitor.hpp).
#include <cstring>

#include "runtime/exec_monitor.hpp"
#include "runtime/monitor.hpp"

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "exec") == 0) return gocker::runtime::exec_monitor_main(argc, argv);
  return gocker::runtime::monitor_main(argc, argv);
}
