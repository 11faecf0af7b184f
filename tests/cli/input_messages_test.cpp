// Bad input is exit 2 with one stderr line naming the problem (issue #13, items 8 and 11): values
// CLI11 alone would wrap, clamp or read as 0; flags that would be ignored; input echoed in a
// message; unknown subcommands; a failed write of the output.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "cli_run.hpp"
#include "initcheck/claims/check_request.hpp"

namespace initcheck::cli::testing {
namespace {

const std::string kCheck = "check --init kaiming_normal --activation relu ";

/// Exit 2, exactly one line on stderr, containing every piece of `expected`.
void expect_one_line_error(const CliRun& r, std::initializer_list<const char*> expected) {
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(line_count(r.err), 1) << r.err;
  for (const char* piece : expected) EXPECT_NE(r.err.find(piece), std::string::npos) << r.err;
}

// The version comes from CMake's project(VERSION), not a string in the sources.
TEST(Version, IsTheProjectVersion) {
  const CliRun r = run_initcheck("--version");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, std::string("initcheck ") + INITCHECK_VERSION + "\n");
}

TEST(StrictNumbers, SeedMustBeADecimalIntegerThatFits) {
  expect_one_line_error(run_initcheck(kCheck + "--seed -1"), {"--seed", "-1 is negative"});
  expect_one_line_error(run_initcheck(kCheck + "--seed 18446744073709551616"),
                        {"--seed", "18446744073709551616 is out of range"});
  expect_one_line_error(run_initcheck(kCheck + "--seed ''"), {"--seed", "empty value"});
  expect_one_line_error(run_initcheck(kCheck + "--seed 0x10"),
                        {"--seed", "'0x10' is not an integer"});
}

TEST(StrictNumbers, OverLongIntegersAreOutOfRangeNotClamped) {
  for (const char* flag : {"--width", "--batch", "--depth", "--replicates"}) {
    const CliRun r = run_initcheck(kCheck + flag + " 99999999999999999999");
    expect_one_line_error(r, {flag, "99999999999999999999 is out of range"});
    EXPECT_EQ(r.err.find("9223372036854775807"), std::string::npos) << r.err;
  }
  // Fits in 64 bits but not in --depth's 32-bit integer.
  expect_one_line_error(run_initcheck(kCheck + "--depth 3000000000"),
                        {"--depth", "3000000000 is out of range"});
  expect_one_line_error(run_initcheck(kCheck + "--widths 8,99999999999999999999"),
                        {"--widths", "99999999999999999999 is out of range"});
}

TEST(StrictNumbers, LeadingZerosAreDecimalNotOctal) {
  const CliRun r = run_initcheck(kCheck +
                                 "--width 010 --depth 1 --batch 4 --replicates 2 "
                                 "--claims variance");
  EXPECT_NE(r.out.find("width 10,"), std::string::npos) << r.out << r.err;
}

TEST(StrictNumbers, EmptyOrMalformedNumbersAreRejected) {
  expect_one_line_error(run_initcheck(kCheck + "--tolerance ''"), {"--tolerance", "empty value"});
  expect_one_line_error(run_initcheck(kCheck + "--alpha 1e-3x"), {"--alpha", "'1e-3x'"});
}

TEST(StrictNumbers, NegativeJobsIsNamedPlainly) {
  const CliRun r = run_initcheck("report --jobs -1");
  expect_one_line_error(r, {"--jobs", "-1 is negative"});
  EXPECT_EQ(r.err.find("1797693"), std::string::npos) << r.err;  // DBL_MAX's digits
}

TEST(IgnoredFlags, DepthWithWidthsIsAConflict) {
  expect_one_line_error(run_initcheck(kCheck + "--widths 32,32,32 --depth 5"),
                        {"--depth", "--widths", "sets the depth"});
  // --width too (the same rule of the request-field table, claims/request_fields.hpp).
  expect_one_line_error(run_initcheck(kCheck + "--width 8 --widths 32,32,32"),
                        {"--width conflicts with --widths", "every width"});
}

TEST(IgnoredFlags, ArchitectureSpecificFlagsNeedTheirArchitecture) {
  expect_one_line_error(run_initcheck(kCheck + "--kernel 5"), {"--kernel", "--arch conv"});
  expect_one_line_error(run_initcheck(kCheck + "--spatial 8"), {"--spatial", "--arch conv"});
  expect_one_line_error(run_initcheck(kCheck + "--branch-scale 0.5"),
                        {"--branch-scale", "--arch resnet"});
  expect_one_line_error(run_initcheck(kCheck + "--arch conv --branch-scale 0.5"),
                        {"--branch-scale", "--arch resnet"});
}

TEST(IgnoredFlags, ReproduceLineOmitsFlagsTheArchitectureIgnores) {
  claims::CheckRequest mlp;
  mlp.branch_scale = "0.5";  // e.g. a sweep cell's default
  EXPECT_EQ(claims::reproduce_command(mlp).find("branch-scale"), std::string::npos);
  claims::CheckRequest resnet = mlp;
  resnet.arch = "resnet";
  EXPECT_NE(claims::reproduce_command(resnet).find("--branch-scale 0.5"), std::string::npos);
}

/// A newline or tab in an init spec (whitespace to the spec grammar) keeps the reproduce line
/// one line, and a POSIX shell (/bin/sh: dash on Debian) turns it back into the same bytes; the
/// reproduced run is the same check.
TEST(ReproduceLine, ControlCharactersStayOneLineAndRoundTripThroughSh) {
  claims::CheckRequest request;
  request.init = "normal(\n  std = 0.5,\tmean = 0) ";
  request.depth = 2;
  request.width = 8;
  const std::string command = claims::reproduce_command(request);
  EXPECT_EQ(command.find_first_of("\n\t"), std::string::npos) << command;
  // The shell hands the arguments to printf instead of initcheck; --init's is the next one.
  const std::string args = command.substr(std::string("initcheck").size());
  const std::string echoed_path = scratch_path(".args");
  ASSERT_EQ(std::system(("printf '%s|' " + args + " >" + echoed_path).c_str()), 0) << command;
  const std::string echoed = read_file(echoed_path);
  EXPECT_NE(echoed.find("|--init|" + request.init + "|"), std::string::npos) << command << "\n"
                                                                             << echoed;
  const CliRun reproduced = run_initcheck(args.substr(1) + " --json");
  const CliRun direct = run_initcheck("check --init '" + request.init +
                                      "' --activation relu --depth 2 --width 8 --json");
  EXPECT_TRUE(reproduced.code == 0 || reproduced.code == 1) << command << "\n" << reproduced.err;
  EXPECT_EQ(reproduced.code, direct.code);
  EXPECT_EQ(reproduced.out, direct.out);
}

TEST(Messages, ControlCharactersInInputAreEscaped) {
  const CliRun r = run_initcheck(kCheck + "--arch 'x\ny\tz'");
  expect_one_line_error(r, {"'x\\ny\\tz'"});
}

TEST(Messages, Utf8NamesAreReportedWhole) {
  expect_one_line_error(run_initcheck("check --init 'nörmal(std=1)' --activation relu"),
                        {"unknown init scheme 'nörmal' at column 1"});
  // Columns count characters: the bad parameter starts at character 8.
  expect_one_line_error(run_initcheck("check --init 'normal(stö=1)' --activation relu"),
                        {"unknown parameter 'stö' at column 8"});
  // Bytes that are not UTF-8 are shown as \xNN, never raw.
  expect_one_line_error(run_initcheck("check --init \"$(printf 'n\\377')\" --activation relu"),
                        {"'n\\xff'"});
}

TEST(Messages, UnknownSubcommandIsNamed) {
  expect_one_line_error(run_initcheck("frobnicate --width 3"),
                        {"unknown subcommand 'frobnicate'", "schemes", "theory"});
}

TEST(Messages, FailedWriteOfTheOutputGivesTheReason) {
  const CliRun r = run_initcheck("schemes", "/dev/full");
  expect_one_line_error(r, {"cannot write standard output", "No space left on device"});
  const CliRun help = run_initcheck("--help", "/dev/full");
  EXPECT_EQ(help.code, 2) << help.err;
}

TEST(Messages, FailedWriteOfAReportFileGivesTheReason) {
  // A file-size limit of 1 KiB with SIGXFSZ ignored (inherited through exec) makes writing the
  // report's files fail with EFBIG, as a full disk fails them with ENOSPC.
  const std::string sweep = scratch_path(".yaml");
  std::ofstream(sweep) << "blocks:\n  - {init: kaiming_normal, activation: relu, depth: 2, "
                          "width: 8, batch: 8, replicates: 2, claims: [variance]}\n";
  const std::string err = scratch_path(".err");
  const std::string cmd = "trap '' XFSZ; ulimit -f 2; " + std::string(INITCHECK_BINARY) +
                          " report --sweep " + sweep + " --out " + scratch_path("_out") +
                          " >/dev/null 2>" + err;
  const int status = std::system(cmd.c_str());
  const std::string message = read_file(err);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << message;
  EXPECT_EQ(line_count(message), 1) << message;
  EXPECT_NE(message.find("cannot write"), std::string::npos) << message;
  EXPECT_NE(message.find("File too large"), std::string::npos) << message;
}

}  // namespace
}  // namespace initcheck::cli::testing
