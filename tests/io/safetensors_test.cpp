// The safetensors reader (io/safetensors.hpp): valid files read back exactly; every malformed
// file (truncated, bad header, bad dtype, overlapping or out-of-range offsets, huge shapes, random
// byte corruption) is an InputError naming the file, never a crash or a huge allocation.

#include "initcheck/io/safetensors.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "initcheck/core/error.hpp"

namespace initcheck::io {
namespace {

std::string scratch(const std::string& name) {
  return ::testing::TempDir() + "/initcheck_io_" + std::to_string(getpid()) + "_" + name;
}

/// A safetensors file from its header text and data bytes (no validation: tests plant errors).
std::string file_bytes(const std::string& header, const std::string& data) {
  std::string out;
  for (int i = 0; i < 8; ++i) out += static_cast<char>((header.size() >> (8U * i)) & 0xFFU);
  return out + header + data;
}

std::string write_bytes(const std::string& name, const std::string& bytes) {
  std::string path = scratch(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

/// Reading `bytes` throws InputError whose message names the file and contains `problem`.
void expect_refused(const std::string& bytes, const std::string& problem) {
  const std::string path = write_bytes("bad.safetensors", bytes);
  try {
    (void)read_safetensors(path);
    ADD_FAILURE() << "accepted a file that should be refused for: " << problem;
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind(path + ": ", 0), 0U) << what;
    EXPECT_NE(what.find(problem), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

std::string f32_bytes(const std::vector<float>& values) {
  std::string out(values.size() * 4, '\0');
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &values[i], 4);
    for (int b = 0; b < 4; ++b) out[4 * i + b] = static_cast<char>((bits >> (8U * b)) & 0xFFU);
  }
  return out;
}

TEST(Safetensors, WrittenTensorsReadBackExactlySortedByName) {
  const std::vector<Tensor> tensors = {{"2.weight", {2, 3}, {1, -2, 3.5F, 0, 1e-30F, -7}},
                                       {"10.weight", {1, 2}, {0.25F, 8}},
                                       {"empty", {0, 4}, {}}};
  const std::string path = scratch("round_trip.safetensors");
  write_safetensors(path, tensors);
  const std::vector<Tensor> back = read_safetensors(path);
  ASSERT_EQ(back.size(), 3U);
  EXPECT_EQ(back[0].name, "10.weight");  // byte order of names; layer order is the caller's
  EXPECT_EQ(back[1].name, "2.weight");
  EXPECT_EQ(back[2].name, "empty");
  EXPECT_EQ(back[0].values, tensors[1].values);
  EXPECT_EQ(back[1].shape, tensors[0].shape);
  EXPECT_EQ(back[1].values, tensors[0].values);
  EXPECT_TRUE(back[2].values.empty());
}

TEST(Safetensors, ConvertsF16Bf16AndF64AndSkipsMetadata) {
  // F16 0x3C00 = 1, 0xC000 = −2, 0x0001 = 2⁻²⁴ (subnormal), 0x7C00 = +inf; BF16 0x3FC0 = 1.5;
  // F64 0.1 (rounded to the nearest float).
  std::string data = std::string("\x00\x3C\x00\xC0\x01\x00\x00\x7C", 8) + "\xC0\x3F";
  double tenth = 0.1;
  std::string f64(8, '\0');
  std::memcpy(f64.data(), &tenth, 8);
  data += f64;
  const std::string header =
      R"({"__metadata__":{"k":"v"},"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"BF16","shape":[1],"data_offsets":[8,10]},)"
      R"("d":{"dtype":"F64","shape":[],"data_offsets":[10,18]}})";
  const std::vector<Tensor> t =
      read_safetensors(write_bytes("dtypes.safetensors", file_bytes(header, data)));
  ASSERT_EQ(t.size(), 3U);
  EXPECT_EQ(t[0].name, "b");
  EXPECT_EQ(t[0].values, std::vector<float>{1.5F});
  EXPECT_EQ(t[1].values, std::vector<float>{0.1F});
  EXPECT_TRUE(t[1].shape.empty());  // a scalar
  ASSERT_EQ(t[2].values.size(), 4U);
  EXPECT_EQ(t[2].values[0], 1.0F);
  EXPECT_EQ(t[2].values[1], -2.0F);
  EXPECT_EQ(t[2].values[2], std::ldexp(1.0F, -24));
  EXPECT_TRUE(std::isinf(t[2].values[3]));
}

TEST(Safetensors, RefusesTruncatedFilesAtEveryLength) {
  const std::string path = scratch("whole.safetensors");
  write_safetensors(path, {{"0.weight", {2, 2}, {1, 2, 3, 4}}});
  std::ifstream in(path, std::ios::binary);
  const std::string whole((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t n = 0; n < whole.size(); ++n) {
    const std::string cut = write_bytes("cut.safetensors", whole.substr(0, n));
    EXPECT_THROW((void)read_safetensors(cut), InputError)
        << n << " of " << whole.size() << " bytes";
  }
  expect_refused(whole.substr(0, 5), "truncated");
}

TEST(Safetensors, RefusesBadHeaders) {
  expect_refused(file_bytes("not json at all", ""), "not a JSON object");
  expect_refused(file_bytes("[1, 2]", ""), "not a JSON object");
  expect_refused(file_bytes("", "xxxx"), "header length 0");
  std::string huge_length(8, '\xFF');
  expect_refused(huge_length + "{}", "header length");
  expect_refused(file_bytes(R"({"a":5})", ""), "tensor 'a' is not a JSON object");
  expect_refused(file_bytes(R"({"a":{"shape":[1],"data_offsets":[0,4]}})", "abcd"), "'dtype'");
  expect_refused(file_bytes(R"({"a":{"dtype":"F32","data_offsets":[0,4]}})", "abcd"), "'shape'");
  expect_refused(file_bytes(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "abcd"),
                 "non-negative integer");
  expect_refused(file_bytes(R"({"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", "abcd"),
                 "non-negative integer");
  expect_refused(file_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", "abcd"),
                 "data_offsets");
  expect_refused(file_bytes(R"({"__metadata__":[1]})", ""), "'__metadata__'");
}

TEST(Safetensors, RefusesUnsupportedDtypes) {
  for (const char* dtype : {"I64", "I32", "U8", "BOOL", "F8_E4M3", "f32", ""}) {
    expect_refused(file_bytes(std::string(R"({"a":{"dtype":")") + dtype +
                                  R"(","shape":[1],"data_offsets":[0,8]}})",
                              std::string(8, '\0')),
                   "only F32, F16, BF16 and F64");
  }
}

TEST(Safetensors, RefusesBadOffsets) {
  const std::string data = f32_bytes({1, 2, 3, 4});
  expect_refused(file_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                            R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                            data),
                 "overlap");
  expect_refused(file_bytes(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[4,20]}})", data),
                 "outside the data buffer of 16 bytes");
  expect_refused(file_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,4]}})", data),
                 "outside the data buffer");
  expect_refused(file_bytes(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", data),
                 "its shape and dtype need 12");
  // 2⁶⁴ − 1 as an offset, and a shape of 2⁴⁰ × 2⁴⁰ values: refused before any allocation.
  expect_refused(
      file_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551615]}})",
                 data),
      "outside the data buffer");
  expect_refused(file_bytes(R"({"a":{"dtype":"F32","shape":[1099511627776,1099511627776],)"
                            R"("data_offsets":[0,16]}})",
                            data),
                 "shape too large");
  expect_refused(file_bytes(R"({"a":{"dtype":"F32","shape":[0,18446744073709551615],)"
                            R"("data_offsets":[0,0]}})",
                            data),
                 "shape too large");
}

