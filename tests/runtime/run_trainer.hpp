// Runs a trainer command in-process with its output captured, and writes a small synthetic
// MNIST-style data folder (10 classes of 28x28 images) for quick training runs.
#pragma once

#include "cnn/trainer_main.hpp"
#include "temp_dir.hpp"

#include <cstdio>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

namespace cnn::test {

// The sanitizer build (CNNC_TEST_SANITIZED: the models' kernels unoptimised, every access
// checked) trains on a tenth of the samples, which leaves too little learning to judge: there
// the runs, their files and results are checked, and how well a model learns only in the
// optimised build.
#ifdef CNNC_TEST_SANITIZED
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

// `count` samples as a flag's value: all of them, a `fraction`th under the sanitizers.
inline std::string samples(int count, int fraction = 10) {
  return std::to_string(kSanitized ? count / fraction : count);
}

struct RunResult {
  int status;
  std::string out, err;
};

inline std::string read_all(std::FILE* file) {
  std::rewind(file);
  std::string text;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file)) > 0;) text.append(buffer, n);
  std::fclose(file);
  return text;
}

template <class Model>
RunResult run_trainer(const std::vector<std::string>& args) {
  std::vector<const char*> argv{"test-train"};
  for (const auto& arg : args) argv.push_back(arg.c_str());
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  const int status = trainer_main<Model>(static_cast<int>(argv.size()), argv.data(), out, err);
  return {status, read_all(out), read_all(err)};
}

// The arguments of a quick run of the fixture on `data` into `out` (batch 50, lr 0.01), then
// `more`.
inline std::vector<std::string> quick_args(const TempDir& data, const std::string& out,
                                           const std::vector<std::string>& more = {}) {
  std::vector<std::string> args{"--data",  data.str(), "--out", out,
                                "--batch", "50",       "--lr",  "0.01"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// A model whose loss calls `after_loss` with its per-lane losses: a test's way to act in the
// middle of a batch (poison a loss, raise a signal). `Tag` keeps each test's hook its own.
template <class Model, class Tag>
struct HookedModel : Model {
  static inline std::function<void(float* loss_per_lane)> after_loss;
  template <typename T, int L>
  static void loss(const typename Model::template Workspace<T, L>& ws, const T* target, int active,
                   T* loss_per_lane) {
    Model::template loss<T, L>(ws, target, active, loss_per_lane);
    if constexpr (std::is_same_v<T, float>)
      if (after_loss) after_loss(loss_per_lane);
  }
};

// Class c is a bright bar on rows 2c+4 .. 2c+6 over pseudo-random speckle; labels cycle
// through a fixed pseudo-random order.
inline void write_synthetic_split(const std::string& dir, const std::string& split,
                                  std::uint32_t count, std::uint32_t seed) {
  std::vector<std::uint8_t> images, labels;
  put_u32(images, 0x00000803);
  put_u32(images, count);
  put_u32(images, 28);
  put_u32(images, 28);
  put_u32(labels, 0x00000801);
  put_u32(labels, count);
  std::uint32_t state = seed;
  auto next = [&] { return state = state * 1664525u + 1013904223u; };
  for (std::uint32_t n = 0; n < count; ++n) {
    const int label = static_cast<int>(next() >> 28) % 10;
    labels.push_back(static_cast<std::uint8_t>(label));
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) {
        const bool bar = y >= 2 * label + 4 && y <= 2 * label + 6 && x >= 4 && x < 24;
        images.push_back(static_cast<std::uint8_t>(bar ? 200 + (next() >> 29) : (next() >> 26)));
      }
  }
  write_bytes(dir + "/" + split + "-images-idx3-ubyte", images);
  write_gzip(dir + "/" + split + "-labels-idx1-ubyte.gz", labels);
}

inline void write_synthetic_data(const std::string& dir) {
  write_synthetic_split(dir, "train", 600, 1);
  write_synthetic_split(dir, "t10k", 200, 2);
}

} // namespace cnn::test
