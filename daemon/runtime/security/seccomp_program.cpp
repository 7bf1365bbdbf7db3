#include "runtime/security/seccomp_program.hpp"

#include <errno.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "base/strings.hpp"
#include "runtime/file_util.hpp"

namespace gocker::runtime {
namespace {

constexpr char kMagic[8] = {'g', 'o', 'c', 'k', 'b', 'p', 'f', '\0'};
// The kernel's own ceiling for one filter (BPF_MAXINSNS).
constexpr uint32_t kMaxInstructions = 4096;

struct Header {
  char magic[8];
  uint32_t version;
  uint32_t flags;
  uint32_t filter_length;
  uint32_t stub_length;
};
static_assert(sizeof(Header) == 24);
static_assert(sizeof(sock_filter) == 8);

void append(std::string& out, const std::vector<sock_filter>& instructions) {
  out.append(reinterpret_cast<const char*>(instructions.data()), instructions.size() * sizeof(sock_filter));
}

std::vector<sock_filter> instructions_at(std::string_view bytes, size_t offset, uint32_t count) {
  std::vector<sock_filter> out(count);
  if (count > 0) std::memcpy(out.data(), bytes.data() + offset, count * sizeof(sock_filter));
  return out;
}

Status install(const std::vector<sock_filter>& instructions, uint32_t flags, const char* which) {
  sock_fprog program{static_cast<unsigned short>(instructions.size()), const_cast<sock_filter*>(instructions.data())};
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &program) != 0) {
    return Error::from_errno(errno, std::string("seccomp: load the ") + which);
  }
  return ok();
}

}  // namespace

std::string serialize_seccomp_program(const SeccompProgram& program) {
  Header header{};
  std::memcpy(header.magic, kMagic, sizeof kMagic);
  header.version = kSeccompProgramFormat;
  header.flags = program.flags;
  header.filter_length = static_cast<uint32_t>(program.filter.size());
  header.stub_length = static_cast<uint32_t>(program.enosys_stub.size());
  std::string out(reinterpret_cast<const char*>(&header), sizeof header);
  append(out, program.filter);
  append(out, program.enosys_stub);
  return out;
}

Result<SeccompProgram> parse_seccomp_program(std::string_view bytes) {
  Header header{};
  if (bytes.size() < sizeof header) return Error::invalid("seccomp program: truncated header");
  std::memcpy(&header, bytes.data(), sizeof header);
  if (std::memcmp(header.magic, kMagic, sizeof kMagic) != 0) return Error::invalid("seccomp program: not a gocker seccomp program");
  if (header.version != kSeccompProgramFormat) {
    return Error::invalid("seccomp program: format version " + std::to_string(header.version) + ", expected " +
                          std::to_string(kSeccompProgramFormat));
  }
  if (header.filter_length == 0 || header.filter_length > kMaxInstructions || header.stub_length > kMaxInstructions) {
    return Error::invalid("seccomp program: instruction counts out of range");
  }
  const size_t expected =
      sizeof header + (static_cast<size_t>(header.filter_length) + header.stub_length) * sizeof(sock_filter);
  if (bytes.size() != expected) {
    return Error::invalid("seccomp program: " + std::to_string(bytes.size()) + " bytes, header says " +
                          std::to_string(expected));
  }
  SeccompProgram program;
  program.flags = header.flags;
  program.filter = instructions_at(bytes, sizeof header, header.filter_length);
  program.enosys_stub =
      instructions_at(bytes, sizeof header + header.filter_length * sizeof(sock_filter), header.stub_length);
  return program;
}

Result<SeccompProgram> read_seccomp_program(const std::string& path) {
  auto bytes = read_file(path);
  if (!bytes) return std::move(bytes).error().context("read seccomp program " + quoted(path));
  auto program = parse_seccomp_program(*bytes);
  if (!program) return std::move(program).error().context(quoted(path));
  return program;
}

Status load_seccomp_program(const SeccompProgram& program) {
  GOCKER_TRY(install(program.filter, program.flags, "filter"));
  if (program.enosys_stub.empty()) return ok();
  return install(program.enosys_stub, 0, "ENOSYS filter for syscalls newer than libseccomp");
}

}  // namespace gocker::runtime
