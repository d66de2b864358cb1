// Every example model checks clean, and its summary matches its golden file.
#include <catch2/catch.hpp>

#include <filesystem>

#include "support.hpp"

using namespace cnnc;

TEST_CASE("golden: every model in models/ checks clean and prints its summary") {
  const auto files = test::model_files();
  REQUIRE(files.size() >= 5);
  for (const auto& file : files) {
    INFO(file);
    const CheckResult result = check_text(file, test::read_file(test::source_path(file)));
    INFO(test::printed(result));
    REQUIRE(result.model.has_value());
    const std::string stem = std::filesystem::path(file).stem().string();
    const std::string mismatch =
        test::golden_mismatch("summary/" + stem + ".txt", format_summary(*result.model));
    INFO(mismatch);
    CHECK(mismatch.empty());
  }
}

TEST_CASE("the summary's table has the lecture's columns and totals for mnist") {
  const CheckResult result =
      check_text("models/mnist.cnn", test::read_file(test::source_path("models/mnist.cnn")));
  REQUIRE(result.model.has_value());
  const std::string summary = format_summary(*result.model);
  CHECK(summary.find("Model: mnist (models/mnist.cnn)\n") == 0);
  CHECK(summary.find("Layer (type)                     Output Shape          Param #\n") !=
        std::string::npos);
  CHECK(summary.find("conv2d_1 (Conv2D)                (None, 24, 24, 10)    260\n") !=
        std::string::npos);
  CHECK(summary.find("max_pooling2d_2 (MaxPooling2D)   (None, 4, 4, 20)      0\n") !=
        std::string::npos);
  CHECK(summary.find("flatten_1 (Flatten)              (None, 320)           0\n") !=
        std::string::npos);
  CHECK(summary.find("Total params: 38,390\nTrainable params: 38,390\nNon-trainable params: 0\n") !=
        std::string::npos);
  CHECK(summary.find("optimizer   rmsprop lr=0.0001 rho=0.9 epsilon=1e-07\n") != std::string::npos);
}

TEST_CASE("the summary's columns grow with long layer names") {
  const CheckResult result =
      check_text("long.cnn", "input 4x4x1\nflatten name=a_very_long_layer_name_for_a_flatten\n"
                             "dense 2 softmax\n");
  REQUIRE(result.model.has_value());
  const std::string summary = format_summary(*result.model);
  CHECK(summary.find("a_very_long_layer_name_for_a_flatten (Flatten) (None, 16)") !=
        std::string::npos);
}
