#include "engine/seccomp_programs.hpp"

#include <unistd.h>

#include "base/filesystem.hpp"
#include "engine/image_store.hpp"
#include "runtime/file_util.hpp"
#include "runtime/security/seccomp_filter.hpp"
#include "runtime/security/security_config.hpp"

namespace gocker::engine {

using nlohmann::json;

namespace {
// Compiled once per profile, loaded at every container start (runtime/security/seccomp_filter.hpp).
constexpr auto kLayout = runtime::SeccompLayout::kBinaryTree;
}  // namespace

Status SeccompPrograms::attach_program(json& oci_seccomp) {
  oci_seccomp.erase(runtime::kSeccompProgramKey);
  // The compiler's identity is part of the key: a program from another libseccomp or format is
  // never taken for this one.
  const std::string digest = sha256_digest(oci_seccomp.dump() + "\n" + runtime::seccomp_compiler_identity(kLayout));
  const std::string key = digest.substr(digest.find(':') + 1);

  std::lock_guard lock(mutex_);
  auto known = paths_.find(key);
  if (known == paths_.end()) {
    const std::string path = directory_ + "/" + key + ".bpf";
    auto existing = runtime::read_seccomp_program(path);
    if (!existing) {
      runtime::ProcessSecurity parsed;
      GOCKER_TRY(runtime::decode_process_security(json{{"seccomp", oci_seccomp}}, parsed));
      auto program = runtime::compile_seccomp_program(*parsed.seccomp, kLayout);
      if (!program) return std::move(program).error().context("compile seccomp profile");
      GOCKER_TRY(make_directory(directory_, 0700));
      GOCKER_TRY(runtime::write_file_atomically(path, runtime::serialize_seccomp_program(*program)));
    }
    known = paths_.emplace(key, path).first;
  }
  oci_seccomp[runtime::kSeccompProgramKey] = known->second;
  return ok();
}

Result<std::shared_ptr<const std::string>> SeccompPrograms::text_with_program(const std::shared_ptr<const json>& profile) {
  // A profile made for one request (a custom --security-opt seccomp) is seen once; the bound keeps
  // a stream of them from growing the table.
  constexpr size_t kMaxRemembered = 64;
  {
    std::lock_guard lock(mutex_);
    if (auto known = texts_.find(profile.get()); known != texts_.end() && known->second.profile.lock() == profile)
      return known->second.text;
  }
  json attached = *profile;
  GOCKER_TRY(attach_program(attached));
  auto text = std::make_shared<const std::string>(attached.dump());
  std::lock_guard lock(mutex_);
  if (texts_.size() >= kMaxRemembered) std::erase_if(texts_, [](const auto& entry) { return entry.second.profile.expired(); });
  if (texts_.size() < kMaxRemembered) texts_.insert_or_assign(profile.get(), Serialized{profile, text});
  return text;
}

}  // namespace gocker::engine
