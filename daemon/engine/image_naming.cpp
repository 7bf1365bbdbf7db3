#include "engine/image_naming.hpp"

#include "base/strings.hpp"
#include "engine/reference.hpp"

namespace gocker::engine {

Result<std::optional<std::string>> tag_reference(std::string_view repo, std::string_view tag) {
  if (repo.empty()) {
    if (!tag.empty()) return Error::invalid("a tag needs a repository name: " + quoted(std::string(tag)));
    return std::optional<std::string>{};
  }
  auto parsed = parse_reference(repo);
  if (!parsed) return std::move(parsed).error();
  Reference reference = std::move(parsed).value();
  if (!reference.digest.empty()) return Error::invalid("refusing to create a tag with a digest reference");
  if (!tag.empty()) {
    if (!reference.tag.empty())
      return Error::invalid("the repository " + quoted(std::string(repo)) + " already names a tag; cannot add " +
                            quoted(std::string(tag)));
    // Checked by the reference grammar itself: "name:tag" must parse with the same name.
    auto with_tag = parse_reference(reference.name() + ":" + std::string(tag));
    if (!with_tag || with_tag->tag != tag) return Error::invalid("invalid tag format: " + quoted(std::string(tag)));
    reference.tag = std::string(tag);
  }
  return std::optional<std::string>(with_default_tag(std::move(reference)).string());
}

}  // namespace gocker::engine
