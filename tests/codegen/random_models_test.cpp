// The property behind `cnnc check`: a model it accepts generates C++ that compiles. Many random
// models (shapes, kernels, strides, paddings, pools, dense stacks, and names chosen to clash with
// C++, the C library, the runtime and the generated code) are checked; each one the checker
// accepts is generated, and every batch of them is compiled with the project's compiler, with
// the runtime's headers and its entry points instantiated. A model the checker rejects must be
// rejected for one of its names only (the generator below writes valid shapes).
//
// CNNC_RANDOM_MODELS=N checks N models instead of the default 48; CNNC_RANDOM_SEED=S starts
// from another seed (the seed and each failing model's text are printed on failure).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <unistd.h>

#include "codegen/emit.hpp"
#include "dsl/driver.hpp"

namespace {

namespace fs = std::filesystem;

// Names that are keywords, macros, runtime or generated-code names, or that make the same
// generated names as each other or as default names.
const std::vector<std::string> kLayerNames = {
    "a",     "b",      "x",       "a_b",      "aB",       "dense1", "dense_1", "conv2d1", "output",
    "input", "fan",    "forward", "b_finish", "a_padded", "NULL",   "EOF",     "std",     "cnn",
    "T",     "L",      "Model",   "ws",       "params",   "i",      "acc",     "sum",     "kernel",
    "bias",  "k",      "K",       "_a",       "tensor",   "layer",  "linux",   "errno",   "stdout",
    "main",  "size_t", "max",     "exp",      "sqrt",     "tanh",   "batch",   "loss",    "mean",
    "grads", "first",  "value",   "class",    "INT_MAX",  "out",    "grad",    "p_raw",   "kInput"};
const std::vector<std::string> kModelNames = {
    "net",   "a",         "T",      "L",        "Model",      "input",    "output",   "forward",
    "ws",    "Workspace", "params", "sqrt",     "exp",        "std",      "NULL",     "errno",
    "EOF",   "stdout",    "cnn",    "fmt",      "size_t",     "vector",   "string",   "max",
    "main",  "x",         "k",      "kName",    "TensorInfo", "INFINITY", "describe", "assert",
    "Layer", "Trainer",   "loss",   "training", "l2",         "int8_t",   "NAN",      "mnist"};

class RandomModel {
public:
  RandomModel(std::uint64_t seed) : rng_(seed) {}

