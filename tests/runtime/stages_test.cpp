// The trainer's staged passes, on the `batchnorm` test model (batch normalization and dropout):
// batch statistics of the whole batch, whatever the thread count; reruns bit-identical; the
// dropout masks follow the seed.
#include "batchnorm/batchnorm.hpp"
#include "cnn/init.hpp"
#include "cnn/random.hpp"
#include "cnn/trainer.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

using Model = cnn::batchnorm::Model;

namespace {

// `count` random images of the model's shape with real targets.
cnn::Dataset synthetic(std::size_t count) {
  std::mt19937 rng(4);
  cnn::Dataset data;
  data.images.count = count;
  data.images.height = Model::kInputH;
  data.images.width = Model::kInputW;
  data.images.channels = Model::kInputC;
  for (std::size_t i = 0; i < count * Model::kInputSize; ++i)
    data.images.bytes.push_back(static_cast<std::uint8_t>(rng() % 256));
  data.targets.width = Model::kOutputSize;
  std::uniform_real_distribution<float> target(-1, 1);
  for (std::size_t i = 0; i < count * Model::kOutputSize; ++i)
    data.targets.values.push_back(target(rng));
  return data;
}

void initialise(cnn::Trainer<Model>& trainer) {
  cnn::Rng rng(8);
  for (const cnn::TensorInfo& tensor : Model::kTensors)
    cnn::initialise_tensor(tensor, trainer.params() + tensor.offset, rng);
}

std::vector<float> copy(const float* values) {
  return std::vector<float>(values, values + Model::kParamCount);
}

} // namespace

TEST_CASE("a staged batch moves the moving statistics the same with one and two threads") {
  STATIC_REQUIRE(Model::kStages == 4);
  const cnn::Dataset data = synthetic(37); // five groups of 8 lanes, the last with 5 samples
  std::vector<std::uint32_t> items(37);
  std::iota(items.begin(), items.end(), 0u);
  cnn::Trainer<Model> one(1), two(2);
  initialise(one);
  initialise(two);
  const std::vector<float> before = copy(one.params());
  const auto metrics_one = one.train_batch(data, items, {}, 99);
  const auto metrics_two = two.train_batch(data, items, {}, 99);
  CHECK(metrics_one.samples == 37);
  CHECK(metrics_one.loss_sum == Approx(metrics_two.loss_sum).epsilon(1e-5));
  for (const cnn::TensorInfo& tensor : Model::kTensors) {
    INFO(tensor.name);
    for (std::size_t i = tensor.offset; i < tensor.offset + tensor.size; ++i) {
      // Batch statistics are added in group order: the same bits for any thread count.
      REQUIRE(one.params()[i] == two.params()[i]);
      CHECK((one.params()[i] == before[i]) == tensor.trainable);
      CHECK(one.grads()[i] == Approx(two.grads()[i]).epsilon(1e-4).margin(1e-6));
    }
  }
}

TEST_CASE("a staged batch reruns bit for bit, and another seed draws other dropout masks") {
  const cnn::Dataset data = synthetic(20);
  std::vector<std::uint32_t> items(20);
  std::iota(items.begin(), items.end(), 0u);
  cnn::Trainer<Model> trainer(2);
  initialise(trainer);
  const std::vector<float> start = copy(trainer.params());
  trainer.train_batch(data, items, {}, 5);
  const std::vector<float> grads = copy(trainer.grads());
  std::memcpy(trainer.params(), start.data(), start.size() * sizeof(float));
  trainer.train_batch(data, items, {}, 5);
  CHECK(copy(trainer.grads()) == grads);
  std::memcpy(trainer.params(), start.data(), start.size() * sizeof(float));
  trainer.train_batch(data, items, {}, 6);
  CHECK(copy(trainer.grads()) != grads);
}

TEST_CASE("evaluation and prediction use the moving statistics: a sample's output does not "
          "depend on its batch") {
  const cnn::Dataset data = synthetic(20);
  std::vector<std::uint32_t> items(20);
  std::iota(items.begin(), items.end(), 0u);
  cnn::Trainer<Model> trainer(1);
  initialise(trainer);
  trainer.train_batch(data, items, {}, 1); // moves the moving statistics off their initial values
  const auto all = trainer.predict(data.images);
  cnn::Samples few = data.images;
  few.count = 4;
  few.bytes.resize(4 * data.images.sample_size());
  const auto some = trainer.predict(few);
  for (int k = 0; k < 4 * Model::kOutputSize; ++k) CHECK(some[k] == all[k]);
  const std::vector<std::uint32_t> one{3}, three{3, 7, 11};
  const std::vector<std::uint32_t> others{7, 11};
  CHECK(trainer.evaluate(data, three).loss_sum ==
        Approx(trainer.evaluate(data, one).loss_sum + trainer.evaluate(data, others).loss_sum));
}
