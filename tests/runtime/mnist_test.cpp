// Short runs of the generated mnist model (models/mnist.cnn) on real MNIST: it learns, it is
// deterministic, and a resumed run matches an uninterrupted one. Data: scripts/fetch-data.
// Also its inference class on random weights and pixels (no data needed).
#include "mnist/mnist.hpp"
#include "run_trainer.hpp"

#include "cnn/predictor.hpp"
#include "cnn/weights.hpp"

#include <random>

#include <catch2/catch.hpp>

using Catch::Matchers::Contains;
using Mnist = cnn::mnist::Model;
using namespace cnn::test;

namespace {

const std::string kMnistDir = std::string(CNNC_SOURCE_DIR) + "/data/mnist";

void require_mnist() {
  for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
    if (!std::filesystem::exists(kMnistDir + "/" + name) &&
        !std::filesystem::exists(kMnistDir + "/" + name + ".gz"))
      FAIL("real MNIST is missing: " << kMnistDir << "/" << name
                                     << " not found; run scripts/fetch-data first");
}

// The last row of history.csv, split at commas.
std::vector<std::string> last_history_row(const TempDir& out) {
  const auto bytes = read_bytes(out.file("history.csv"));
  std::string text(bytes.begin(), bytes.end());
  text.pop_back();
  std::istringstream row(text.substr(text.rfind('\n') + 1));
  std::vector<std::string> cells;
  for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
  return cells;
}

std::vector<std::string> short_run(const TempDir& out, std::vector<std::string> more) {
  std::vector<std::string> args{"--data", kMnistDir, "--out",     out.str(), "--batch", "32",
                                "--lr",   "0.001",   "--threads", "2",       "--quiet"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

} // namespace

TEST_CASE("real MNIST reads as 60,000 + 10,000 labelled 28x28 images") {
  require_mnist();
  const cnn::DataSpec spec = cnn::data_spec<Mnist>();
  CHECK(cnn::detect_format(kMnistDir) == cnn::DataFormat::Idx);
  const auto train = cnn::read_split(kMnistDir, cnn::DataFormat::Auto, cnn::Split::Train, spec);
  const auto test = cnn::read_split(kMnistDir, cnn::DataFormat::Auto, cnn::Split::Test, spec);
  CHECK(train.size() == 60000);
  CHECK(test.size() == 10000);
  CHECK(train.images.height == 28);
  CHECK(train.images.channels == 1);
  CHECK(!train.images.floats);
  CHECK(std::vector<int>(train.targets.labels.begin(), train.targets.labels.begin() + 5) ==
        std::vector<int>{5, 0, 4, 1, 9});
  CHECK(std::vector<int>(test.targets.labels.begin(), test.targets.labels.begin() + 5) ==
        std::vector<int>{7, 2, 1, 0, 4});
}

TEST_CASE("the generated mnist model learns: 2,000 images, 2 epochs, over 80% on 1,000 held out") {
  require_mnist();
  TempDir out;
  const auto run =
      run_trainer<Mnist>(short_run(out, {"--limit", samples(3000), "--validation", samples(1000),
                                         "--epochs", "2", "--test-limit", samples(1000)}));
  INFO(run.out << run.err);
  REQUIRE(run.status == 0);
  const auto row = last_history_row(out);
  REQUIRE(row.size() == 7); // epoch,seconds,loss,acc,val_loss,val_acc,lr
  INFO("last epoch: loss " << row[2] << ", acc " << row[3] << ", val_acc " << row[5]);
  const auto at = run.out.find("Test: loss");
  REQUIRE(at != std::string::npos);
  if (!kSanitized) {
    CHECK(std::stod(row[5]) > 0.8); // chance is 0.1
    CHECK(std::stod(row[2]) < 1.0);
    const auto test = run.out.substr(at);
    CHECK(std::stod(test.substr(test.find("acc ") + 4)) > 0.8);
  }
}

TEST_CASE("the generated mnist model trains bit-identically for a seed and thread count") {
  require_mnist();
  TempDir a, b, one;
  const std::vector<std::string> args{"--limit",  samples(600), "--validation", samples(100),
                                      "--epochs", "1",          "--test-limit", samples(50)};
  REQUIRE(run_trainer<Mnist>(short_run(a, args)).status == 0);
  REQUIRE(run_trainer<Mnist>(short_run(b, args)).status == 0);
  CHECK(read_bytes(a.file("weights.safetensors")) == read_bytes(b.file("weights.safetensors")));
  CHECK(last_history_row(a)[2] == last_history_row(b)[2]); // the same loss, to the last digit
  // One thread sums the gradients in another order: close, not necessarily identical.
  auto single = short_run(one, args);
  single.insert(single.end(), {"--threads", "1"});
  REQUIRE(run_trainer<Mnist>(single).status == 0);
  CHECK(std::stod(last_history_row(one)[2]) ==
        Approx(std::stod(last_history_row(a)[2])).epsilon(1e-3));
}

TEST_CASE("a resumed generated mnist run matches an uninterrupted one bit for bit") {
  require_mnist();
  TempDir whole, parts;
  const std::vector<std::string> args{"--limit",    samples(600),   "--validation",
                                      samples(100), "--test-limit", samples(50)};
  auto two = short_run(whole, args);
  two.insert(two.end(), {"--epochs", "2"});
  REQUIRE(run_trainer<Mnist>(two).status == 0);
  auto one = short_run(parts, args);
  one.insert(one.end(), {"--epochs", "1"});
  REQUIRE(run_trainer<Mnist>(one).status == 0);
  const auto resumed = run_trainer<Mnist>({"--data", kMnistDir, "--out", parts.str(), "--quiet",
                                           "--resume", parts.file("checkpoint.safetensors"),
                                           "--epochs", "2", "--test-limit", samples(50)});
  INFO(resumed.err);
  REQUIRE(resumed.status == 0);
  CHECK(read_bytes(whole.file("weights.safetensors")) ==
        read_bytes(parts.file("weights.safetensors")));
}

TEST_CASE("Predictor gives one image through forward_one what a batch through the lanes gets") {
  static_assert(cnn::detail::HasForwardOne<Mnist>);
  TempDir dir;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> weight(-0.2f, 0.2f);
  std::vector<float> params(Mnist::kParamCount);
  for (float& p : params) p = weight(rng);
  cnn::save_weights(dir.file("weights.safetensors"), cnn::describe<Mnist>(), params.data());
  cnn::Predictor<Mnist> net(dir.file("weights.safetensors"));
  cnn::Samples samples;
  samples.count = 11; // a full group of 8 lanes and a partial one
  samples.height = 28;
  samples.width = 28;
  samples.channels = 1;
  for (std::size_t i = 0; i < samples.count * samples.sample_size(); ++i)
    samples.bytes.push_back(static_cast<std::uint8_t>(rng() % 256));
  const std::vector<float> batch = net.predict(samples);
  for (std::size_t i = 0; i < samples.count; ++i) {
    const std::span<const std::uint8_t> image(samples.bytes.data() + i * samples.sample_size(),
                                              samples.sample_size());
    const std::vector<float> one = net.probabilities(image);
    REQUIRE(one.size() == std::size_t(Mnist::kOutputSize));
    for (int k = 0; k < Mnist::kOutputSize; ++k) {
      INFO("sample " << i << ", class " << k);
      CHECK(one[k] == Approx(batch[i * Mnist::kOutputSize + k]).epsilon(1e-5).margin(1e-6));
    }
  }
}
