#include "format.hpp"

#include <doctest/doctest.h>

#include "list_tables.hpp"

using namespace gocker::client;
using std::chrono::seconds;

TEST_CASE("human_duration words durations like go-units") {
  CHECK(human_duration(seconds(0)) == "Less than a second");
  CHECK(human_duration(seconds(-3)) == "Less than a second");
  CHECK(human_duration(seconds(1)) == "1 second");
  CHECK(human_duration(seconds(5)) == "5 seconds");
  CHECK(human_duration(seconds(59)) == "59 seconds");
  CHECK(human_duration(seconds(60)) == "About a minute");
  CHECK(human_duration(seconds(119)) == "About a minute");
  CHECK(human_duration(seconds(120)) == "2 minutes");
  CHECK(human_duration(seconds(59 * 60 + 59)) == "59 minutes");
  CHECK(human_duration(seconds(3600)) == "About an hour");
  CHECK(human_duration(seconds(3600 + 1799)) == "About an hour");
  CHECK(human_duration(seconds(3600 + 1800)) == "2 hours");
  CHECK(human_duration(seconds(47 * 3600)) == "47 hours");
  CHECK(human_duration(seconds(48 * 3600)) == "2 days");
  CHECK(human_duration(seconds(14 * 24 * 3600)) == "2 weeks");
  CHECK(human_duration(seconds(60 * 24 * 3600)) == "2 months");
  CHECK(human_duration(seconds(2 * 365 * 24 * 3600)) == "2 years");
  CHECK(time_ago(1000, 1005) == "5 seconds ago");
}

TEST_CASE("sizes as docker images and info print them") {
  CHECK(human_size(0) == "0B");
  CHECK(human_size(999) == "999B");
  CHECK(human_size(1000) == "1kB");
  CHECK(human_size(2174523) == "2.17MB");
  CHECK(human_size(1.5e9) == "1.5GB");
  CHECK(binary_size(4012345678.0) == "3.737GiB");
  CHECK(binary_size(1024) == "1KiB");
}

TEST_CASE("ellipsis cuts to a display width with a trailing …") {
  CHECK(ellipsis("short", 20) == "short");
  CHECK(ellipsis("exactly twenty chars", 20) == "exactly twenty chars");
  CHECK(ellipsis("sleep 1000 with a long tail", 20) == "sleep 1000 with a l\u2026");
  CHECK(ellipsis("\u00e9\u00e9\u00e9\u00e9", 3) == "\u00e9\u00e9\u2026");
  CHECK(display_width("\u00e9t\u00e9") == 3);
}

TEST_CASE("go_quote escapes like strconv.Quote") {
  CHECK(go_quote("sh -c 'echo $$'") == "\"sh -c 'echo $$'\"");
  CHECK(go_quote("say \"hi\"\\") == "\"say \\\"hi\\\"\\\\\"");
  CHECK(go_quote("a\nb\tc\x01") == "\"a\\nb\\tc\\x01\"");
  CHECK(go_quote("caf\u00e9") == "\"caf\u00e9\"");
}

TEST_CASE("short_id drops the digest prefix and keeps 12 characters") {
  CHECK(short_id("sha256:0123456789abcdef0123") == "0123456789ab");
  CHECK(short_id("0123456789abcdef") == "0123456789ab");
  CHECK(short_id("abc") == "abc");
}

TEST_CASE("format_table pads like docker's tabwriter: min 10, padding 3, last column bare") {
  std::string table = format_table({{"CONTAINER ID", "IMAGE", "NAMES"}, {"0123456789ab", "busybox", "web"}});
  CHECK(table ==
        "CONTAINER ID   IMAGE     NAMES\n"
        "0123456789ab   busybox   web\n");
  // Widths count characters, not bytes.
  CHECK(format_table({{"\u2026\u2026", "x"}, {"a", "y"}}) == "\u2026\u2026        x\na         y\n");
}

TEST_CASE("the ps table matches docker's layout") {
  gocker::api::ContainerSummary web;
  web.id = std::string(64, 'b');
  web.names = {"/web"};
  web.image = "busybox";
  web.command = "sleep 1000 with a long tail";
  web.created = 995;
  web.status = "Up 5 seconds";
  CHECK(format_table(container_table({web}, 1000, /*truncate=*/true)) ==
        "CONTAINER ID   IMAGE     COMMAND                  CREATED         STATUS         PORTS     NAMES\n"
        "bbbbbbbbbbbb   busybox   \"sleep 1000 with a l\u2026\"   5 seconds ago   Up 5 seconds             web\n");
  auto full = container_table({web}, 1000, /*truncate=*/false);
  CHECK(full[1][0] == web.id);
  CHECK(full[1][2] == "\"sleep 1000 with a long tail\"");
  CHECK(format_table(container_table({}, 1000, true)) ==
        "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n");
}

TEST_CASE("the images table has a row per tag and <none> without tags") {
  gocker::api::ImageSummary busybox;
  busybox.id = "sha256:" + std::string(64, 'c');
  busybox.repo_tags = {"busybox:latest", "localhost:5000/tools/busybox:1.36"};
  busybox.created = 1000 - 30 * 3600;
  busybox.size = 2174523;
  gocker::api::ImageSummary untagged;
  untagged.id = "sha256:" + std::string(64, 'd');
  untagged.created = 1000;
  untagged.size = 10;
  auto rows = image_table({busybox, untagged}, 1000, /*truncate=*/true);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0] == std::vector<std::string>{"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"});
  CHECK(rows[1] == std::vector<std::string>{"busybox", "latest", "cccccccccccc", "30 hours ago", "2.17MB"});
  CHECK(rows[2][0] == "localhost:5000/tools/busybox");
  CHECK(rows[2][1] == "1.36");
  CHECK(rows[3] == std::vector<std::string>{"<none>", "<none>", "dddddddddddd", "Less than a second ago", "10B"});
}

TEST_CASE("display_names strips the API's leading slash") {
  CHECK(display_names({"/web"}) == "web");
  CHECK(display_names({"/a", "/b"}) == "a,b");
  CHECK(display_names({}) == "");
}
