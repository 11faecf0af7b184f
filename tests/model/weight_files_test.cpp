// A directory of weight files (model/weight_files.hpp): layer order, shapes, pooled laws and
// per-replicate values; every inconsistent directory is an InputError naming the file and the
// tensor.

#include "initcheck/model/weight_files.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "initcheck/core/error.hpp"
#include "initcheck/io/safetensors.hpp"

namespace initcheck::model {
namespace {

using io::Tensor;

class WeightFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/initcheck_weight_files_" + std::to_string(getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::vector<Tensor>& tensors) {
    std::string path = dir_ + "/" + name;
    io::write_safetensors(path, tensors);
    return path;
  }

  /// open() throws InputError containing every one of `parts`.
  void expect_refused(const std::vector<std::string>& parts) {
    try {
      (void)WeightFiles::open(dir_);
      ADD_FAILURE() << "accepted; expected: " << parts.front();
    } catch (const InputError& e) {
      for (const std::string& part : parts) {
        EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
      }
    }
  }

  std::string dir_;
};

/// A 3-layer MLP 2 → 3 → 1 → 2 named like nn.Sequential (0, 2, 10), layer 0 with a bias;
/// entries offset by `shift` so files differ.
std::vector<Tensor> mlp(float shift) {
  return {{"0.weight", {3, 2}, {1 + shift, 2, 3, 4, 5, 6}},
          {"0.bias", {3}, {shift, 0, 0}},
          {"2.weight", {1, 3}, {1, -1, shift}},
          {"10.weight", {2, 1}, {0.5F, -0.5F}}};
}

TEST(NaturalOrder, DigitRunsCompareAsNumbers) {
  EXPECT_TRUE(natural_less("2.weight", "10.weight"));
  EXPECT_FALSE(natural_less("10.weight", "2.weight"));
  EXPECT_TRUE(natural_less("layer.2.weight", "layer.10.weight"));
  EXPECT_TRUE(natural_less("seed_9.safetensors", "seed_10.safetensors"));
  EXPECT_TRUE(natural_less("a.weight", "b.weight"));
  EXPECT_TRUE(natural_less("x1", "x1y"));
  EXPECT_FALSE(natural_less("x01", "x01"));
  EXPECT_NE(natural_less("x01", "x1"), natural_less("x1", "x01"));  // a strict order: a tie-break
}

TEST_F(WeightFilesTest, ReadsLayersInNaturalOrderWithWidthsBiasesAndPooledLaws) {
  write("seed_10.safetensors", mlp(1));
  write("seed_2.safetensors", mlp(0));
  std::ofstream(dir_ + "/notes.txt") << "ignored";
  const auto files = WeightFiles::open(dir_);
  ASSERT_EQ(files->replicates(), 2);
  EXPECT_NE(files->files()[0].find("seed_2"), std::string::npos);
  EXPECT_EQ(files->arch(), Architecture::mlp);
  EXPECT_EQ(files->widths(), (std::vector<std::int64_t>{2, 3, 1, 2}));
  EXPECT_TRUE(files->has_bias());
  ASSERT_EQ(files->layers().size(), 3U);
  EXPECT_EQ(files->layers()[2].weight_tensor, "10.weight");
  EXPECT_EQ(files->layers()[0].bias_tensor, "0.bias");
  EXPECT_TRUE(files->layers()[1].bias_tensor.empty());
  // Layer 1 pooled over both files: {1, −1, 0, 1, −1, 1}: mean 1/6, variance 29/36 (population).
  const init::WeightLaw law = files->weight_law(1);
  EXPECT_NEAR(law.mean, 1.0 / 6.0, 1e-12);
  EXPECT_NEAR(law.variance, 5.0 / 6.0 - 1.0 / 36.0, 1e-12);
  EXPECT_NEAR(law.support_bound, 7.0 / 6.0, 1e-12);
  // Layer 2: ±0.5 in both files: a two-point law, kurtosis 1.
  EXPECT_NEAR(files->weight_law(2).kurtosis, 1.0, 1e-12);
  EXPECT_NEAR(files->bias_law(0).variance, 1.0 / 6.0 - 1.0 / 36.0, 1e-12);  // {0,0,0,1,0,0}
  EXPECT_EQ(files->bias_law(1).variance, 0.0);
  // Replicate 1 is seed_10 (natural order), row-major [out, in].
  const std::vector<LayerValues> values = files->load(1);
  ASSERT_EQ(values.size(), 3U);
  EXPECT_EQ(values[0].weights, (std::vector<float>{2, 2, 3, 4, 5, 6}));
  EXPECT_EQ(values[0].bias, (std::vector<float>{1, 0, 0}));
  EXPECT_TRUE(values[1].bias.empty());
}

