// The training section's run-time features on the hand-written fixture model: learning-rate
// schedules, L2 weight decay, data augmentation and early stopping, with resume.
#include "cnn/batch.hpp"
#include "cnn/schedule.hpp"
#include "dense_model.hpp"
#include "run_trainer.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using Catch::Matchers::Contains;
using Dense = cnn::dense::Model;
using namespace cnn::test;

namespace {

// The fixture model with another training section.
template <cnn::ScheduleConfig Schedule, cnn::EarlyStoppingConfig Early, cnn::AugmentConfig Augment>
struct With : Dense {
  static constexpr cnn::TrainingConfig kTraining = [] {
    cnn::TrainingConfig config = Dense::kTraining;
    config.schedule = Schedule;
    config.early_stopping = Early;
    config.augment = Augment;
    return config;
  }();
};
constexpr cnn::ScheduleConfig kConstant{cnn::ScheduleKind::Constant, 10, 0.5, 0.0, 0};
constexpr cnn::EarlyStoppingConfig kNoStopping{false, cnn::MonitorKind::ValLoss, 0, 0.0, true};
constexpr cnn::AugmentConfig kNoAugment{0, false, false};

using Halving =
    With<cnn::ScheduleConfig{cnn::ScheduleKind::Step, 1, 0.5, 0.0, 0}, kNoStopping, kNoAugment>;
// min_delta 10: no epoch after the first counts as better, so patience 1 stops after epoch 2.
using Impatient =
    With<kConstant, cnn::EarlyStoppingConfig{true, cnn::MonitorKind::ValLoss, 1, 10.0, true},
         kNoAugment>;
using Augmented = With<kConstant, kNoStopping, cnn::AugmentConfig{2, true, false}>;

// The fixture model with Keras' l2(0.01) on its kernel.
struct Decayed : Dense {
  static constexpr cnn::TensorInfo kTensors[kTensorCount] = {[] {
                                                               cnn::TensorInfo kernel =
                                                                   Dense::kTensors[0];
                                                               kernel.l2 = 0.01;
                                                               return kernel;
                                                             }(),
                                                             Dense::kTensors[1]};
};

std::vector<std::string> quick(const TempDir& data, const std::string& out,
                               std::vector<std::string> more = {}) {
  more.insert(more.begin(), {"--threads", "2"});
  return quick_args(data, out, more);
}

std::string text_of(const std::string& path) {
  const auto bytes = read_bytes(path);
  return {bytes.begin(), bytes.end()};
}

} // namespace

TEST_CASE("a step schedule multiplies the rate by its factor every N epochs") {
  const cnn::ScheduleConfig step{cnn::ScheduleKind::Step, 3, 0.5, 0.0, 0};
  CHECK(cnn::scheduled_learning_rate(step, 0.1, 1, 10) == 0.1);
  CHECK(cnn::scheduled_learning_rate(step, 0.1, 3, 10) == 0.1);
  CHECK(cnn::scheduled_learning_rate(step, 0.1, 4, 10) == 0.05);
  CHECK(cnn::scheduled_learning_rate(step, 0.1, 7, 10) == 0.025);
}

TEST_CASE("an exponential schedule multiplies the rate by its rate every epoch") {
  const cnn::ScheduleConfig exponential{cnn::ScheduleKind::Exponential, 10, 0.9, 0.0, 0};
  CHECK(cnn::scheduled_learning_rate(exponential, 1.0, 1, 5) == 1.0);
  CHECK(cnn::scheduled_learning_rate(exponential, 1.0, 2, 5) == Approx(0.9));
  CHECK(cnn::scheduled_learning_rate(exponential, 1.0, 4, 5) == Approx(0.729));
}

TEST_CASE("a cosine schedule warms up linearly, then falls towards its floor") {
  const cnn::ScheduleConfig cosine{cnn::ScheduleKind::Cosine, 10, 0.5, 0.1, 2};
  CHECK(cnn::scheduled_learning_rate(cosine, 1.0, 1, 6) == 0.5);
  CHECK(cnn::scheduled_learning_rate(cosine, 1.0, 2, 6) == 1.0);
  CHECK(cnn::scheduled_learning_rate(cosine, 1.0, 3, 6) == 1.0);
  CHECK(cnn::scheduled_learning_rate(cosine, 1.0, 5, 6) == Approx(0.1 + 0.9 * 0.5));
  CHECK(cnn::scheduled_learning_rate(cosine, 1.0, 6, 6) > 0.1);
  // A floor above a smaller --lr is lowered to it: the rate never rises.
  CHECK(cnn::scheduled_learning_rate(cosine, 0.05, 6, 6) == 0.05);
}

