// A doctest listener that tells the harness about failures, so a failing test prints the logs of
// the daemons it was talking to (while they still exist) and their destructors dump the rest.
#include <doctest/doctest.h>

#include "harness.hpp"

namespace gocker::test {
namespace {

class FailureListener : public doctest::IReporter {
 public:
  explicit FailureListener(const doctest::ContextOptions&) {}

  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {}
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats& stats) override {
    if (!stats.testCaseSuccess) dump_live_daemon_logs("test case failed");
  }
  void test_case_exception(const doctest::TestCaseException&) override { note_failure(); }
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData& data) override {
    if (data.m_failed) note_failure();
  }
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

}  // namespace
}  // namespace gocker::test

REGISTER_LISTENER("gocker-failures", 1, gocker::test::FailureListener);
