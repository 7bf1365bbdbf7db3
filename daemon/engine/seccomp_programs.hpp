#pragma once
// Compiled seccomp programs, one file per distinct profile under <root>/seccomp/, named by the
// sha256 of the profile and of what compiled it. A container's config.json points its init at the
// file (runtime::kSeccompProgramKey), so libseccomp runs once per profile in gockerd instead of in
// every container start; files left by an earlier gockerd of the same build are reused.
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "base/result.hpp"

namespace gocker::engine {

class SeccompPrograms {
 public:
  explicit SeccompPrograms(std::string directory) : directory_(std::move(directory)) {}

  // Compiles (or finds) the program for config.json's linux.seccomp object and adds its path to
  // the object. Safe from any thread; a first compile of a profile holds the others back.
  Status attach_program(nlohmann::json& oci_seccomp);

  // linux.seccomp as config.json text, with its program attached. Remembered per profile object
  // while that object lives, so a shared profile (the built-in one for a capability set) is
  // serialized, hashed and looked up once instead of at every start.
  Result<std::shared_ptr<const std::string>> text_with_program(const std::shared_ptr<const nlohmann::json>& profile);

 private:
  struct Serialized {
    std::weak_ptr<const nlohmann::json> profile;  // expired: the address may hold another profile now
    std::shared_ptr<const std::string> text;
  };
  std::string directory_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::string> paths_;  // key -> file, for programs made or checked
  std::unordered_map<const nlohmann::json*, Serialized> texts_;
};

}  // namespace gocker::engine
