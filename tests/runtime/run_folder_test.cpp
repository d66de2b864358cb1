// What a run writes and where: a finished run resumed says so and writes nothing, a run never
// replaces another one's files unless asked, evaluate's report, predict's CSV with true labels.
#include "dense_model.hpp"
#include "run_trainer.hpp"

#include <catch2/catch.hpp>

using Catch::Matchers::Contains;
using Dense = cnn::dense::Model;
using namespace cnn::test;

namespace {

std::vector<std::string> quick(const TempDir& data, std::vector<std::string> more) {
  std::vector<std::string> args{"--data", data.str(), "--batch", "50", "--lr", "0.01", "--quiet"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

} // namespace

TEST_CASE("resuming a finished run says so, trains nothing and writes nothing") {
  TempDir data, out;
  write_synthetic_data(data.str());
  REQUIRE(run_trainer<Dense>(quick(data, {"--out", out.str(), "--epochs", "2"})).status == 0);
  const auto before = read_bytes(out.file("weights.safetensors"));
  const auto resumed =
      run_trainer<Dense>({"--data", data.str(), "--resume", out.file("checkpoint.safetensors")});
  INFO(resumed.out << resumed.err);
  CHECK(resumed.status == 0);
  CHECK_THAT(resumed.out, Contains("has completed 2 epochs, and the run asks for 2") &&
                              Contains("nothing written") && Contains("--epochs 12") &&
                              !Contains("Wrote") && !Contains("Epoch"));
  CHECK(read_bytes(out.file("weights.safetensors")) == before);
}

TEST_CASE("a resumed run without --out continues in its checkpoint's folder") {
  TempDir data, out;
  write_synthetic_data(data.str());
  REQUIRE(run_trainer<Dense>(quick(data, {"--out", out.str(), "--epochs", "1"})).status == 0);
  const auto resumed = run_trainer<Dense>(
      {"--data", data.str(), "--resume", out.file("checkpoint.safetensors"), "--epochs", "2"});
  INFO(resumed.out << resumed.err);
  REQUIRE(resumed.status == 0);
  CHECK_THAT(resumed.out, Contains("Wrote " + out.str() + "/weights.safetensors"));
  const auto history = read_bytes(out.file("history.csv"));
  CHECK(std::count(history.begin(), history.end(), '\n') == 3); // header and two epochs
}

TEST_CASE("a run refuses an --out folder that holds another run, unless --overwrite") {
  TempDir data, out;
  write_synthetic_data(data.str());
  REQUIRE(run_trainer<Dense>(quick(data, {"--out", out.str(), "--epochs", "1"})).status == 0);
  const auto before = read_bytes(out.file("history.csv"));
  const auto again = run_trainer<Dense>(quick(data, {"--out", out.str(), "--epochs", "1"}));
  CHECK(again.status == 2);
  CHECK_THAT(again.err, Contains(out.str() + " already holds a run") &&
                            Contains("history.csv, weights.safetensors, checkpoint.safetensors") &&
                            Contains("--overwrite"));
  CHECK(read_bytes(out.file("history.csv")) == before);
  const auto forced =
      run_trainer<Dense>(quick(data, {"--out", out.str(), "--epochs", "1", "--overwrite"}));
  CHECK(forced.status == 0);
}

TEST_CASE("a resumed run refuses an --out folder that holds another run") {
  TempDir data, first, other;
  write_synthetic_data(data.str());
  REQUIRE(run_trainer<Dense>(quick(data, {"--out", first.str(), "--epochs", "1"})).status == 0);
  REQUIRE(run_trainer<Dense>(quick(data, {"--out", other.str(), "--epochs", "1"})).status == 0);
  const auto before = read_bytes(other.file("weights.safetensors"));
  const auto resumed =
      run_trainer<Dense>({"--data", data.str(), "--resume", first.file("checkpoint.safetensors"),
                          "--epochs", "2", "--out", other.str()});
  CHECK(resumed.status == 2);
  CHECK_THAT(resumed.err, Contains(other.str() + " already holds a run"));
  CHECK(read_bytes(other.file("weights.safetensors")) == before);
}

TEST_CASE("without --out each run gets a fresh folder under runs/") {
  TempDir data, work;
  write_synthetic_data(data.str());
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(work.str());
  const std::vector<std::string> args{"--data", data.str(), "--epochs", "1"};
  const auto first = run_trainer<Dense>(args);
  const auto second = run_trainer<Dense>(args);
  std::filesystem::current_path(previous);
  INFO(first.out << first.err << second.out << second.err);
  CHECK(first.status == 0);
  CHECK(second.status == 0);
  CHECK_THAT(first.out, Contains("Wrote runs/dense/weights.safetensors"));
  CHECK_THAT(second.out, Contains("Wrote runs/dense-2/weights.safetensors"));
  CHECK(std::filesystem::exists(work.file("runs/dense/history.csv")));
  CHECK(std::filesystem::exists(work.file("runs/dense-2/history.csv")));
}

TEST_CASE("evaluate prints precision, recall and the confusion matrix, and draws it") {
  TempDir data, out;
  write_synthetic_data(data.str());
  REQUIRE(run_trainer<Dense>(quick(data, {"--out", out.str(), "--epochs", "3"})).status == 0);
  const auto evaluate = run_trainer<Dense>(
      {"evaluate", "--weights", out.file("weights.safetensors"), "--data", data.str()});
  INFO(evaluate.out << evaluate.err);
  REQUIRE(evaluate.status == 0);
  CHECK_THAT(evaluate.out, Contains("Test: loss ") && Contains("(200 samples)") &&
                               Contains("precision") && Contains("recall") &&
                               Contains("Wrote " + out.str() + "/confusion.png"));
  const auto png = read_bytes(out.file("confusion.png"));
  REQUIRE(png.size() > 8);
  CHECK(png[1] == 'P');
  CHECK(png[2] == 'N');
  CHECK(png[3] == 'G');
}

TEST_CASE("predict adds the true class when labels are given, and says what it wrote") {
  TempDir data, out;
  write_synthetic_data(data.str());
  REQUIRE(run_trainer<Dense>(quick(data, {"--out", out.str(), "--epochs", "3"})).status == 0);
  const auto predicted =
      run_trainer<Dense>({"predict", "--weights", out.file("weights.safetensors"), "--data",
                          data.str(), "--output", out.file("predictions.csv")});
  INFO(predicted.out << predicted.err);
  REQUIRE(predicted.status == 0);
  CHECK_THAT(predicted.out, Contains("Wrote 200 predictions") && Contains("correct, acc "));
  const auto csv = read_bytes(out.file("predictions.csv"));
  CHECK_THAT(std::string(csv.begin(), csv.end()),
             Contains("sample,class,name,true_class,true_name,p_0,p_1,"));
  const auto labelled = run_trainer<Dense>({"predict", "--weights", out.file("weights.safetensors"),
                                            "--images", data.file("t10k-images-idx3-ubyte"),
                                            "--labels", data.file("t10k-labels-idx1-ubyte.gz")});
  REQUIRE(labelled.status == 0);
  CHECK(std::count(labelled.out.begin(), labelled.out.end(), '\n') == 201);
}
