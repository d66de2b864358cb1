// Training runs of the hand-written fixture model on synthetic data: the command line, epoch
// lines and files, determinism, checkpoints and resume, and the NaN guard.
#include "dense_model.hpp"
#include "run_trainer.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using Catch::Matchers::Contains;
using Dense = cnn::dense::Model;
using namespace cnn::test;

namespace {

// Fails from the `healthy_calls`-th call of loss on: a poisoned input.
struct Poison;
using PoisonedModel = HookedModel<Dense, Poison>;
int healthy_calls = 0;

std::vector<std::string> quick(const TempDir& data, const std::string& out,
                               const std::vector<std::string>& more = {}) {
  return quick_args(data, out, more);
}

} // namespace

TEST_CASE("a training run prints Keras-like epoch lines and the test result") {
  TempDir data, out;
  write_synthetic_data(data.str());
  const auto run = run_trainer<Dense>(quick(data, out.str(), {"--epochs", "2", "--threads", "2"}));
  INFO(run.out << run.err);
  REQUIRE(run.status == 0);
  CHECK(run.out.find("dense: 540 training, 60 validation, 200 test samples from " + data.str()) !=
        std::string::npos);
  CHECK_THAT(run.out, Contains("Epoch 1/2 - ") && Contains(" - loss: ") && Contains(" - acc: ") &&
                          Contains(" - val_loss: ") && Contains(" - val_acc: ") &&
                          Contains("Epoch 2/2 - ") && Contains("Test: loss "));
  const auto history = read_bytes(out.file("history.csv"));
  const std::string csv(history.begin(), history.end());
  CHECK(csv.starts_with("epoch,seconds,loss,acc,val_loss,val_acc,lr\n1,"));
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 3);
  CHECK(std::filesystem::exists(out.file("weights.safetensors")));
  CHECK(std::filesystem::exists(out.file("checkpoint.safetensors")));
  CHECK(std::filesystem::exists(out.file("history.gp")));
  // The bars are easy: the classifier must learn them.
  const auto acc = run.out.substr(run.out.find("Test: loss"));
  CHECK(std::stod(acc.substr(acc.find("acc ") + 4)) > 0.9);
}

TEST_CASE("the same seed and thread count give bit-identical weights") {
  TempDir data, a, b, c;
  write_synthetic_data(data.str());
  REQUIRE(run_trainer<Dense>(quick(data, a.str(), {"--epochs", "2", "--threads", "2"})).status ==
          0);
  REQUIRE(run_trainer<Dense>(quick(data, b.str(), {"--epochs", "2", "--threads", "2"})).status ==
          0);
  CHECK(read_bytes(a.file("weights.safetensors")) == read_bytes(b.file("weights.safetensors")));
  REQUIRE(
      run_trainer<Dense>(quick(data, c.str(), {"--epochs", "2", "--threads", "2", "--seed", "9"}))
          .status == 0);
  CHECK(read_bytes(a.file("weights.safetensors")) != read_bytes(c.file("weights.safetensors")));
}

TEST_CASE("a resumed run ends with the same weights as an uninterrupted one") {
  TempDir data, whole, parts;
  write_synthetic_data(data.str());
  REQUIRE(
      run_trainer<Dense>(quick(data, whole.str(), {"--epochs", "3", "--threads", "2"})).status ==
      0);
  REQUIRE(
      run_trainer<Dense>(quick(data, parts.str(), {"--epochs", "1", "--threads", "2"})).status ==
      0);
  // The checkpoint remembers batch, lr, threads, seed; only the epoch count is given again.
  const auto resumed = run_trainer<Dense>({"--data", data.str(), "--out", parts.str(), "--resume",
                                           parts.file("checkpoint.safetensors"), "--epochs", "3"});
  INFO(resumed.out << resumed.err);
  REQUIRE(resumed.status == 0);
  CHECK_THAT(resumed.out, Contains("Epoch 2/3") && Contains("Epoch 3/3") && !Contains("Epoch 1/3"));
  CHECK(read_bytes(whole.file("weights.safetensors")) ==
        read_bytes(parts.file("weights.safetensors")));
  CHECK(read_bytes(whole.file("checkpoint.safetensors")).size() ==
        read_bytes(parts.file("checkpoint.safetensors")).size());
}

