// Epoch lines, history.csv and the plot (with and without gnuplot).
#include "cnn/errors.hpp"
#include "cnn/file_io.hpp"
#include "cnn/history.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>

using Catch::Matchers::Contains;
using namespace cnn::test;

namespace {

std::vector<cnn::EpochRecord> two_epochs() {
  return {{1, 1.12, 1.2455, 0.7201, 0.4805, 0.8707, 0.001},
          {2, 1.09, 0.3563, 0.8995, 0.2851, 0.9172, 0.0005}};
}

std::string text_of(const std::string& path) {
  const auto bytes = read_bytes(path);
  return {bytes.begin(), bytes.end()};
}

} // namespace

TEST_CASE("the epoch line reads like Keras'") {
  CHECK(cnn::epoch_line({3, 1.1, 0.2474, 0.9271, 0.2230, 0.9365}, 50) ==
        "Epoch 3/50 - 1.1s - loss: 0.2474 - acc: 0.9271 - val_loss: 0.2230 - val_acc: 0.9365");
  CHECK(cnn::epoch_line({1, 0.25, 0.5, 0.75, std::nullopt, std::nullopt}, 2) ==
        "Epoch 1/2 - 0.2s - loss: 0.5000 - acc: 0.7500");
  // A schedule's learning rate is shown, as Keras shows a scheduler's.
  CHECK(cnn::epoch_line({2, 0.25, 0.5, 0.75, std::nullopt, std::nullopt, 0.00025, true}, 2) ==
        "Epoch 2/2 - 0.2s - loss: 0.5000 - acc: 0.7500 - lr: 0.00025");
}

TEST_CASE("history.csv round-trips, also without validation columns") {
  auto history = two_epochs();
  history.push_back({3, 1.0, 0.25, 0.5, std::nullopt, std::nullopt});
  const auto csv = cnn::history_csv(history);
  CHECK(csv.starts_with(
      "epoch,seconds,loss,acc,val_loss,val_acc,lr\n1,1.120,1.2455,0.7201,0.4805,0.8707,0.001\n"));
  const auto parsed = cnn::parse_history_csv(csv, "test");
  REQUIRE(parsed.size() == 3);
  CHECK(parsed[1].loss == 0.3563);
  CHECK(parsed[1].val_acc == 0.9172);
  CHECK(parsed[1].lr == 0.0005);
  CHECK_FALSE(parsed[2].val_loss.has_value());
  CHECK_THROWS_WITH(cnn::parse_history_csv("epoch,x\n", "f.safetensors"),
                    Contains("f.safetensors") && Contains("CSV header"));
  CHECK_THROWS_AS(cnn::parse_history_csv(csv + "4,1,x,2,,,\n", "f"), cnn::DataError);
}

TEST_CASE("history.csv of a checkpoint from before the lr column still reads") {
  const auto parsed = cnn::parse_history_csv(
      "epoch,seconds,loss,acc,val_loss,val_acc\n1,1.120,1.2455,0.7201,0.4805,0.8707\n", "old");
  REQUIRE(parsed.size() == 1);
  CHECK(parsed[0].val_acc == 0.8707);
  CHECK(parsed[0].lr == 0);
}

TEST_CASE("gnuplot draws the history as PNG and SVG") {
  TempDir dir;
  cnn::write_file_atomically(dir.file("history.csv"), cnn::history_csv(two_epochs()));
  const auto problem = cnn::plot_history(dir.str(), "mnist");
  if (problem.find("gnuplot not found") != std::string::npos)
    WARN(problem);
  else {
    CHECK(problem.empty());
    const auto png = read_bytes(dir.file("history.png"));
    REQUIRE(png.size() > 8);
    CHECK(png[1] == 'P');
    CHECK(png[2] == 'N');
    CHECK_THAT(text_of(dir.file("history.svg")),
               Contains("<svg") && Contains("Validation accuracy"));
    CHECK_FALSE(std::filesystem::exists(dir.file("history.png.tmp")));
  }
  CHECK_THAT(text_of(dir.file("history.gp")), Contains("pngcairo") && Contains("terminal svg"));
}

TEST_CASE("real-valued targets show the mean absolute error in lines, CSV and plot") {
  auto history = two_epochs();
  for (auto& record : history) record.metric = "mae";
  CHECK(cnn::epoch_line(history[0], 2) ==
        "Epoch 1/2 - 1.1s - loss: 1.2455 - mae: 0.7201 - val_loss: 0.4805 - val_mae: 0.8707");
  const auto csv = cnn::history_csv(history);
  CHECK(csv.starts_with("epoch,seconds,loss,mae,val_loss,val_mae,lr\n"));
  const auto parsed = cnn::parse_history_csv(csv, "test");
  REQUIRE(parsed.size() == 2);
  CHECK(parsed[0].metric == "mae");
  TempDir dir;
  cnn::write_file_atomically(dir.file("history.csv"), csv);
  const auto problem = cnn::plot_history(dir.str(), "regression", "mae");
  CHECK_THAT(text_of(dir.file("history.gp")), Contains("set ylabel 'Mean absolute error'") &&
                                                  Contains("'Validation mean absolute error'") &&
                                                  !Contains("ccuracy"));
}

TEST_CASE("a line break in a model name cannot add a command to the gnuplot script") {
  TempDir dir;
  cnn::write_file_atomically(dir.file("history.csv"), cnn::history_csv(two_epochs()));
  cnn::plot_history(dir.str(), "m'\nsystem 'touch pwned");
  CHECK_THAT(text_of(dir.file("history.gp")), !Contains("\nsystem"));
  CHECK_FALSE(std::filesystem::exists("pwned"));
}

TEST_CASE("without gnuplot the plot is skipped with a message and the script still written") {
  TempDir dir;
  cnn::write_file_atomically(dir.file("history.csv"), cnn::history_csv(two_epochs()));
  const std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  ::setenv("PATH", dir.str().c_str(), 1);
  const auto problem = cnn::plot_history(dir.str(), "mnist");
  ::setenv("PATH", saved.c_str(), 1);
  CHECK_THAT(problem, Contains("gnuplot not found") && Contains("history.csv"));
  CHECK(std::filesystem::exists(dir.file("history.gp")));
  CHECK_FALSE(std::filesystem::exists(dir.file("history.png")));
}

TEST_CASE("atomic writes leave no temporary file and replace the old content") {
  TempDir dir;
  cnn::write_file_atomically(dir.file("f"), "first");
  cnn::write_file_atomically(dir.file("f"), "second");
  CHECK(text_of(dir.file("f")) == "second");
  CHECK(std::distance(std::filesystem::directory_iterator(dir.str()), {}) == 1);
  CHECK_THROWS_WITH(cnn::write_file_atomically(dir.file("no/such/dir/f"), "x"),
                    Contains("no/such/dir/f") && Contains("cannot create"));
}
