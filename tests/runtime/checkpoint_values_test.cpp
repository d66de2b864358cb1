// A checkpoint whose metadata was damaged or hand-edited: every bad value is a data error that
// names the file and the value, never a hang, a wrapped number or a usage error.
#include "cnn/random.hpp"
#include "cnn/safetensors.hpp"
#include "dense_model.hpp"
#include "run_trainer.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <stdexcept>
#include <string>

using Catch::Matchers::Contains;
using Dense = cnn::dense::Model;
using namespace cnn::test;

namespace {

// Trains one epoch into `out`, then rewrites its checkpoint with metadata `key` set to `value`.
std::string edited_checkpoint(const TempDir& data, const TempDir& out, const std::string& key,
                              const std::string& value) {
  const auto first = run_trainer<Dense>(
      {"--data", data.str(), "--batch", "50", "--epochs", "1", "--quiet", "--out", out.str()});
  REQUIRE(first.status == 0);
  const std::string path = out.file("checkpoint.safetensors");
  const cnn::Safetensors file = cnn::read_safetensors(path);
  std::vector<std::vector<float>> values;
  std::vector<cnn::TensorView> tensors;
  values.reserve(file.entries.size());
  for (const auto& entry : file.entries) {
    std::size_t count = 1;
    for (const auto d : entry.shape) count *= static_cast<std::size_t>(d);
    values.emplace_back(count);
    file.copy_f32(entry, values.back().data());
    tensors.push_back({entry.name, entry.shape, values.back().data()});
  }
  std::map<std::string, std::string> metadata = file.metadata;
  REQUIRE(metadata.count(key) == 1);
  metadata[key] = value;
  cnn::write_safetensors(path, tensors, metadata);
  return path;
}

RunResult resume(const TempDir& data, const std::string& checkpoint) {
  return run_trainer<Dense>(
      {"--data", data.str(), "--resume", checkpoint, "--epochs", "2", "--quiet"});
}

} // namespace

TEST_CASE("a random generator state of all zeros is refused, since it never changes") {
  cnn::Rng rng(1);
  const std::string zeros = "0000000000000000:0000000000000000:0000000000000000:"
                            "0000000000000000:-0000000000000000";
  CHECK_THROWS_WITH(rng.set_state(zeros), Contains("is all zeros, which never changes"));
  // One non-zero bit is a valid state, and it moves on.
  CHECK_NOTHROW(rng.set_state("0000000000000000:0000000000000001:0000000000000000:"
                              "0000000000000000:-0000000000000000"));
  const std::string start = rng.state();
  rng.next();
  CHECK(rng.state() != start);
}

TEST_CASE("resuming from a checkpoint whose shuffle state is all zeros fails instead of hanging") {
  TempDir data, out;
  write_synthetic_data(data.str());
  const std::string zeros = "0000000000000000:0000000000000000:0000000000000000:"
                            "0000000000000000:-0000000000000000";
  const auto resumed = resume(data, edited_checkpoint(data, out, "shuffle_rng", zeros));
  CHECK(resumed.status == 1);
  CHECK_THAT(resumed.err, Contains("checkpoint.safetensors: random generator state") &&
                              Contains("is all zeros"));
}

TEST_CASE("a checkpoint's negative or out-of-range epoch is a data error") {
  TempDir data, out;
  write_synthetic_data(data.str());
  const std::string path = edited_checkpoint(data, out, "epoch", "-3");
  const auto negative = resume(data, path);
  CHECK(negative.status == 1);
  CHECK_THAT(negative.err,
             Contains("checkpoint.safetensors: checkpoint metadata 'epoch' is -3, outside 0 to "
                      "2147483647"));
  CHECK_THAT(negative.out, !Contains("Epoch"));
  TempDir out2;
  const auto wrapped = resume(data, edited_checkpoint(data, out2, "epoch", "4294967297"));
  CHECK(wrapped.status == 1);
  CHECK_THAT(wrapped.err, Contains("'epoch' is 4294967297, outside 0 to 2147483647"));
  TempDir out3;
  const auto word = resume(data, edited_checkpoint(data, out3, "epoch", "two"));
  CHECK(word.status == 1);
  CHECK_THAT(word.err, Contains("checkpoint metadata 'epoch' is 'two', not a number"));
}

TEST_CASE("a checkpoint's bad setting is a data error about the file, not a usage error") {
  TempDir data, out;
  write_synthetic_data(data.str());
  const auto resumed = resume(data, edited_checkpoint(data, out, "threads", "100000"));
  CHECK(resumed.status == 1);
  CHECK_THAT(resumed.err, Contains("checkpoint.safetensors: the checkpoint's setting 'threads' is "
                                   "'100000': need 1 to 256") &&
                              !Contains("Try") && !Contains("usage"));
}

TEST_CASE("early stopping's best weights of the wrong shape are refused, not copied past the end") {
  TempDir data, out;
  write_synthetic_data(data.str());
  const auto first = run_trainer<Dense>({"--data", data.str(), "--batch", "50", "--epochs", "1",
                                         "--patience", "3", "--quiet", "--out", out.str()});
  REQUIRE(first.status == 0);
  const std::string path = out.file("checkpoint.safetensors");
  const cnn::Safetensors file = cnn::read_safetensors(path);
  REQUIRE(file.find("best.dense_1.bias") != nullptr);
  // The checkpoint again, with best.dense_1.bias 1,000 values long instead of 10.
  std::vector<std::vector<float>> values;
  std::vector<cnn::TensorView> tensors;
  values.reserve(file.entries.size());
  for (const auto& entry : file.entries) {
    std::vector<std::int64_t> shape = entry.shape;
    if (entry.name == "best.dense_1.bias") shape = {1000};
    values.emplace_back(static_cast<std::size_t>(shape[0] * (shape.size() > 1 ? shape[1] : 1)));
    if (entry.name != "best.dense_1.bias") file.copy_f32(entry, values.back().data());
    tensors.push_back({entry.name, shape, values.back().data()});
  }
  cnn::write_safetensors(path, tensors, file.metadata);
  const auto resumed = resume(data, path);
  CHECK(resumed.status == 1);
  CHECK_THAT(resumed.err, Contains("tensor 'best.dense_1.bias' has shape [1000], model dense "
                                   "expects [10]"));
}