TEST_CASE("a checkpoint holds weights, optimizer state and the run's position") {
  TempDir data, out;
  write_synthetic_data(data.str());
  REQUIRE(run_trainer<Dense>(quick(data, out.str(), {"--epochs", "2", "--threads", "1"})).status ==
          0);
  const auto file = cnn::read_safetensors(out.file("checkpoint.safetensors"));
  CHECK(file.metadata.at("format") == "cnnc-checkpoint");
  CHECK(file.metadata.at("epoch") == "2");
  CHECK(file.metadata.at("optimizer") == "adam");
  CHECK(file.metadata.at("iterations") == "22"); // 540 images in batches of 50, twice
  CHECK(file.find("optimizer.m") != nullptr);
  CHECK(file.find("optimizer.v")->shape == std::vector<std::int64_t>{7850});
  CHECK(cnn::parse_history_csv(file.metadata.at("history"), "checkpoint").size() == 2);
  // The checkpoint's weights are the final weights.
  std::vector<float> from_checkpoint(Dense::kParamCount), from_weights(Dense::kParamCount);
  cnn::load_weights(file, cnn::describe<Dense>(), from_checkpoint.data());
  cnn::load_weights(cnn::read_safetensors(out.file("weights.safetensors")), cnn::describe<Dense>(),
                    from_weights.data());
  CHECK(from_checkpoint == from_weights);
  // A weights file is not a checkpoint.
  const auto wrong = run_trainer<Dense>(
      {"--data", data.str(), "--out", out.str(), "--resume", out.file("weights.safetensors")});
  CHECK(wrong.status == 1);
  CHECK_THAT(wrong.err, Contains("not a checkpoint"));
}

TEST_CASE("a loss that becomes NaN stops the run and keeps the last good checkpoint") {
  TempDir data, out;
  write_synthetic_data(data.str());
  // Per epoch: 540 images in 10 batches of 50 and one of 40, each in groups of kLanes, then 60
  // validation images. Poison a call in the middle of epoch 2.
  constexpr int L = cnn::Trainer<Dense>::kLanes;
  constexpr int train_calls = 10 * ((50 + L - 1) / L) + (40 + L - 1) / L;
  constexpr int validation_calls = (60 + L - 1) / L;
  healthy_calls = train_calls + validation_calls + train_calls / 2;
  PoisonedModel::after_loss = [](float* loss) {
    if (--healthy_calls < 0) loss[0] = std::nan("");
  };
  const auto run =
      run_trainer<PoisonedModel>(quick(data, out.str(), {"--epochs", "3", "--threads", "1"}));
  CHECK(run.status == 1);
  CHECK_THAT(run.err, Contains("training diverged: the loss became nan in epoch 2") &&
                          Contains("last good checkpoint is " + out.file("checkpoint.safetensors") +
                                   " (epoch 1)"));
  const auto file = cnn::read_safetensors(out.file("checkpoint.safetensors"));
  CHECK(file.metadata.at("epoch") == "1");
  CHECK_FALSE(std::filesystem::exists(out.file("weights.safetensors")));
  const auto evaluate = run_trainer<Dense>(
      {"evaluate", "--weights", out.file("checkpoint.safetensors"), "--data", data.str()});
  CHECK(evaluate.status == 0);
  CHECK_THAT(evaluate.out, Contains("Test: loss"));
}

TEST_CASE("a huge learning rate is stopped before it writes a checkpoint") {
  TempDir data, out;
  write_synthetic_data(data.str());
  const auto run = run_trainer<Dense>(quick(data, out.str(), {"--lr", "1e300", "--epochs", "2"}));
  CHECK(run.status == 1);
  CHECK_THAT(run.err, Contains("training diverged") && Contains("in epoch 1, batch 1 of 11") &&
                          Contains("No checkpoint was written"));
  CHECK_FALSE(std::filesystem::exists(out.file("checkpoint.safetensors")));
}

TEST_CASE("evaluate and predict use saved weights") {
  TempDir data, out;
  write_synthetic_data(data.str());
  REQUIRE(run_trainer<Dense>(quick(data, out.str(), {"--epochs", "1", "--quiet"})).status == 0);
  const auto evaluate = run_trainer<Dense>(
      {"evaluate", "--weights", out.file("weights.safetensors"), "--data", data.str()});
  CHECK(evaluate.status == 0);
  CHECK_THAT(evaluate.out, Contains("Test: loss ") && Contains(" - acc "));
  const auto predict =
      run_trainer<Dense>({"predict", "--weights", out.file("weights.safetensors"), "--images",
                          data.file("t10k-images-idx3-ubyte"), "--output", out.file("p.csv")});
  REQUIRE(predict.status == 0);
  const auto bytes = read_bytes(out.file("p.csv"));
  std::istringstream csv(std::string(bytes.begin(), bytes.end()));
  std::string line;
  std::getline(csv, line);
  CHECK(line == "sample,class,name,p_0,p_1,p_2,p_3,p_4,p_5,p_6,p_7,p_8,p_9");
  int rows = 0;
  while (std::getline(csv, line)) {
    ++rows;
    double sum = 0;
    std::istringstream cells(line);
    std::string cell;
    for (int column = 0; std::getline(cells, cell, ','); ++column)
      if (column >= 3) sum += std::stod(cell);
    CHECK(sum == Approx(1.0).epsilon(1e-4));
  }
  CHECK(rows == 200);
}

