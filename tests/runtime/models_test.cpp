// Every model in models/ trains from its own trainer on real data: cifar_strided on the coloured
// MNIST image folder (PNG files), regression on NumPy arrays with float targets, mnist on
// MNIST as .npy, separable on MNIST; evaluate, predict and the inference API on the results.
// Data: scripts/fetch-data --colour --npy.
#include "cifar_strided/cifar_strided.hpp"
#include "mnist/mnist.hpp"
#include "regression/regression.hpp"
#include "separable/separable.hpp"

#include "cnn/predictor.hpp"
#include "run_trainer.hpp"

#include <catch2/catch.hpp>

using Catch::Matchers::Contains;
using namespace cnn::test;

namespace {

const std::string kData = std::string(CNNC_SOURCE_DIR) + "/data";

// The training flags of a short run: `limit` images (`validation` of them held out) and
// `test_limit` test images; under the sanitizers one epoch and a `fraction`th of each.
std::vector<std::string> short_run(int limit, int validation, int test_limit, int epochs,
                                   int fraction = 10) {
  return {"--limit",      samples(limit, fraction),
          "--validation", samples(validation, fraction),
          "--test-limit", samples(test_limit, fraction),
          "--epochs",     kSanitized ? "1" : std::to_string(epochs),
          "--threads",    "2"};
}

// Appends `more` to `args`.
std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

void require_data(const std::string& folder) {
  if (!std::filesystem::is_directory(kData + "/" + folder))
    FAIL(kData << "/" << folder << " is missing; run scripts/fetch-data --colour --npy first");
}

// The number after `key` in `text` ("acc " -> 0.93).
double number_after(const std::string& text, const std::string& key) {
  const auto at = text.find(key);
  REQUIRE(at != std::string::npos);
  return std::stod(text.substr(at + key.size()));
}

} // namespace

TEST_CASE("cifar_strided learns the coloured MNIST image folder far above chance") {
  require_data("colour-mnist");
  TempDir out;
  const auto run = run_trainer<cnn::cifar_strided::Model>(with(
      short_run(4000, 500, 1000, 3, 20), {"--data", kData + "/colour-mnist", "--out", out.str()}));
  INFO(run.out << run.err);
  REQUIRE(run.status == 0);
  CHECK_THAT(run.out, Contains(kSanitized ? "175 training, 25 validation, 50 test samples"
                                          : "3500 training, 500 validation, 1000 test samples"));
  if (!kSanitized) {
    CHECK(number_after(run.out, "Test: loss ") < 1.5);
    CHECK(number_after(run.out, " - acc ") > 0.6); // chance is 0.1
  }

  SECTION("evaluate reports per-class precision and recall and draws the confusion matrix") {
    const auto evaluate = run_trainer<cnn::cifar_strided::Model>(
        {"evaluate", "--weights", out.file("weights.safetensors"), "--data",
         kData + "/colour-mnist", "--test-limit", samples(1000, 20)});
    INFO(evaluate.out << evaluate.err);
    REQUIRE(evaluate.status == 0);
    CHECK_THAT(evaluate.out, Contains("precision") && Contains("recall") &&
                                 Contains(kSanitized ? "(50 samples)" : "(1000 samples)") &&
                                 Contains("confusion.png"));
    CHECK(read_bytes(out.file("confusion.png")).size() > 1000);
  }

  SECTION("the inference API classifies one PNG file of the folder as the trainer does") {
    cnn::Predictor<cnn::cifar_strided::Model> net(out.file("checkpoint.safetensors"));
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(kData + "/colour-mnist/test/7"))
      files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() > 20);
    int sevens = 0;
    for (std::size_t i = 0; i < 20; ++i) {
      const cnn::Image image = cnn::read_image(files[i], 3);
      const auto p = net.probabilities(image);
      REQUIRE(p.size() == 10);
      CHECK(std::accumulate(p.begin(), p.end(), 0.0) == Approx(1.0).epsilon(1e-4));
      sevens += net.classify(image) == 7;
    }
    if (!kSanitized) CHECK(sevens >= 12);
    const auto predicted = run_trainer<cnn::cifar_strided::Model>(
        {"predict", "--weights", out.file("weights.safetensors"), "--images", files[0]});
    REQUIRE(predicted.status == 0);
    const auto p = net.probabilities(cnn::read_image(files[0], 3));
    const int best = static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
    CHECK_THAT(predicted.out, Contains("sample,file,class,name,p_0,") &&
                                  Contains(fmt::format("\n0,{},{},", files[0], best)));
  }
}

TEST_CASE("regression learns real-valued targets from NumPy arrays") {
  require_data("mnist-box");
  TempDir out;
  const auto run =
      run_trainer<cnn::regression::Model>({"--data", kData + "/mnist-box", "--out", out.str(),
                                           "--epochs", "4", "--threads", "2", "--quiet"});
  INFO(run.out << run.err);
  REQUIRE(run.status == 0);
  // Predicting the mean box gives a mean absolute error of about 0.068 here.
  CHECK(number_after(run.out, " - mae ") < 0.05);
  const auto history = read_bytes(out.file("history.csv"));
  CHECK_THAT(std::string(history.begin(), history.end()),
             Contains("epoch,seconds,loss,mae,val_loss,val_mae"));

  const auto predicted = run_trainer<cnn::regression::Model>(
      {"predict", "--weights", out.file("weights.safetensors"), "--images",
       kData + "/mnist-box/x_test.npy", "--labels", kData + "/mnist-box/y_test.npy", "--output",
       out.file("predictions.csv")});
  INFO(predicted.err);
  REQUIRE(predicted.status == 0);
  CHECK_THAT(predicted.out, Contains("Wrote 5000 predictions"));
  const auto csv = read_bytes(out.file("predictions.csv"));
  CHECK_THAT(std::string(csv.begin(), csv.end()), Contains("sample,y0,y1,target0,target1\n0,"));
}

TEST_CASE("mnist trains from keras.datasets-style .npy arrays as from IDX files") {
  require_data("mnist-npy");
  TempDir npy, idx;
  const std::vector<std::string> settings{"--limit",   "600", "--validation", "100",
                                          "--epochs",  "1",   "--test-limit", "200",
                                          "--threads", "2",   "--quiet"};
  auto from_npy = settings, from_idx = settings;
  from_npy.insert(from_npy.end(), {"--data", kData + "/mnist-npy", "--out", npy.str()});
  from_idx.insert(from_idx.end(), {"--data", kData + "/mnist", "--out", idx.str()});
  REQUIRE(run_trainer<cnn::mnist::Model>(from_npy).status == 0);
  REQUIRE(run_trainer<cnn::mnist::Model>(from_idx).status == 0);
  // The same images and labels in another container: the same run, bit for bit.
  CHECK(read_bytes(npy.file("weights.safetensors")) == read_bytes(idx.file("weights.safetensors")));
}

TEST_CASE("separable (depthwise separable blocks, global average pooling) learns MNIST") {
  require_data("mnist");
  TempDir out;
  const auto run = run_trainer<cnn::separable::Model>(with(
      short_run(4000, 500, 1000, 2), {"--data", kData + "/mnist", "--out", out.str(), "--quiet"}));
  INFO(run.out << run.err);
  REQUIRE(run.status == 0);
  CHECK_THAT(run.out, Contains("Test: loss "));
  if (!kSanitized) {
    // Chance is 0.1; two short epochs on 3,500 images reach 0.56.
    CHECK(number_after(run.out, "Test: loss ") < 2.0);
    CHECK(number_after(run.out, " - acc ") > 0.4);
  }
}
