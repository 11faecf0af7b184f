// An fp32 overflow is a violation (issue #13, item 9): normal(std=1e40) stores every weight as
// inf, so `precision` (checked at fp32 when the oracle predicts the signal overflows) is
// violated, and the human output prints no value as "nan".

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "cli_run.hpp"

namespace initcheck::cli::testing {
namespace {

const std::regex kNanWord(R"(\bnan\b)", std::regex::icase);  // not the "nan" of "dominance"

TEST(Fp32Overflow, IsAViolationWithoutNanValues) {
  const std::string args = "check --init 'normal(std=1e40)' --activation relu --depth 3";
  const CliRun r = run_initcheck(args);
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("precision   violated"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("overflow"), std::string::npos) << r.out;
  EXPECT_FALSE(std::regex_search(r.out, kNanWord)) << r.out;
  // Only the overflow claims: the verdict does not hinge on `drift`'s exact norm chain.
  const CliRun only = run_initcheck(args + " --claims variance,precision,mean,dominance");
  EXPECT_EQ(only.code, 1) << only.out << only.err;
  // JSON has the encoding of results.jsonl (issue #14): a value with nothing to report (no
  // prediction; the overflowed layers' std) is the string "nan", never null or a bare NaN.
  const CliRun json = run_initcheck(args + " --json");
  EXPECT_EQ(json.code, 1) << json.err;
  EXPECT_NE(json.out.find("\"verdict\": \"violated\""), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"nan\""), std::string::npos) << json.out;
  const std::regex kUnquotedNan(R"((^|[^"])\bnan\b)", std::regex::icase);
  EXPECT_FALSE(std::regex_search(json.out, kUnquotedNan)) << json.out;
  EXPECT_EQ(json.out.find("null"), std::string::npos) << json.out;
}

TEST(Fp32Overflow, PrecisionStaysUncheckedAtFp32WhenNothingOverflows) {
  const CliRun r = run_initcheck(
      "check --init kaiming_normal --activation relu --depth 2 --width 16 --batch 8 "
      "--replicates 2 --claims precision");
  // Listed as not checked (or, where a selected claim that cannot apply is refused, named).
  EXPECT_NE((r.out + r.err).find("fp32 storage: only overflow is observable"), std::string::npos)
      << r.out << r.err;
}

}  // namespace
}  // namespace initcheck::cli::testing
