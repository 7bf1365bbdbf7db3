#pragma once
// Docker's human-readable memory sizes (`-m 64m`, `--memory-swap 1g`), parsed as the docker CLI
// does with go-units' RAMInBytes:
//   <digits>[.<digits>] [optional single space] [k|m|g|t|p] [optional i] [optional b]
// Case-insensitive, binary multiples (k = 1024), a fraction is allowed and truncated to whole
// bytes ("1.5k" = 1536). A bare number is bytes. Anything else is an error, never a silent 0.
// No I/O here: the client and the daemon (if it ever takes sizes as text) share it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gocker::api {

// The size in bytes, or nullopt when `text` is not a size (including negative numbers and values
// that do not fit in int64).
std::optional<int64_t> ram_in_bytes(std::string_view text);

// Docker's wording for a rejected size: "invalid size: '<text>'".
std::string invalid_size_message(std::string_view text);

}  // namespace gocker::api
