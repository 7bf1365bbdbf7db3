// Decoding of POST /containers/create bodies (api/container_types.hpp) on hostile numbers.
#include "api/container_types.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "api/stats_types.hpp"

using gocker::api::ContainerCreateRequest;
using nlohmann::json;

namespace {

ContainerCreateRequest decode(const std::string& text) { return json::parse(text).get<ContainerCreateRequest>(); }

}  // namespace

// Found writing the create-config fuzz target: {"HostConfig":{"Memory":1e300}} was cast from double
// to int64_t, which is undefined behaviour (UBSan float-cast-overflow).
TEST_CASE("create: a number an integer field cannot hold is refused, as dockerd refuses it") {
  CHECK_THROWS_AS(decode(R"({"Image":"busybox","HostConfig":{"Memory":1e300}})"), json::type_error);
  CHECK_THROWS_AS(decode(R"({"Image":"busybox","HostConfig":{"NanoCpus":-1e19}})"), json::type_error);
  CHECK_THROWS_AS(decode(R"({"Image":"busybox","HostConfig":{"Memory":1.5}})"), json::type_error);
  CHECK_THROWS_AS(decode(R"({"Image":"busybox","HostConfig":{"Memory":9223372036854775808}})"), json::type_error);
  CHECK_THROWS_AS(decode(R"({"Image":"busybox","HostConfig":{"PidsLimit":1e300}})"), json::type_error);
  CHECK_THROWS_AS(decode(R"({"Image":"busybox","StopTimeout":1e300})"), json::type_error);
  // Narrower fields: an int is not silently wrapped (2^32 + 100 used to become 100).
  CHECK_THROWS_AS(decode(R"({"Image":"busybox","HostConfig":{"OomScoreAdj":4294967396}})"), json::type_error);
  CHECK_THROWS_AS(decode(R"({"Image":"busybox","StopTimeout":2147483648})"), json::type_error);
  try {
    decode(R"({"Image":"busybox","HostConfig":{"Memory":1.5}})");
  } catch (const json::type_error& e) {
    CHECK(std::string(e.what()).find("Memory: number 1.5 is not an integer") != std::string::npos);
  }
  CHECK_THROWS_AS(json::parse(R"({"Memory":1e300})").get<gocker::api::ContainerUpdateRequest>(), json::type_error);
}

TEST_CASE("create: integers, limits and integral floats in range are taken") {
  auto request = decode(R"({"Image":"busybox","StopTimeout":-1,"HostConfig":{"Memory":9223372036854775807,
      "MemorySwap":-1,"CpuShares":1024.0,"PidsLimit":-9223372036854775808,"OomScoreAdj":-1000,
      "RestartPolicy":{"Name":"on-failure","MaximumRetryCount":2147483647}}})");
  CHECK(request.host_config.memory == 9223372036854775807);
  CHECK(request.host_config.memory_swap == -1);
  CHECK(request.host_config.cpu_shares == 1024);
  CHECK(request.host_config.pids_limit == std::numeric_limits<int64_t>::min());
  CHECK(request.host_config.oom_score_adj == -1000);
  CHECK(request.host_config.restart_policy.maximum_retry_count == 2147483647);
  CHECK(request.config.stop_timeout == -1);
}