TEST_F(WeightFilesTest, ReadsConvLayersAndTheirKernel) {
  for (const char* name : {"a.safetensors", "b.safetensors"}) {
    write(name, {{"features.0.weight", {4, 3, 3, 3}, std::vector<float>(108, 0.1F)},
                 {"features.1.weight", {2, 4, 3, 3}, std::vector<float>(72, -0.1F)}});
  }
  const auto files = WeightFiles::open(dir_);
  EXPECT_EQ(files->arch(), Architecture::conv);
  EXPECT_EQ(files->kernel(), 3);
  EXPECT_EQ(files->widths(), (std::vector<std::int64_t>{3, 4, 2}));
  EXPECT_FALSE(files->has_bias());
}

TEST_F(WeightFilesTest, RefusesDirectoriesThatAreNotOneModelPerSeed) {
  expect_refused({"needs at least 2", "found 0"});
  write("a.safetensors", mlp(0));
  expect_refused({"needs at least 2", "found 1"});
  write("b.safetensors", {{"0.weight", {3, 2}, std::vector<float>(6, 1.0F)}});
  expect_refused({"b.safetensors", "has 1 weight layers", "every file must hold the same model"});
  write("b.safetensors", {{"0.weight", {3, 2}, std::vector<float>(6, 1.0F)},
                          {"2.weight", {1, 3}, {1, 1, 1}},
                          {"10.weight", {2, 1}, {1, 1}}});
  expect_refused({"b.safetensors", "layer 0", "without bias", "with bias"});
  EXPECT_THROW((void)WeightFiles::open(dir_ + "/a.safetensors"), InputError);  // not a directory
}

TEST_F(WeightFilesTest, RefusesTensorsThatAreNotAChainOfLinearOrConvLayers) {
  const auto refuse_pair = [&](const std::vector<Tensor>& tensors,
                               const std::vector<std::string>& parts) {
    write("a.safetensors", tensors);
    write("b.safetensors", tensors);
    expect_refused(parts);
  };
  refuse_pair({{"0.weight", {2, 2}, {1, 1, 1, 1}}, {"1.running_mean", {2}, {0, 0}}},
              {"a.safetensors", "'1.running_mean'", "neither X.weight nor X.bias"});
  refuse_pair({{"0.weight", {2, 2}, {1, 1, 1, 1}}, {"1.bias", {2}, {0, 0}}},
              {"'1.bias'", "no matching weight"});
  refuse_pair({{"0.weight", {2, 2}, {1, 1, 1, 1}}, {"0.bias", {3}, {0, 0, 0}}},
              {"'0.bias'", "[3]", "needs [2]"});
  refuse_pair({{"0.weight", {2, 2, 1}, {1, 1, 1, 1}}}, {"'0.weight'", "[2, 2, 1]", "neither 2-D"});
  refuse_pair({{"0.weight", {2, 2}, {1, 1, 1, 1}}, {"1.weight", {2, 2, 1, 1}, {1, 1, 1, 1}}},
              {"'1.weight'", "mixes Linear and Conv2d"});
  refuse_pair({{"0.weight", {1, 1, 1, 2}, {1, 1}}}, {"'0.weight'", "square kernels"});
  refuse_pair(
      {{"0.weight", {1, 1, 1, 1}, {1}}, {"1.weight", {1, 1, 3, 3}, std::vector<float>(9, 1)}},
      {"'1.weight'", "kernel differs"});
  refuse_pair({{"0.weight", {3, 2}, std::vector<float>(6, 1)}, {"1.weight", {1, 2}, {1, 1}}},
              {"'1.weight'", "takes 2 inputs but '0.weight' has 3 outputs"});
  refuse_pair({{"0.weight", {0, 2}, {}}}, {"'0.weight'", "[1, 65536]"});
  refuse_pair({{"0.weight", {1, 2}, {1, std::nanf("")}}}, {"'0.weight'", "not finite"});
  refuse_pair({{"norm.scale", {2}, {1, 1}}}, {"neither X.weight nor X.bias"});
  refuse_pair({{".weight", {1, 1}, {1}}, {"weight", {1, 1}, {1}}},
              {"'.weight' and 'weight' name the same layer"});
}

TEST_F(WeightFilesTest, AFileChangedAfterOpeningIsRefusedWhenLoaded) {
  write("a.safetensors", mlp(0));
  write("b.safetensors", mlp(1));
  const auto files = WeightFiles::open(dir_);
  write("b.safetensors", {{"0.weight", {1, 1}, {1}}});
  EXPECT_THROW((void)files->load(1), InputError);
  std::ofstream(dir_ + "/b.safetensors") << "garbage";
  EXPECT_THROW((void)files->load(1), InputError);
}

}  // namespace
}  // namespace initcheck::model