TEST_CASE("a scheduled run uses each epoch's rate, shows it and writes it to history.csv") {
  TempDir data, out;
  write_synthetic_data(data.str());
  const auto run = run_trainer<Halving>(quick(data, out.str(), {"--epochs", "3"}));
  INFO(run.out << run.err);
  REQUIRE(run.status == 0);
  CHECK_THAT(run.out,
             Contains("Epoch 2/3 - ") && Contains(" - lr: 0.005\n") && Contains(" - lr: 0.0025\n"));
  const auto history = cnn::parse_history_csv(text_of(out.file("history.csv")), "history");
  REQUIRE(history.size() == 3);
  CHECK(history[0].lr == 0.01);
  CHECK(history[1].lr == 0.005);
  CHECK(history[2].lr == 0.0025);
  // Resuming continues the schedule where it was.
  TempDir parts;
  REQUIRE(run_trainer<Halving>(quick(data, parts.str(), {"--epochs", "1"})).status == 0);
  REQUIRE(run_trainer<Halving>({"--data", data.str(), "--out", parts.str(), "--resume",
                                parts.file("checkpoint.safetensors"), "--epochs", "3"})
              .status == 0);
  CHECK(read_bytes(out.file("weights.safetensors")) ==
        read_bytes(parts.file("weights.safetensors")));
}

TEST_CASE("L2 weight decay adds 2 * l2 * w to kernel gradients and l2 * sum(w^2) to the loss") {
  cnn::Dataset data;
  data.images.count = 4;
  data.images.height = 28;
  data.images.width = 28;
  data.images.channels = 1;
  for (int i = 0; i < 4 * 784; ++i) data.images.bytes.push_back(static_cast<std::uint8_t>(i * 7));
  data.targets.labels = {1, 3, 5, 7};
  cnn::Trainer<Dense> plain(1);
  cnn::Trainer<Decayed> decayed(1);
  double squares = 0;
  for (std::size_t i = 0; i < Dense::kParamCount; ++i) {
    const float value = static_cast<float>(std::sin(0.1 * static_cast<double>(i)));
    plain.params()[i] = decayed.params()[i] = value;
    if (i < Dense::kDense1Bias) squares += static_cast<double>(value) * value;
  }
  const std::uint32_t items[] = {0, 1, 2, 3};
  const auto plain_metrics = plain.train_batch(data, items);
  const auto decayed_metrics = decayed.train_batch(data, items);
  CHECK(decayed_metrics.loss() == Approx(plain_metrics.loss() + 0.01 * squares));
  CHECK(decayed.evaluate(data, items).loss() == Approx(plain_metrics.loss() + 0.01 * squares));
  for (std::size_t i : {std::size_t{0}, std::size_t{500}, std::size_t{7839}})
    CHECK(decayed.grads()[i] ==
          Approx(plain.grads()[i] + 2 * 0.01 * plain.params()[i]).margin(1e-7));
  for (std::size_t i = Dense::kDense1Bias; i < Dense::kParamCount; ++i)
    CHECK(decayed.grads()[i] == plain.grads()[i]); // biases are not decayed
}

