// Fuzz target: image reference parsing and normalization (engine/reference.hpp), which every
// image route, create, pull, push, tag and the image store's lookups go through with text a
// client chose.
//
// Checked: the normalized form is a fixed point (it parses back to the same reference), and the
// familiar form Docker shows (RepoTags, ps) parses back to the same reference too, so what the
// daemon displays can always be typed back in.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "engine/reference.hpp"

namespace {

using namespace gocker::engine;

[[noreturn]] void fail(const char* what, std::string_view input, const std::string& detail) {
  std::fprintf(stderr, "%s\n  input: \"%.*s\"\n  %s\n", what, static_cast<int>(input.size()), input.data(),
               detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto reference = parse_reference(text);
  auto normalized = normalize_reference(text);
  if (bool(reference) != bool(normalized)) fail("parse and normalize disagree", text, "");
  if (!reference) {
    if (familiar_reference(text) != text) fail("familiar_reference changed text that does not parse", text, "");
    return 0;
  }

  const std::string stored = reference->string();
  auto reparsed = parse_reference(stored);
  if (!reparsed) fail("the normalized form does not parse", text, stored + ": " + reparsed.error().message);
  if (!(*reparsed == *reference))
    fail("the normalized form is not a fixed point", text, stored + " -> " + reparsed->string());

  const std::string familiar = reference->familiar_string();
  auto from_familiar = parse_reference(familiar);
  if (!from_familiar) fail("the familiar form does not parse", text, familiar + ": " + from_familiar.error().message);
  if (!(*from_familiar == *reference))
    fail("the familiar form names another image", text, familiar + " -> " + from_familiar->string());

  if (*normalized != with_default_tag(*reference).string())
    fail("normalize is not parse + default tag", text, *normalized);
  if (familiar_reference(*normalized) != with_default_tag(*reference).familiar_string())
    fail("familiar_reference differs from the parsed reference's familiar form", text, *normalized);
  return 0;
}