TEST_CASE("bad usage exits 2 and bad files exit 1, each with a message") {
  TempDir data, out;
  write_synthetic_data(data.str());
  const auto help = run_trainer<Dense>({"--help"});
  CHECK(help.status == 0);
  for (const char* option : {"--data", "--format", "--epochs", "--batch", "--lr", "--threads",
                             "--seed", "--validation", "--limit", "--out", "--overwrite"})
    CHECK_THAT(help.out, Contains(option));
  for (const char* option : {"--init", "--resume", "--quiet", "evaluate --weights",
                             "predict --weights", "--images", "--labels", "--output", "summary"})
    CHECK_THAT(help.out, Contains(option));
  CHECK(run_trainer<Dense>({"--bogus"}).status == 2);
  CHECK_THAT(run_trainer<Dense>({"--bogus"}).err, Contains("unknown option '--bogus'"));
  CHECK_THAT(run_trainer<Dense>({"--batch", "0"}).err, Contains("--batch 0: need at least 1"));
  CHECK(run_trainer<Dense>({"--epochs", "two"}).status == 2);
  CHECK_THAT(run_trainer<Dense>({"evaluate"}).err, Contains("evaluate needs --weights"));
  CHECK(run_trainer<Dense>({"explode"}).status == 2);
  CHECK_THAT(run_trainer<Dense>({"summary", "--epochs", "3"}).err,
             Contains("--epochs does not apply to the summary command"));
  const auto missing = run_trainer<Dense>({"--data", out.file("nowhere"), "--out", out.str()});
  CHECK(missing.status == 1);
  CHECK_THAT(missing.err, Contains(out.file("nowhere")) && Contains("fetch-data"));
  const auto too_many = run_trainer<Dense>(quick(data, out.str(), {"--validation", "600"}));
  CHECK(too_many.status == 2);
  CHECK_THAT(too_many.err, Contains("leaves none"));
  const auto bad_init =
      run_trainer<Dense>(quick(data, out.str(), {"--init", data.file("t10k-images-idx3-ubyte")}));
  CHECK(bad_init.status == 1);
  CHECK_THAT(bad_init.err, Contains("t10k-images-idx3-ubyte: not a valid safetensors file"));
}

TEST_CASE(
    "options --limit and --validation choose the images, and no validation means no val columns") {
  TempDir data, out;
  write_synthetic_data(data.str());
  const auto run = run_trainer<Dense>(
      quick(data, out.str(), {"--limit", "100", "--validation", "0", "--epochs", "1"}));
  REQUIRE(run.status == 0);
  CHECK_THAT(run.out, Contains("100 training, 0 validation") && !Contains("val_loss"));
  const auto fraction = run_trainer<Dense>(
      quick(data, out.str(), {"--validation", "0.25", "--epochs", "1", "--overwrite"}));
  CHECK_THAT(fraction.out, Contains("450 training, 150 validation"));
}

TEST_CASE("summary prints the layers table from kLayers") {
  const auto run = run_trainer<Dense>({"summary"});
  CHECK(run.status == 0);
  CHECK_THAT(run.out, Contains("dense_1 (Dense)") && Contains("(10)") && Contains("7,850") &&
                          Contains("Total params: 7,850"));
}

TEST_CASE("option --init starts from saved weights instead of the initialiser") {
  TempDir data, first, second;
  write_synthetic_data(data.str());
  REQUIRE(run_trainer<Dense>(quick(data, first.str(), {"--epochs", "2", "--quiet"})).status == 0);
  const auto first_bytes = cnn::read_file_bytes(first.file("history.csv"));
  const auto fresh =
      cnn::parse_history_csv(std::string(first_bytes.begin(), first_bytes.end()), "history");
  REQUIRE(run_trainer<Dense>(
              quick(data, second.str(),
                    {"--epochs", "1", "--quiet", "--init", first.file("checkpoint.safetensors")}))
              .status == 0);
  const auto bytes = cnn::read_file_bytes(second.file("history.csv"));
  const auto continued = cnn::parse_history_csv(std::string(bytes.begin(), bytes.end()), "history");
  // Starting from trained weights, the first epoch is already better than the fresh run's.
  CHECK(continued[0].loss < fresh[0].loss);
  CHECK(*continued[0].val_loss < *fresh[0].val_loss);
}

TEST_CASE("an empty test split is an error before training, not a test score of 0") {
  TempDir data, empty, out;
  write_synthetic_data(data.str());
  write_synthetic_split(empty.str(), "train", 600, 1);
  write_synthetic_split(empty.str(), "t10k", 0, 2);
  const auto run = run_trainer<Dense>(quick(empty, out.str(), {"--epochs", "1"}));
  CHECK(run.status == 1);
  CHECK_THAT(run.err, Contains("t10k-images-idx3-ubyte: the test split holds no samples"));
  CHECK_THAT(run.out, !Contains("Epoch 1/1") && !Contains("Test:"));
  REQUIRE(run_trainer<Dense>(quick(data, out.str(), {"--epochs", "1"})).status == 0);
  const auto evaluate = run_trainer<Dense>(
      {"evaluate", "--weights", out.file("weights.safetensors"), "--data", empty.str()});
  CHECK(evaluate.status == 1);
  CHECK_THAT(evaluate.err, Contains("the test split is empty") && !Contains("Test:"));
}
