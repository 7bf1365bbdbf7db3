#include "engine/image_changes.hpp"

#include <doctest/doctest.h>

#include "engine/image_naming.hpp"

namespace gocker::engine {

using nlohmann::json;

TEST_CASE("changes: CMD and ENTRYPOINT take the exec and the shell form") {
  json config = json::object();
  REQUIRE(apply_image_changes(config, {R"(CMD ["/bin/sh"])"}));
  CHECK(config["Cmd"] == json::array({"/bin/sh"}));
  REQUIRE(apply_image_changes(config, {"cmd echo hi there"}));
  CHECK(config["Cmd"] == json::array({"/bin/sh", "-c", "echo hi there"}));

  // A new entrypoint drops the inherited command, unless a CMD came first in the same changes.
  REQUIRE(apply_image_changes(config, {R"(ENTRYPOINT ["/init"])"}));
  CHECK(config["Entrypoint"] == json::array({"/init"}));
  CHECK(config["Cmd"].is_null());
  REQUIRE(apply_image_changes(config, {R"(CMD ["a"])", R"(ENTRYPOINT ["/e"])"}));
  CHECK(config["Cmd"] == json::array({"a"}));
  CHECK(config["Entrypoint"] == json::array({"/e"}));
}

TEST_CASE("changes: ENV and LABEL pairs, quoting and the legacy form") {
  json config = {{"Env", {"PATH=/bin", "A=old"}}};
  REQUIRE(apply_image_changes(config, {"ENV A=b C=\"d e\"", "ENV LEGACY some value", "LABEL k=v \"x y\"=z"}));
  CHECK(config["Env"] == json::array({"PATH=/bin", "A=b", "C=d e", "LEGACY=some value"}));
  CHECK(config["Labels"] == json{{"k", "v"}, {"x y", "z"}});

  auto words = split_change_words(R"(a "b c" 'd \e' f\ g)");
  REQUIRE(words);
  CHECK(*words == std::vector<std::string>{"a", "b c", "d \\e", "f g"});
  CHECK_FALSE(split_change_words("\"open").has_value());
}

TEST_CASE("changes: ENV and LABEL expand $VAR from the Env before the instruction, as a Dockerfile does") {
  json config = {{"Env", {"PATH=/bin", "HOME=/root", "SPACED=a b"}}};
  REQUIRE(apply_image_changes(config, {"ENV PATH=$PATH:/opt/bin HOMEDIR=${HOME}/x",
                                       "ENV S=$SPACED Q=\"$SPACED!\" LIT='$HOME' ESC=\\$HOME",
                                       "ENV D=${UNSET:-fallback} P=${HOME:+set} E=${UNSET:+no}x",
                                       "LABEL home=$HOME"}));
  CHECK(config["Env"] == json::array({"PATH=/bin:/opt/bin", "HOME=/root", "SPACED=a b", "HOMEDIR=/root/x", "S=a b",
                                      "Q=a b!", "LIT=$HOME", "ESC=$HOME", "D=fallback", "P=set", "E=x"}));
  CHECK(config["Labels"] == json{{"home", "/root"}});
  CHECK_FALSE(apply_image_changes(config, {"ENV X=${HOME"}));
}

TEST_CASE("changes: WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL, ONBUILD, several lines in one change") {
  json config = {{"WorkingDir", "/app"}};
  REQUIRE(apply_image_changes(config, {"WORKDIR sub/../src", "USER 1000:1000\nEXPOSE 80 53/udp 8000-8001",
                                       "VOLUME [\"/data\"]", "VOLUME /a /b", "STOPSIGNAL SIGINT", "ONBUILD RUN x",
                                       "# a comment"}));
  CHECK(config["WorkingDir"] == "/app/src");
  CHECK(config["User"] == "1000:1000");
  CHECK(config["ExposedPorts"] == json{{"80/tcp", json::object()},
                                       {"53/udp", json::object()},
                                       {"8000/tcp", json::object()},
                                       {"8001/tcp", json::object()}});
  CHECK(config["Volumes"] == json{{"/data", json::object()}, {"/a", json::object()}, {"/b", json::object()}});
  CHECK(config["StopSignal"] == "SIGINT");
  CHECK(config["OnBuild"] == json::array({"RUN x"}));
  REQUIRE(apply_image_changes(config, {"WORKDIR /abs"}));
  CHECK(config["WorkingDir"] == "/abs");
}

TEST_CASE("changes: anything else is refused and the config is left as it was") {
  json config = {{"Cmd", {"sh"}}};
  const json before = config;
  auto refused = apply_image_changes(config, {"CMD [\"x\"]", "RUN rm -rf /"});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ErrorKind::InvalidArgument);
  CHECK(refused.error().message.find("RUN is not a valid change command") != std::string::npos);
  CHECK(config == before);
  CHECK_FALSE(apply_image_changes(config, {"EXPOSE 70000"}));
  CHECK_FALSE(apply_image_changes(config, {"EXPOSE 80/xyz"}));
  CHECK_FALSE(apply_image_changes(config, {"ENV"}));
  CHECK_FALSE(apply_image_changes(config, {"ENV =x"}));
  CHECK_FALSE(apply_image_changes(config, {"WORKDIR"}));
  CHECK(config == before);
}

TEST_CASE("tag references from repo and tag parameters") {
  auto plain = tag_reference("mybase", "1");
  REQUIRE(plain);
  CHECK(**plain == "docker.io/library/mybase:1");
  auto in_repo = tag_reference("mybase:2", "");
  REQUIRE(in_repo);
  CHECK(**in_repo == "docker.io/library/mybase:2");
  auto latest = tag_reference("127.0.0.1:5000/me/base", "");
  REQUIRE(latest);
  CHECK(**latest == "127.0.0.1:5000/me/base:latest");
  auto none = tag_reference("", "");
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
  CHECK_FALSE(tag_reference("Upper", "").has_value());
  CHECK_FALSE(tag_reference("a", "bad tag").has_value());
  CHECK_FALSE(tag_reference("a:1", "2").has_value());
  CHECK_FALSE(tag_reference("a@sha256:" + std::string(64, 'a'), "").has_value());
  CHECK_FALSE(tag_reference("", "1").has_value());
}

}  // namespace gocker::engine
