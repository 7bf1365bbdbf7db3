#include "base/shared_library.hpp"

#include <dlfcn.h>

namespace gocker {
namespace {

std::string last_dl_error(const char* fallback) {
  const char* reason = ::dlerror();
  return reason != nullptr ? reason : fallback;
}

}  // namespace

void SharedLibrary::Closer::operator()(void* handle) const { ::dlclose(handle); }

Result<SharedLibrary> SharedLibrary::open(const char* soname) {
  // RTLD_LOCAL: its symbols stay out of the global scope, so nothing loaded later binds to them
  // and dlclose can unmap it and its dependencies.
  void* handle = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) return Error::internal(std::string("load ") + soname + ": " + last_dl_error("dlopen failed"));
  return SharedLibrary(handle, soname);
}

Result<void*> SharedLibrary::find(const char* symbol) const {
  ::dlerror();
  void* address = ::dlsym(handle_.get(), symbol);
  if (address == nullptr) return Error::internal("find " + std::string(symbol) + " in " + soname_ + ": " + last_dl_error("not found"));
  return address;
}

}  // namespace gocker
