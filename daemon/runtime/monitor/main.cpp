// gocker-monitor: see runtime/monitor.hpp. Kept to a call so the binary is the runtime library's
// monitor code and nothing else (no iostreams, no logging library: its memory is per container).
#include "runtime/monitor.hpp"

int main(int argc, char** argv) { return gocker::runtime::monitor_main(argc, argv); }
