#include "runtime/security/seccomp_filter.hpp"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>

#include <algorithm>
#include <cctype>
#include <memory>

#include "base/strings.hpp"
#include "base/unique_fd.hpp"
#include "runtime/security/seccomp_flags.hpp"

namespace gocker::runtime {
namespace {

struct ContextDeleter {
  void operator()(void* context) const { ::seccomp_release(context); }
};
using SeccompContext = std::unique_ptr<void, ContextDeleter>;

uint32_t to_libseccomp(const SeccompAction& action) {
  switch (action.kind) {
    case SeccompActionKind::kKill: return SCMP_ACT_KILL;
    case SeccompActionKind::kKillProcess: return SCMP_ACT_KILL_PROCESS;
    case SeccompActionKind::kKillThread: return SCMP_ACT_KILL_THREAD;
    case SeccompActionKind::kTrap: return SCMP_ACT_TRAP;
    case SeccompActionKind::kErrno: return SCMP_ACT_ERRNO(action.value);
    case SeccompActionKind::kTrace: return SCMP_ACT_TRACE(action.value);
    case SeccompActionKind::kAllow: return SCMP_ACT_ALLOW;
    case SeccompActionKind::kLog: return SCMP_ACT_LOG;
  }
  return SCMP_ACT_KILL;
}

scmp_compare to_libseccomp(SeccompCompare compare) {
  switch (compare) {
    case SeccompCompare::kNotEqual: return SCMP_CMP_NE;
    case SeccompCompare::kLess: return SCMP_CMP_LT;
    case SeccompCompare::kLessOrEqual: return SCMP_CMP_LE;
    case SeccompCompare::kEqual: return SCMP_CMP_EQ;
    case SeccompCompare::kGreaterOrEqual: return SCMP_CMP_GE;
    case SeccompCompare::kGreater: return SCMP_CMP_GT;
    case SeccompCompare::kMaskedEqual: return SCMP_CMP_MASKED_EQ;
  }
  return SCMP_CMP_EQ;
}

Error seccomp_error(int result, const std::string& what) { return Error::from_errno(-result, "seccomp: " + what); }

// "SCMP_ARCH_X86_64" -> libseccomp's token for "x86_64".
Result<uint32_t> architecture_token(const std::string& name) {
  constexpr std::string_view kPrefix = "SCMP_ARCH_";
  if (name.compare(0, kPrefix.size(), kPrefix) != 0) {
    return Error::invalid("seccomp: unknown architecture " + quoted(name));
  }
  std::string lower = name.substr(kPrefix.size());
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  uint32_t token = ::seccomp_arch_resolve_name(lower.c_str());
  if (token == 0) return Error::invalid("seccomp: unknown architecture " + quoted(name));
  return token;
}

Status add_rule(void* context, uint32_t action, int syscall, const std::vector<SeccompArgument>& args,
                const std::string& name) {
  std::vector<scmp_arg_cmp> conditions;
  for (const SeccompArgument& arg : args) {
    conditions.push_back(scmp_arg_cmp{arg.index, to_libseccomp(arg.op), arg.value, arg.value_two});
  }
  int result = ::seccomp_rule_add_array(context, action, syscall, static_cast<unsigned>(conditions.size()),
                                        conditions.empty() ? nullptr : conditions.data());
  if (result != 0) return seccomp_error(result, "add rule for " + name);
  return ok();
}

bool indexes_distinct(const std::vector<SeccompArgument>& args) {
  for (size_t i = 0; i < args.size(); ++i)
    for (size_t j = i + 1; j < args.size(); ++j)
      if (args[i].index == args[j].index) return false;
  return true;
}

// libseccomp cannot add a rule for a number it has no name for on every architecture of a filter,
// so the ENOSYS range is a second, tiny filter of its own. Loaded after the profile's, the kernel
// runs it first and, for the same action (errno), its result wins: ENOSYS over the default EPERM.
// A KILL or TRAP default still wins over it, as precedence says.
std::vector<sock_filter> enosys_stub(uint32_t audit_arch, int highest_known) {
  const uint32_t first = static_cast<uint32_t>(highest_known + 1);
  const uint32_t last = static_cast<uint32_t>(highest_known + kFutureSyscallWindow);
  return {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, audit_arch, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, first, 0, 2),
      BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, last, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
}

Result<uint32_t> filter_flags(const std::vector<std::string>& names) {
  uint32_t flags = 0;
  for (const std::string& name : names) {
    auto flag = seccomp_filter_flag(name);
    if (!flag) return Error::invalid("seccomp: unknown flag " + quoted(name));
    flags |= *flag;
  }
  return flags;
}

// libseccomp writes the program to an fd; a memfd keeps it off any filesystem.
Result<std::vector<sock_filter>> export_program(void* context) {
  UniqueFd memory{::memfd_create("gocker-seccomp", MFD_CLOEXEC)};
  if (!memory) return Error::from_errno(errno, "seccomp: create a memfd for the program");
  if (int result = ::seccomp_export_bpf(context, memory.get()); result != 0) return seccomp_error(result, "export the program");
  const off_t size = ::lseek(memory.get(), 0, SEEK_END);
  if (size <= 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0) {
    return Error::internal("seccomp: libseccomp exported " + std::to_string(size) + " bytes, not whole instructions");
  }
  std::vector<sock_filter> instructions(static_cast<size_t>(size) / sizeof(sock_filter));
  if (::pread(memory.get(), instructions.data(), static_cast<size_t>(size), 0) != size) {
    return Error::from_errno(errno, "seccomp: read the exported program back");
  }
  return instructions;
}

}  // namespace

int highest_known_syscall() {
  const uint32_t native = ::seccomp_arch_native();
  for (int number = 1023; number >= 0; --number) {
    char* name = ::seccomp_syscall_resolve_num_arch(native, number);
    if (name) {
      ::free(name);
      return number;
    }
  }
  return -1;
}

Result<SeccompProgram> compile_seccomp_program(const SeccompProfile& profile, SeccompLayout layout) {
  SeccompProgram program;
  auto flags = filter_flags(profile.flags);
  if (!flags) return std::move(flags).error();
  program.flags = *flags;

  const uint32_t default_action = to_libseccomp(profile.default_action);
  SeccompContext context{::seccomp_init(default_action)};
  if (!context) return Error::internal("seccomp: cannot initialise a filter");
  if (layout == SeccompLayout::kBinaryTree) {
    if (int result = ::seccomp_attr_set(context.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2); result != 0) {
      return seccomp_error(result, "choose the binary-tree layout");
    }
  }
  for (const std::string& name : profile.architectures) {
    auto token = architecture_token(name);
    if (!token) return std::move(token).error();
    int result = ::seccomp_arch_add(context.get(), *token);
    if (result != 0 && result != -EEXIST) return seccomp_error(result, "add architecture " + name);
  }

  for (const SeccompRule& rule : profile.rules) {
    const uint32_t action = to_libseccomp(rule.action);
    if (action == default_action) continue;
    for (const std::string& name : rule.names) {
      int syscall = ::seccomp_syscall_resolve_name(name.c_str());
      if (syscall == __NR_SCMP_ERROR) continue;  // newer than libseccomp: covered by the ENOSYS range
      if (rule.args.empty() || indexes_distinct(rule.args)) {
        GOCKER_TRY(add_rule(context.get(), action, syscall, rule.args, name));
      } else {
        for (const SeccompArgument& arg : rule.args) GOCKER_TRY(add_rule(context.get(), action, syscall, {arg}, name));
      }
    }
  }

  auto instructions = export_program(context.get());
  if (!instructions) return std::move(instructions).error();
  program.filter = std::move(instructions).value();
  if (profile.default_action.kind != SeccompActionKind::kAllow) {
    program.enosys_stub = enosys_stub(::seccomp_arch_native(), highest_known_syscall());
  }
  return program;
}

std::string seccomp_compiler_identity(SeccompLayout layout) {
  const scmp_version* version = ::seccomp_version();
  return "libseccomp " + std::to_string(version->major) + "." + std::to_string(version->minor) + "." +
         std::to_string(version->micro) + ", program format " + std::to_string(kSeccompProgramFormat) +
         (layout == SeccompLayout::kBinaryTree ? ", binary tree" : ", linear");
}

Status load_seccomp_profile(const SeccompProfile& profile) {
  if (profile.program) return load_seccomp_program(*profile.program);
  auto program = compile_seccomp_program(profile);
  if (!program) return std::move(program).error();
  return load_seccomp_program(*program);
}

}  // namespace gocker::runtime
