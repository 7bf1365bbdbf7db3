#include "engine/image_config.hpp"

#include <doctest/doctest.h>

namespace gocker::engine {

using nlohmann::json;

TEST_CASE("image config: a commit keeps the parent's layers and history and adds one of each") {
  const json parent = {
      {"architecture", "amd64"},
      {"os", "linux"},
      {"created", "2024-01-01T00:00:00Z"},
      {"config", {{"Env", {"PATH=/bin"}}, {"Cmd", {"sh"}}, {"ExposedPorts", {{"80/tcp", json::object()}}}}},
      {"rootfs", {{"type", "layers"}, {"diff_ids", {"sha256:aaa"}}}},
      {"history", {{{"created", "2024-01-01T00:00:00Z"}, {"created_by", "base"}}}},
  };
  api::ContainerConfig container;
  container.env = {"PATH=/bin", "X=1"};
  container.cmd = {"sh", "-c", "echo data > /f"};
  container.working_dir = "/w";
  container.labels = {{"k", "v"}};
  json defaults = committed_defaults(parent["config"], container);
  CHECK(defaults["Env"] == json::array({"PATH=/bin", "X=1"}));
  CHECK(defaults["Cmd"] == json::array({"sh", "-c", "echo data > /f"}));
  CHECK(defaults["Entrypoint"].is_null());
  CHECK(defaults["WorkingDir"] == "/w");
  CHECK(defaults["Labels"] == json{{"k", "v"}});
  CHECK(defaults["ExposedPorts"] == json{{"80/tcp", json::object()}});  // kept from the parent

  NewLayerInfo layer{"sha256:bbb", "2025-02-03T04:05:06.000000007Z", "sh -c echo data > /f", "me", "msg", "c0ffee"};
  json config = derive_image_config(parent, defaults, layer);
  CHECK(config["architecture"] == "amd64");
  CHECK(config["os"] == "linux");
  CHECK(config["created"] == "2025-02-03T04:05:06.000000007Z");
  CHECK(config["author"] == "me");
  CHECK(config["comment"] == "msg");
  CHECK(config["container"] == "c0ffee");
  CHECK(config["rootfs"] == json{{"type", "layers"}, {"diff_ids", {"sha256:aaa", "sha256:bbb"}}});
  REQUIRE(config["history"].size() == 2);
  CHECK(config["history"][1] == json{{"created", "2025-02-03T04:05:06.000000007Z"},
                                     {"created_by", "sh -c echo data > /f"},
                                     {"author", "me"},
                                     {"comment", "msg"}});
  CHECK(config["config"] == defaults);
}

TEST_CASE("image config: a commit without changes adds a history entry and no layer") {
  const json parent = {{"rootfs", {{"type", "layers"}, {"diff_ids", {"sha256:aaa"}}}},
                       {"history", {{{"created", "2024-01-01T00:00:00Z"}, {"created_by", "base"}}}}};
  NewLayerInfo layer;
  layer.created = "2025-01-01T00:00:00Z";
  layer.created_by = "true";
  layer.empty_layer = true;
  json config = derive_image_config(parent, json::object(), layer);
  CHECK(config["rootfs"]["diff_ids"] == json::array({"sha256:aaa"}));
  REQUIRE(config["history"].size() == 2);
  CHECK(config["history"][1]["empty_layer"] == true);
  auto rows = image_history(config, "sha256:x", {}, {5});
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].size == 0);
  CHECK(rows[1].size == 5);
}

TEST_CASE("image config: an import starts from nothing") {
  NewLayerInfo layer;
  layer.diff_id = "sha256:ccc";
  layer.created = "2025-01-01T00:00:00Z";
  layer.comment = "Imported from -";
  json config = derive_image_config(nullptr, json{{"Cmd", {"/bin/sh"}}}, layer);
  CHECK(config["architecture"] == image_architecture());
  CHECK(config["rootfs"]["diff_ids"] == json::array({"sha256:ccc"}));
  CHECK(config["history"] == json::array({{{"created", "2025-01-01T00:00:00Z"}, {"created_by", ""}, {"comment", "Imported from -"}}}));
  CHECK(config["config"]["Cmd"] == json::array({"/bin/sh"}));
  CHECK_FALSE(config.contains("author"));
}

TEST_CASE("image history: newest first, sizes per layer, empty layers, the id and tags on top") {
  const json config = {
      {"created", "2025-01-01T00:00:10Z"},
      {"history",
       {{{"created", "2025-01-01T00:00:00Z"}, {"created_by", "base"}},
        {{"created", "2025-01-01T00:00:05Z"}, {"created_by", "env"}, {"empty_layer", true}},
        {{"created", "2025-01-01T00:00:10Z"}, {"created_by", "commit"}, {"comment", "c"}}}},
  };
  auto rows = image_history(config, "sha256:top", {"mybase:2"}, {100, 20});
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].id == "sha256:top");
  CHECK(rows[0].tags == std::vector<std::string>{"mybase:2"});
  CHECK(rows[0].created_by == "commit");
  CHECK(rows[0].comment == "c");
  CHECK(rows[0].size == 20);
  CHECK(rows[0].created == 1735689610);
  CHECK(rows[1].id == "<missing>");
  CHECK(rows[1].size == 0);
  CHECK(rows[1].tags.empty());
  CHECK(rows[2].created_by == "base");
  CHECK(rows[2].size == 100);

  json wire = rows[1];
  CHECK(wire == json{{"Id", "<missing>"}, {"Created", 1735689605}, {"CreatedBy", "env"}, {"Tags", nullptr},
                     {"Size", 0}, {"Comment", ""}});

  // No history at all: one row per layer.
  auto bare = image_history(json{{"created", "2025-01-01T00:00:00Z"}}, "sha256:x", {}, {7});
  REQUIRE(bare.size() == 1);
  CHECK(bare[0].id == "sha256:x");
  CHECK(bare[0].size == 7);
}

}  // namespace gocker::engine
