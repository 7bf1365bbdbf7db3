// The other half of -finstrument-functions in a GOCKER_RECORD_FUNCTIONS build (see
// cmake/StartupOrder.cmake): notes the first entry into every function of gocker's own code,
// and at exit writes their offsets in the binary, in first-call order, to
// $GOCKER_FUNCTION_LOG.<pid>. scripts/run-path-order.sh turns them into names. Never part of a
// normal build.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <unistd.h>

extern "C" const char __ehdr_start[];  // the binary's ELF header: its load address

namespace {

// Enough for every function of an instrumented gockerd (about 100000) at a low load factor.
constexpr uint32_t kSlots = 1u << 20;
std::atomic<uintptr_t> entered[kSlots];
std::atomic<uintptr_t> first_call_order[kSlots];
std::atomic<uint32_t> recorded{0};

__attribute__((no_instrument_function)) uint32_t slot_of(uintptr_t address) {
  return static_cast<uint32_t>((address * 0x9E3779B97F4A7C15ull) >> 40) & (kSlots - 1);
}

__attribute__((no_instrument_function, destructor)) void write_recorded_functions() {
  const char* prefix = std::getenv("GOCKER_FUNCTION_LOG");
  if (prefix == nullptr) return;
  char path[4096];
  std::snprintf(path, sizeof path, "%s.%d", prefix, static_cast<int>(::getpid()));
  FILE* out = std::fopen(path, "w");
  if (out == nullptr) return;
  const uint32_t count = std::min(recorded.load(), kSlots);
  const auto base = reinterpret_cast<uintptr_t>(__ehdr_start);
  for (uint32_t index = 0; index < count; ++index) {
    const uintptr_t address = first_call_order[index].load(std::memory_order_relaxed);
    if (address != 0) std::fprintf(out, "%lx\n", static_cast<unsigned long>(address - base));
  }
  std::fclose(out);
}

}  // namespace

extern "C" __attribute__((no_instrument_function)) void __cyg_profile_func_enter(void* function, void*) {
  const auto address = reinterpret_cast<uintptr_t>(function);
  for (uint32_t slot = slot_of(address);; slot = (slot + 1) & (kSlots - 1)) {
    uintptr_t seen = entered[slot].load(std::memory_order_relaxed);
    if (seen == address) return;
    if (seen == 0) {
      if (entered[slot].compare_exchange_strong(seen, address)) {
        const uint32_t index = recorded.fetch_add(1);
        if (index < kSlots) first_call_order[index].store(address, std::memory_order_relaxed);
        return;
      }
      if (seen == address) return;
    }
  }
}

extern "C" __attribute__((no_instrument_function)) void __cyg_profile_func_exit(void*, void*) {}
