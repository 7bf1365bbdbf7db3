#pragma once
// A shared library opened with dlopen and closed when the object goes, for the libraries gockerd
// needs only now and then (libnftables on a network change, libsystemd at start and stop): linked
// in, they and their own dependencies stay mapped and partly resident for the daemon's whole life.
// Entry points are resolved into pointers typed from the library's own header (decltype), so a
// call through them is checked as a direct call would be.
#include <memory>
#include <string>

#include "base/result.hpp"

namespace gocker {

class SharedLibrary {
 public:
  // `soname` is the versioned name (as "libsystemd.so.0"): the ABI the headers describe.
  static Result<SharedLibrary> open(const char* soname);

  template <typename Function>
  Status resolve(const char* symbol, Function& target) const {
    auto address = find(symbol);
    if (!address) return std::move(address).error();
    target = reinterpret_cast<Function>(address.value());
    return ok();
  }

  const std::string& soname() const { return soname_; }

 private:
  struct Closer {
    void operator()(void* handle) const;
  };
  SharedLibrary(void* handle, std::string soname) : handle_(handle), soname_(std::move(soname)) {}
  Result<void*> find(const char* symbol) const;

  std::unique_ptr<void, Closer> handle_;
  std::string soname_;
};

}  // namespace gocker
