#pragma once
// Finds containers the way Docker does: full id, then exact name, then a unique id prefix. Kept in
// memory (a sorted map makes a prefix lookup one lower_bound, not a scan). Not thread-safe: the
// engine guards it with its registry mutex.
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"

namespace gocker::engine {

class ContainerIndex {
 public:
  // Conflict (Docker's wording) when the name is taken; the id must be new.
  Status add(const std::string& id, const std::string& name);
  void remove(const std::string& id);
  // NotFound "No such container: <ref>"; InvalidArgument for an ambiguous prefix.
  Result<std::string> resolve(const std::string& ref) const;
  bool has_name(const std::string& name) const { return id_by_name_.count(name) != 0; }
  std::vector<std::string> ids() const;
  size_t size() const { return name_by_id_.size(); }

 private:
  std::map<std::string, std::string> name_by_id_;
  std::unordered_map<std::string, std::string> id_by_name_;
};

}  // namespace gocker::engine
