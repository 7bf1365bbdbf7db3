#include "network/nftables_session.hpp"

#include <nftables/libnftables.h>

#include <memory>
#include <mutex>

#include "base/shared_library.hpp"
#include "base/strings.hpp"

namespace gocker::network {
namespace {

// The soname of Debian's libnftables1, whose headers libnftables-dev provides.
constexpr const char* kLibrary = "libnftables.so.1";

// The entry points gockerd calls.
struct NftablesApi {
  decltype(&nft_ctx_new) ctx_new = nullptr;
  decltype(&nft_ctx_free) ctx_free = nullptr;
  decltype(&nft_ctx_buffer_output) buffer_output = nullptr;
  decltype(&nft_ctx_buffer_error) buffer_error = nullptr;
  decltype(&nft_ctx_get_error_buffer) error_buffer = nullptr;
  decltype(&nft_run_cmd_from_buffer) run_from_buffer = nullptr;
};

Result<NftablesApi> resolve_api(const SharedLibrary& library) {
  NftablesApi api;
  GOCKER_TRY(library.resolve("nft_ctx_new", api.ctx_new));
  GOCKER_TRY(library.resolve("nft_ctx_free", api.ctx_free));
  GOCKER_TRY(library.resolve("nft_ctx_buffer_output", api.buffer_output));
  GOCKER_TRY(library.resolve("nft_ctx_buffer_error", api.buffer_error));
  GOCKER_TRY(library.resolve("nft_ctx_get_error_buffer", api.error_buffer));
  GOCKER_TRY(library.resolve("nft_run_cmd_from_buffer", api.run_from_buffer));
  return api;
}

}  // namespace

Status run_nftables(const std::string& commands, const std::string& what) {
  // libnftables keeps per-context state (caches, buffers): one context per call, and calls
  // serialized so two rewrites of the table never interleave.
  static std::mutex mutex;
  std::lock_guard lock(mutex);

  auto library = SharedLibrary::open(kLibrary);
  if (!library) return std::move(library).error().context(what);
  auto api = resolve_api(library.value());
  if (!api) return std::move(api).error().context(what);

  // Declared after the library, so the context is freed before the library closes.
  std::unique_ptr<nft_ctx, decltype(api->ctx_free)> context{api->ctx_new(NFT_CTX_DEFAULT), api->ctx_free};
  if (!context) return Error::internal(what + ": cannot create an nftables context");
  api->buffer_output(context.get());
  api->buffer_error(context.get());
  if (api->run_from_buffer(context.get(), commands.c_str()) != 0) {
    const char* message = api->error_buffer(context.get());
    return Error::internal(what + ": " + trim(message != nullptr ? message : "nftables failed"));
  }
  return ok();
}

}  // namespace gocker::network