TEST(Safetensors, RefusesMissingFilesAndDirectories) {
  EXPECT_THROW((void)read_safetensors(scratch("does_not_exist.safetensors")), InputError);
  EXPECT_THROW((void)read_safetensors(::testing::TempDir()), InputError);
}

// Robustness: random byte flips, insertions and cuts of a valid file (fixed seed, 400 mutants):
// each either reads or is an InputError; a crash, another exception or a hang fails the test.
TEST(Safetensors, RandomCorruptionsAreReadOrRefusedNeverCrash) {
  const std::string path = scratch("seed.safetensors");
  write_safetensors(path, {{"0.weight", {3, 2}, {1, 2, 3, 4, 5, 6}}, {"0.bias", {3}, {0, 1, 2}}});
  std::ifstream in(path, std::ios::binary);
  const std::string whole((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::mt19937_64 rng(16);
  int refused = 0;
  for (int i = 0; i < 400; ++i) {
    std::string bytes = whole;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % bytes.size();
      switch (rng() % 4) {
        case 0: bytes[at] = static_cast<char>(rng()); break;
        case 1:  // an iterator insert: GCC 12 warns (false -Wrestrict) on insert(pos, 1, c)
          bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                       "{}[],:\"0123456789"[rng() % 17]);
          break;
        case 2: bytes.erase(at, 1 + rng() % 8); break;
        default: bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng() % 8))); break;
      }
      if (bytes.empty()) bytes.push_back('x');
    }
    const std::string mutant = write_bytes("mutant.safetensors", bytes);
    try {
      (void)read_safetensors(mutant);
    } catch (const InputError&) {
      ++refused;
    }
  }
  EXPECT_GT(refused, 200);  // most corruptions are caught (the rest hit value bytes only)
}

}  // namespace
}  // namespace initcheck::io
