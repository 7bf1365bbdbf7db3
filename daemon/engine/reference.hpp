#pragma once
// Docker image references: parsing, normalization and the familiar (short) form for display.
//
// Grammar (github.com/distribution/reference, which Docker uses):
//   reference       := name [ ":" tag ] [ "@" digest ]
//   name            := [ domain "/" ] path-component ( "/" path-component )*     (at most 255 chars)
//   domain          := host [ ":" port ]   host: dns labels joined by ".", or "[" ipv6 "]"
//   path-component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//   tag             := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
//   digest          := "sha256:" 64 hex | "sha384:" 96 hex | "sha512:" 128 hex   (lowercase)
// The first "/"-separated part is a registry domain only if it contains "." or ":", is
// "localhost", or has an uppercase letter; otherwise the name is on Docker Hub ("docker.io"), and a
// single-component Hub name lives under "library/". "index.docker.io" is spelled "docker.io".
//   busybox                 -> docker.io/library/busybox        (+ ":latest" via with_default_tag)
//   me/app:1                -> docker.io/me/app:1
//   localhost:5000/app@sha256:<hex> -> unchanged
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace gocker::engine {

inline constexpr std::string_view kDefaultDomain = "docker.io";
inline constexpr std::string_view kDefaultTag = "latest";

struct Reference {
  std::string domain;  // "docker.io", "localhost:5000", "[::1]:5000"
  std::string path;    // "library/busybox"
  std::string tag;     // empty when none was given
  std::string digest;  // "sha256:<hex>" or empty

  // "docker.io/library/busybox"
  std::string name() const;
  // name [":" tag] ["@" digest]: the normalized form stored in image_tags.
  std::string string() const;
  // "busybox", "me/app", "localhost:5000/app": how Docker shows the name (RepoTags, ps).
  std::string familiar_name() const;
  // familiar_name [":" tag] ["@" digest]
  std::string familiar_string() const;

  friend bool operator==(const Reference&, const Reference&) = default;
};

// Parses and normalizes as Docker's ParseNormalizedNamed: no tag is added. InvalidArgument with
// Docker's "invalid reference format" message for anything the grammar rejects (empty, uppercase
// repository, bad characters, a bare 64-hex id, a malformed tag or digest).
Result<Reference> parse_reference(std::string_view text);

// Adds the "latest" tag when the reference has neither a tag nor a digest (Docker's TagNameOnly).
Reference with_default_tag(Reference reference);

// parse_reference + with_default_tag, as a string: "busybox" -> "docker.io/library/busybox:latest".
Result<std::string> normalize_reference(std::string_view text);

// The familiar form of a normalized reference, for display: "docker.io/library/busybox:latest" ->
// "busybox:latest". Text that does not parse is returned unchanged (display must not fail).
std::string familiar_reference(std::string_view normalized);

}  // namespace gocker::engine