  // A model file's text whose shapes are all valid; its names may not be.
  std::string text(const std::string& model_name) {
    std::string text = model_name.empty() ? "" : "model " + model_name + "\n";
    height_ = between(3, 14);
    width_ = between(3, 14);
    channels_ = between(1, 3);
    text += fmt::format("input {}x{}x{}\n", height_, width_, channels_);
    used_names_.clear();
    const int spatial = between(1, 5);
    for (int i = 0; i < spatial && height_ >= 2 && width_ >= 2; ++i) text += spatial_layer();
    text += (chance(0.2) ? "global_avgpool" : "flatten") + name_option() + "\n";
    for (int i = between(0, 2); i > 0; --i) {
      text += fmt::format("dense {}{}{}\n", between(1, 12), activation(), name_option());
      if (chance(0.2)) text += "batchnorm" + name_option() + "\n";
      if (chance(0.2)) text += "dropout 0.25" + name_option() + "\n";
    }
    if (chance(0.25)) {
      text += fmt::format("dense {} sigmoid{}\n", between(1, 4), name_option());
      return text + "training\n  loss binary_crossentropy\n";
    }
    return text + fmt::format("dense {} softmax{}\n", between(2, 10), name_option());
  }

private:
  int between(int low, int high) { return std::uniform_int_distribution<int>(low, high)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  template <class T>
  const T& one_of(const std::vector<T>& items) {
    return items[std::size_t(between(0, int(items.size()) - 1))];
  }

  std::string name_option() {
    if (!chance(0.35)) return "";
    const std::string& name = one_of(kLayerNames);
    if (!used_names_.insert(name).second) return ""; // a duplicate name is another error
    return " name=" + name;
  }
  std::string activation() { return one_of<std::string>({"", " relu", " tanh", " sigmoid"}); }

  // Output size along one axis for a window of `kernel` with `stride` and padding `mode`.
  static int out_size(int size, int kernel, int stride, const std::string& mode, int pad) {
    if (mode == "same") return (size + stride - 1) / stride;
    return (size + 2 * pad - kernel) / stride + 1;
  }

  // Kernel, stride and padding for a window over the current image: the options' text, and the
  // image's new height and width.
  std::string window(int& kernel_h, int& kernel_w, bool pool) {
    kernel_h = between(1, std::min(pool ? 3 : 5, height_));
    kernel_w = chance(0.7) ? std::min(kernel_h, width_) : between(1, std::min(5, width_));
    int stride_h = pool ? kernel_h : 1, stride_w = pool ? kernel_w : 1;
    std::string options;
    if (chance(0.4)) {
      stride_h = between(1, 3);
      stride_w = chance(0.7) ? stride_h : between(1, 3);
      options += stride_h == stride_w ? fmt::format(" stride={}", stride_h)
                                      : fmt::format(" stride={}x{}", stride_h, stride_w);
    }
    std::string mode = "valid";
    int pad_h = 0, pad_w = 0;
    const int choice = between(0, 2);
    if (choice == 1) {
      mode = "same";
      options += " padding=same";
    } else if (choice == 2 && !pool) {
      mode = "explicit";
      // A padding is smaller than its kernel (else some windows would see only padding).
      pad_h = between(0, std::min(2, kernel_h - 1));
      pad_w = chance(0.7) ? std::min(pad_h, kernel_w - 1) : between(0, std::min(2, kernel_w - 1));
      options += pad_h == pad_w ? fmt::format(" padding={}", pad_h)
                                : fmt::format(" padding={}x{}", pad_h, pad_w);
    }
    height_ = out_size(height_, kernel_h, stride_h, mode, pad_h);
    width_ = out_size(width_, kernel_w, stride_w, mode, pad_w);
    return options;
  }

  std::string spatial_layer() {
    const int kind = between(0, 5);
    int kernel_h = 0, kernel_w = 0;
    if (kind <= 2) {
      const int filters = between(1, 9);
      const std::string options = window(kernel_h, kernel_w, false);
      channels_ = filters;
      return fmt::format("conv2d {} {}x{}{}{}{}\n", filters, kernel_h, kernel_w, activation(),
                         options, name_option());
    }
    if (kind == 3) {
      const std::string keyword = chance(0.5) ? "maxpool" : "avgpool";
      const std::string options = window(kernel_h, kernel_w, true);
      return fmt::format("{} {}x{}{}{}\n", keyword, kernel_h, kernel_w, options, name_option());
    }
    if (kind == 4) {
      const std::string options = window(kernel_h, kernel_w, false);
      return fmt::format("depthwise_conv2d {}x{}{}{}{}\n", kernel_h, kernel_w, activation(),
                         options, name_option());
    }
    return chance(0.5) ? "batchnorm" + name_option() + "\n"
                       : "activation relu" + name_option() + "\n";
  }

  std::mt19937_64 rng_;
  int height_ = 0, width_ = 0, channels_ = 0;
  std::set<std::string> used_names_;
};

// What the checker may reject a random model for: one of its names, never its shapes.
bool is_name_error(const std::string& message) {
  for (const char* reason : {"give one of them another name", "give the layer another name",
                             "a model's name names its generated code",
                             "a layer's name names its weights", "duplicate layer name"})
    if (message.find(reason) != std::string::npos) return true;
  return false;
}

struct Generated {
  std::string name; // the namespace cnn::NAME
  std::string text; // the model file, for the failure message
  bool stages = false;
};

// One unit that includes every header of the batch, then the runtime, instantiating each
// model's entry points and the trainer of the first.
std::string batch_unit(const std::vector<Generated>& batch) {
  std::string unit;
  for (std::size_t i = 0; i < batch.size(); ++i)
    unit += fmt::format("#include \"{}/{}.hpp\"\n", i, batch[i].name);
  unit += R"(#include "cnn/predictor.hpp"
#include "cnn/trainer_main.hpp"

template <typename M, typename T, int L>
void instantiate(const T* params, const T* input, const T* target, T* grads, T* loss) {
  static typename M::template Workspace<T, L> ws;
  M::forward(params, input, ws);
  M::loss(ws, target, L, loss);
  M::backward(params, target, L, ws, grads);
  static typename M::template ForwardWorkspace<T, L> inference;
  M::template forward<T, L>(params, input, inference);
  static typename M::template LatencyWorkspace<T> latency;
  M::forward_one(params, input, latency);
}

void instantiate_all(const float* params, float* grads) {
)";
  for (const auto& model : batch)
    unit += fmt::format("  instantiate<cnn::{}::Model, float, 4>(params, params, params, grads, "
                        "grads);\n",
                        model.name);
  unit += fmt::format("}}\n\nint main(int argc, char** argv) {{\n  cnn::Predictor<cnn::{0}::Model> "
                      "predictor(\"weights\");\n  return cnn::trainer_main<cnn::{0}::Model>(argc, "
                      "argv);\n}}\n",
                      batch.front().name);
  return unit;
}

// Compiles the batch in `folder`; "" when it compiles, else the compiler's messages.
std::string compile(const fs::path& folder, const std::vector<Generated>& batch) {
  { std::ofstream(folder / "unit.cpp") << batch_unit(batch); }
  const std::string command = fmt::format(
      "cd '{}' && '{}' -std=c++20 -Wall -Wextra -Werror -fsyntax-only -I. -I'{}/runtime/include' "
      "unit.cpp >compiler.txt 2>&1",
      folder.string(), CNNC_CXX, CNNC_SOURCE_DIR);
  if (std::system(command.c_str()) == 0) return "";
  std::ifstream in(folder / "compiler.txt");
  std::string messages((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return messages.substr(0, 6000);
}

int from_environment(const char* name, int fallback) {
  const char* text = std::getenv(name);
  return text && *text ? std::atoi(text) : fallback;
}

} // namespace

TEST_CASE("every random model the checker accepts generates code that compiles") {
  const int count = std::max(1, from_environment("CNNC_RANDOM_MODELS", 48));
  const std::uint64_t seed = std::uint64_t(from_environment("CNNC_RANDOM_SEED", 2024));
  constexpr std::size_t kBatch = 12;
  INFO("CNNC_RANDOM_SEED=" << seed << " CNNC_RANDOM_MODELS=" << count);
  const fs::path root =
      fs::temp_directory_path() / fmt::format("cnnc-random-models-{}", ::getpid());
  RandomModel random(seed);
  std::mt19937_64 names(seed + 1);
  std::vector<Generated> batch;
  std::set<std::string> batch_names;
  int accepted = 0, rejected = 0, batches = 0;
  auto flush = [&] {
    if (batch.empty()) return;
    const fs::path folder = root / std::to_string(batches++);
    const std::string errors = compile(folder, batch);
    std::string texts;
    for (const auto& model : batch) texts += "--- " + model.name + "\n" + model.text;
    INFO("the batch's models:\n" << texts << "\ncompiler:\n" << errors);
    CHECK(errors.empty());
    batch.clear();
    batch_names.clear();
  };
  for (int i = 0; i < count; ++i) {
    // Every third model keeps its file's name; the others take one from the list, unless the
    // batch has it already (one unit cannot hold two models of one name).
    std::string name = kModelNames[std::size_t(names() % kModelNames.size())];
    if (i % 3 == 0 || batch_names.count(name)) name.clear();
    const std::string text = random.text(name);
    const std::string path = fmt::format("random_{}.cnn", i);
    const cnnc::CheckResult result = cnnc::check_text(path, text);
    if (!result.model) {
      ++rejected;
      for (const auto& diagnostic : result.diagnostics) {
        INFO(text << "\n" << diagnostic.message);
        CHECK(is_name_error(diagnostic.message));
      }
      continue;
    }
    ++accepted;
    std::vector<cnnc::EmittedFile> files;
    REQUIRE_NOTHROW(files = cnnc::emit_model(*result.model, {}));
    const fs::path folder = root / std::to_string(batches) / std::to_string(batch.size());
    fs::create_directories(folder);
    for (const auto& file : files) std::ofstream(folder / file.path) << file.text;
    batch.push_back({result.model->name, text});
    batch_names.insert(result.model->name);
    if (batch.size() == kBatch) flush();
  }
  flush();
  fs::remove_all(root);
  // The names are tricky, not hopeless: most models must get through to the compiler.
  INFO(accepted << " accepted, " << rejected << " rejected");
  CHECK(accepted * 2 > count);
}
