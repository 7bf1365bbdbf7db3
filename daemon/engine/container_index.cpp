#include "engine/container_index.hpp"

#include "base/strings.hpp"

namespace gocker::engine {

Status ContainerIndex::add(const std::string& id, const std::string& name) {
  if (auto it = id_by_name_.find(name); it != id_by_name_.end())
    return Error::conflict("Conflict. The container name \"/" + name + "\" is already in use by container \"" +
                           it->second + "\". You have to remove (or rename) that container to be able to reuse that name.");
  if (name_by_id_.count(id)) return Error::conflict("container id " + id + " already exists");
  name_by_id_.emplace(id, name);
  id_by_name_.emplace(name, id);
  return ok();
}

void ContainerIndex::remove(const std::string& id) {
  auto it = name_by_id_.find(id);
  if (it == name_by_id_.end()) return;
  id_by_name_.erase(it->second);
  name_by_id_.erase(it);
}

Result<std::string> ContainerIndex::resolve(const std::string& raw_ref) const {
  std::string ref = raw_ref;
  // Docker accepts "/name" as well as "name".
  if (!ref.empty() && ref[0] == '/') ref.erase(0, 1);
  if (ref.empty()) return Error::not_found("No such container: " + raw_ref);
  if (name_by_id_.count(ref)) return ref;
  if (auto it = id_by_name_.find(ref); it != id_by_name_.end()) return it->second;
  auto first = name_by_id_.lower_bound(ref);
  if (first == name_by_id_.end() || !starts_with(first->first, ref)) return Error::not_found("No such container: " + raw_ref);
  auto second = std::next(first);
  if (second != name_by_id_.end() && starts_with(second->first, ref))
    return Error::invalid("multiple IDs found with provided prefix: " + raw_ref);
  return first->first;
}

std::vector<std::string> ContainerIndex::ids() const {
  std::vector<std::string> out;
  out.reserve(name_by_id_.size());
  for (const auto& [id, name] : name_by_id_) out.push_back(id);
  return out;
}

}  // namespace gocker::engine