TEST_CASE("augmentation shifts with zero fill and mirrors, lane by lane") {
  cnn::Samples samples;
  samples.count = 1;
  samples.height = 2;
  samples.width = 3;
  samples.channels = 1;
  samples.floats = true;
  samples.values = {1, 2, 3, 4, 5, 6};                     // rows (1 2 3) and (4 5 6)
  const auto transform = cnn::InputTransform::of<Dense>(); // one channel, no preprocessing
  const std::uint32_t items[] = {0, 0};
  const cnn::Augmentation changes[] = {{0, 1, false, false}, {1, 0, true, false}};
  float input[6 * 2];
  cnn::fill_input_group<2>(samples, transform, items, 2, input, changes);
  auto lane = [&](int l) {
    std::vector<float> values;
    for (int i = 0; i < 6; ++i) values.push_back(input[i * 2 + l]);
    return values;
  };
  CHECK(lane(0) == std::vector<float>{0, 1, 2, 0, 4, 5}); // one pixel to the right
  CHECK(lane(1) == std::vector<float>{0, 0, 0, 3, 2, 1}); // mirrored, then one row down
  // Without changes the lanes hold the samples as they are.
  cnn::fill_input_group<2>(samples, transform, items, 2, input);
  CHECK(lane(0) == std::vector<float>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("augmented runs repeat bit for bit for a seed, and --no-augment trains as without") {
  TempDir data, a, b, plain, off;
  write_synthetic_data(data.str());
  REQUIRE(run_trainer<Augmented>(quick(data, a.str(), {"--epochs", "2"})).status == 0);
  const auto again = run_trainer<Augmented>(quick(data, b.str(), {"--epochs", "2"}));
  REQUIRE(again.status == 0);
  CHECK_THAT(again.out, Contains("augmentation (shift 2, horizontal flips)"));
  CHECK(read_bytes(a.file("weights.safetensors")) == read_bytes(b.file("weights.safetensors")));
  REQUIRE(run_trainer<Dense>(quick(data, plain.str(), {"--epochs", "2"})).status == 0);
  CHECK(read_bytes(a.file("weights.safetensors")) != read_bytes(plain.file("weights.safetensors")));
  REQUIRE(
      run_trainer<Augmented>(quick(data, off.str(), {"--epochs", "2", "--no-augment"})).status ==
      0);
  CHECK(read_bytes(off.file("weights.safetensors")) ==
        read_bytes(plain.file("weights.safetensors")));
  // A resumed augmented run draws the same changes as an uninterrupted one.
  TempDir parts;
  REQUIRE(run_trainer<Augmented>(quick(data, parts.str(), {"--epochs", "1"})).status == 0);
  REQUIRE(run_trainer<Augmented>({"--data", data.str(), "--out", parts.str(), "--resume",
                                  parts.file("checkpoint.safetensors"), "--epochs", "2"})
              .status == 0);
  CHECK(read_bytes(a.file("weights.safetensors")) == read_bytes(parts.file("weights.safetensors")));
}

TEST_CASE("early stopping stops, says so, keeps every epoch's history and the best weights") {
  TempDir data, out, first;
  write_synthetic_data(data.str());
  const auto run = run_trainer<Impatient>(quick(data, out.str(), {"--epochs", "6"}));
  INFO(run.out << run.err);
  REQUIRE(run.status == 0);
  CHECK_THAT(run.out, Contains("stopped early after epoch 2: val_loss has not improved for 1 "
                               "epoch; restored the weights of epoch 1\n") &&
                          !Contains("Epoch 3/6"));
  CHECK(cnn::parse_history_csv(text_of(out.file("history.csv")), "h").size() == 2);
  // The saved weights are those after epoch 1.
  REQUIRE(run_trainer<Impatient>(quick(data, first.str(), {"--epochs", "1"})).status == 0);
  CHECK(read_bytes(out.file("weights.safetensors")) ==
        read_bytes(first.file("weights.safetensors")));
  // A stopped run is not resumed.
  const auto resumed = run_trainer<Impatient>(
      {"--data", data.str(), "--resume", out.file("checkpoint.safetensors"), "--epochs", "9"});
  CHECK(resumed.status == 0);
  CHECK_THAT(resumed.out, Contains("stopped early after epoch 2: nothing to train"));
}

TEST_CASE("early stopping resumed from a checkpoint stops where the whole run stops") {
  TempDir data, whole, parts;
  write_synthetic_data(data.str());
  const std::vector<std::string> patient{"--patience", "2"};
  auto with = [&](const TempDir& out, std::vector<std::string> more) {
    more.insert(more.end(), patient.begin(), patient.end());
    return run_trainer<Impatient>(quick(data, out.str(), more));
  };
  const auto run = with(whole, {"--epochs", "6"});
  REQUIRE(run.status == 0);
  CHECK_THAT(run.out, Contains("stopped early after epoch 3: val_loss has not improved for 2 "
                               "epochs; restored the weights of epoch 1"));
  REQUIRE(with(parts, {"--epochs", "2"}).status == 0);
  const auto resumed = run_trainer<Impatient>(
      {"--data", data.str(), "--resume", parts.file("checkpoint.safetensors"), "--epochs", "6"});
  INFO(resumed.out << resumed.err);
  CHECK_THAT(resumed.out, Contains("stopped early after epoch 3") && Contains("epoch 1"));
  CHECK(read_bytes(whole.file("weights.safetensors")) ==
        read_bytes(parts.file("weights.safetensors")));
}

TEST_CASE("early stopping without validation samples or with the wrong metric is refused") {
  TempDir data, out;
  write_synthetic_data(data.str());
  const auto run = run_trainer<Impatient>(quick(data, out.str(), {"--validation", "0"}));
  CHECK(run.status == 2);
  CHECK_THAT(run.err, Contains("early stopping watches val_loss, but the run holds out no "
                               "validation samples"));
  using WatchingMae =
      With<kConstant, cnn::EarlyStoppingConfig{true, cnn::MonitorKind::ValMae, 1, 0.0, true},
           kNoAugment>;
  const auto mae = run_trainer<WatchingMae>(quick(data, out.str()));
  CHECK(mae.status == 2);
  CHECK_THAT(mae.err,
             Contains("early stopping watches val_mae, but this data's metric is val_acc"));
}
