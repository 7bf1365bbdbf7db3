// `gockerctl ps --format`: docker's ContainerContext fields, "table" headers and alignment, {{json .}},
// {{.Label "k"}}, and the template method-call syntax it rests on.
#include <doctest/doctest.h>

#include "inspect_format.hpp"
#include "list_tables.hpp"

using namespace gocker;
using gocker::client::render_container_format;
using gocker::client::render_template;

namespace {

constexpr int64_t kNow = 1'700'000'000;

std::vector<api::ContainerSummary> sample() {
  api::ContainerSummary web;
  web.id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  web.names = {"/web"};
  web.image = "busybox";
  web.command = "sh -c 'while true; do sleep 1; done'";
  web.created = kNow - 300;
  web.state = "running";
  web.status = "Up 5 minutes";
  web.labels = {{"com.example.tier", "front"}, {"app", "shop"}};
  api::ContainerSummary job;
  job.id = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
  job.names = {"/job"};
  job.image = "busybox";
  job.command = "true";
  job.created = kNow - 7200;
  job.state = "exited";
  job.status = "Exited (0) 2 hours ago";
  return {web, job};
}

}  // namespace

TEST_CASE("ps --format prints one line per container with docker's fields") {
  auto out = render_container_format("{{.ID}} {{.Names}} {{.Image}} {{.State}} {{.Status}}", sample(), kNow, true);
  REQUIRE(out.has_value());
  CHECK(*out == "0123456789ab web busybox running Up 5 minutes\nfedcba987654 job busybox exited Exited (0) 2 hours ago\n");

  out = render_container_format("{{.Command}}|{{.RunningFor}}|{{.Labels}}", sample(), kNow, true);
  REQUIRE(out.has_value());
  CHECK(*out == "\"sh -c 'while true; …\"|5 minutes ago|app=shop,com.example.tier=front\n\"true\"|2 hours ago|\n");

  out = render_container_format("{{.ID}}", sample(), kNow, false);
  REQUIRE(out.has_value());
  CHECK(out->substr(0, 65) == sample()[0].id + "\n");
}

TEST_CASE("ps --format {{.Label \"k\"}} reads one label, empty when absent") {
  auto out = render_container_format(R"({{.Names}}={{.Label "com.example.tier"}})", sample(), kNow, true);
  REQUIRE(out.has_value());
  CHECK(*out == "web=front\njob=\n");
}

TEST_CASE("ps --format table prints docker's headers and aligns tab-separated cells") {
  auto out = render_container_format(R"(table {{.Names}}\t{{.Status}})", sample(), kNow, true);
  REQUIRE(out.has_value());
  CHECK(*out ==
        "NAMES     STATUS\n"
        "web       Up 5 minutes\n"
        "job       Exited (0) 2 hours ago\n");
  out = render_container_format(R"(table {{.ID}}\t{{.Label "com.example.tier"}})", sample(), kNow, true);
  REQUIRE(out.has_value());
  CHECK(out->substr(0, out->find('\n')) == "CONTAINER ID   tier");
  // "table" alone is the default table.
  out = render_container_format("table", sample(), kNow, true);
  REQUIRE(out.has_value());
  CHECK(out->substr(0, 12) == "CONTAINER ID");
}

TEST_CASE("ps --format json is {{json .}} with docker's keys") {
  for (const char* format : {"{{json .}}", "json"}) {
    auto out = render_container_format(format, {sample()[1]}, kNow, true);
    REQUIRE(out.has_value());
    auto object = nlohmann::json::parse(*out);
    CHECK(object["ID"] == "fedcba987654");
    CHECK(object["Names"] == "job");
    CHECK(object["State"] == "exited");
    CHECK(object["Command"] == "\"true\"");
    for (const char* key : {"CreatedAt", "Image", "Labels", "LocalVolumes", "Mounts", "Networks", "Ports",
                            "RunningFor", "Size", "Status"})
      CHECK_MESSAGE(object.contains(key), key);
  }
}

TEST_CASE("ps --format refuses what the subset does not support") {
  CHECK_FALSE(render_container_format("{{range .Names}}x{{end}}", sample(), kNow, true).has_value());
  CHECK_FALSE(render_container_format("{{.Nope \"x\"}}", sample(), kNow, true).has_value());
  CHECK_FALSE(render_container_format("{{.Label \"unterminated}}", sample(), kNow, true).has_value());
  CHECK_FALSE(render_container_format("{{.Label \"a\" \"b\"}}", sample(), kNow, true).has_value());
}

TEST_CASE("template method calls take one Go string literal") {
  const nlohmann::ordered_json value = {{"A", 1}};
  auto echo = [](std::string_view name, std::string_view argument) -> std::optional<nlohmann::ordered_json> {
    if (name != "Echo") return std::nullopt;
    return std::string(argument);
  };
  CHECK(*render_template(R"({{.Echo "x\"y\\z"}})", value, echo) == R"(x"y\z)");
  CHECK(*render_template(R"({{json .Echo "q"}})", value, echo) == R"("q")");
  CHECK(*render_template("{{.A}}", value, echo) == "1");
  // Without methods, an argument is unsupported (inspect --format keeps its behaviour).
  CHECK_FALSE(render_template(R"({{.Echo "x"}})", value, {}).has_value());
}
