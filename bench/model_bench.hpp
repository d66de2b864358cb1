// The benchmark of one generated model; bench/CMakeLists.txt compiles it for each model it
// names, with CNNC_BENCH_KERNEL_LIST naming the list of the model's layer kernels
// (bench/kernel_list.cmake). Two commands:
//
//   bench_<model> kernels [--seconds S] [--peak GFLOPS] [--json]
//     One core's time of each layer kernel, of the whole forward pass (evaluation) and of the
//     training step (forward + backward), per group of L samples in lanes: for the trainer's L
//     (cnn::Trainer<Model>::kLanes), 8 and 16. Times are this thread's CPU time, the best of
//     five rounds, so that other processes on the machine disturb them little; FLOPs are the
//     generated kLayers' per-sample counts.
//   bench_<model> inference [--seconds S] [--threads 1,2] [--batch 64,1024] [--json]
//     cnn::Predictor, as a user's program calls it: one image's latency (probabilities, wall
//     time per image) and the throughput on batches of each size (predict; with T threads, one
//     Predictor per thread on its share of the batch), the best of several rounds.
//
// S is the time spent on each measurement. --json prints one JSON object instead of the tables.
#pragma once

#include "cnn/init.hpp"
#include "cnn/predictor.hpp"
#include "cnn/random.hpp"
#include "cnn/trainer.hpp"
#include "cnn/weights.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <time.h>
#include <unistd.h>

namespace cnnc_bench {

inline double thread_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return double(now.tv_sec) + 1e-9 * double(now.tv_nsec);
}

inline double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

inline volatile float sink; // keeps results that nothing else reads

// Seconds per call of `step` on `clock`: calls are counted so that a round takes about a fifth
// of `budget`, and the best of five rounds is kept.
template <class Step>
double best_seconds_per_call(double budget, double (*clock)(), Step&& step) {
  step(); // the first call pays for page faults and cold caches
  long calls = 1;
  double elapsed = 0;
  for (;;) {
    const double start = clock();
    for (long i = 0; i < calls; ++i) step();
    elapsed = clock() - start;
    if (elapsed >= budget / 50 || calls >= (1L << 30)) break;
    calls *= 2;
  }
  const long per_round = std::max(1L, long(double(calls) * (budget / 5) / std::max(elapsed, 1e-9)));
  double best = std::numeric_limits<double>::infinity();
  for (int round = 0; round < 5; ++round) {
    const double start = clock();
    for (long i = 0; i < per_round; ++i) step();
    best = std::min(best, (clock() - start) / double(per_round));
  }
  return best;
}

// The model's parameters as its initialisers make them (seed 1), as a training run starts.
template <class Model>
cnn::AlignedFloats initial_params() {
  cnn::AlignedFloats params(Model::kParamCount);
  cnn::Rng rng(1, 1);
  for (const auto& tensor : Model::kTensors)
    cnn::initialise_tensor(tensor, params.data() + tensor.offset, rng);
  return params;
}

// The index of the layer called `name` in kLayers, or -1 (a helper of a layer's kernels, such
// as batch normalization's finish stage, is no layer).
template <class Model>
int layer_index(const char* name) {
  for (int i = 0; i < Model::kLayerCount; ++i)
    if (std::strcmp(Model::kLayers[i].name, name) == 0) return i;
  return -1;
}

// ---- kernels ----

// One group of L samples: parameters, inputs in [0, 1), one-hot targets, a training workspace.
template <class Model, int L>
struct Group {
  using Workspace = typename Model::template Workspace<float, L>;
  cnn::AlignedFloats params = initial_params<Model>();
  cnn::AlignedFloats grads{Model::kParamCount};
  cnn::AlignedFloats input{std::size_t(Model::kInputSize) * L};
  cnn::AlignedFloats target{std::size_t(Model::kOutputSize) * L};
  std::unique_ptr<Workspace> ws = std::make_unique<Workspace>();

  Group() {
    cnn::Rng rng(2);
    for (std::size_t i = 0; i < input.size(); ++i) input[i] = float(rng.uniform());
    for (int l = 0; l < L; ++l) target[rng.below(Model::kOutputSize) * L + std::size_t(l)] = 1.0f;
  }

  void forward(bool training) {
    ws->training = training;
    ws->active = L;
    Model::template forward<float, L>(params.data(), input.data(), *ws);
  }
  void step() {
    forward(true);
    Model::template backward<float, L>(params.data(), target.data(), L, *ws, grads.data());
  }
};

struct KernelTime {
  std::string layer, pass; // pass: forward or backward
  int layer_index = 0;
  double flops = 0;   // per sample
  double seconds = 0; // per group; NaN when the kernel's signature is not one the bench knows
};

struct LaneTimes {
  int lanes = 0;
  double step_seconds = 0, forward_seconds = 0; // per group
  std::vector<KernelTime> kernels;              // forward kernels in order, then backward ones
};

// Calls a layer kernel with the arguments its signature asks for; false if it asks for others.
template <class Kernel, class Workspace>
bool call_kernel(Kernel&& kernel, const float* params, Workspace& ws, float* grads) {
  if constexpr (std::is_invocable_v<Kernel, const float*&, Workspace&, float*&>)
    kernel(params, ws, grads);
  else if constexpr (std::is_invocable_v<Kernel, Workspace&, float*&>)
    kernel(ws, grads);
  else if constexpr (std::is_invocable_v<Kernel, const float*&, Workspace&>)
    kernel(params, ws);
  else if constexpr (std::is_invocable_v<Kernel, Workspace&>)
    kernel(ws);
  else
    return false;
  return true;
}

template <class Model, int L>
LaneTimes time_lanes(double seconds) {
  Group<Model, L> group;
  LaneTimes times;
  times.lanes = L;
  times.step_seconds = best_seconds_per_call(seconds, thread_seconds, [&] { group.step(); });
  times.forward_seconds =
      best_seconds_per_call(seconds, thread_seconds, [&] { group.forward(false); });

  // Each kernel alone, on the workspace a whole training step leaves (as in training).
  group.step();
  const float* params = group.params.data();
  float* grads = group.grads.data();
  auto& ws = *group.ws;
  auto time_kernel = [&](const char* layer, const char* pass, auto kernel) {
    const int index = layer_index<Model>(layer);
    if (index < 0) return;
    const auto& info = Model::kLayers[index];
    KernelTime time{
        layer, pass, index,
        double(std::strcmp(pass, "forward") == 0 ? info.forward_flops : info.backward_flops),
        std::numeric_limits<double>::quiet_NaN()};
    if (call_kernel(kernel, params, ws, grads))
      time.seconds = best_seconds_per_call(seconds, thread_seconds,
                                           [&] { call_kernel(kernel, params, ws, grads); });
    times.kernels.push_back(time);
  };
#define CNNC_BENCH_KERNEL(layer, pass)                                                             \
  time_kernel(#layer, #pass, [](auto&&... args) -> decltype(Model::layer##_##pass(args...)) {      \
    return Model::layer##_##pass(args...);                                                         \
  });
#include CNNC_BENCH_KERNEL_LIST
#undef CNNC_BENCH_KERNEL

  // The order of a training step: forward from the first layer, backward from the last.
  std::stable_sort(
      times.kernels.begin(), times.kernels.end(), [](const KernelTime& a, const KernelTime& b) {
        const bool a_forward = a.pass == "forward", b_forward = b.pass == "forward";
        if (a_forward != b_forward) return a_forward;
        return a_forward ? a.layer_index < b.layer_index : a.layer_index > b.layer_index;
      });
  sink = grads[0];
  return times;
}

template <class Model>
double flops_per_sample(bool backward_too) {
  double flops = 0;
  for (const auto& layer : Model::kLayers)
    flops += double(layer.forward_flops) + (backward_too ? double(layer.backward_flops) : 0.0);
  return flops;
}

template <class Model>
void print_lane_times(const LaneTimes& times, int trainer_lanes, double peak) {
  const int L = times.lanes;
  fmt::print("\n{}: L = {}{}\n", Model::kName, L, L == trainer_lanes ? " (the trainer's)" : "");
  fmt::print("  {:<28} {:>12} {:>9}{}\n", "kernel", "us/group", "GFLOP/s",
             peak > 0 ? "  % of peak" : "");
  auto row = [&](const std::string& name, double flops, double seconds) {
    const double gflops = flops * L / seconds / 1e9;
    fmt::print("  {:<28} {:>12.2f} {:>9.1f}", name, seconds * 1e6, gflops);
    if (peak > 0) fmt::print("  {:>9.1f}", 100 * gflops / peak);
    fmt::print("\n");
  };
  double sum = 0;
  for (const auto& k : times.kernels) {
    if (std::isnan(k.seconds)) {
      fmt::print("  {:<28} not timed: a kernel signature the bench does not know\n",
                 k.layer + " " + k.pass);
      continue;
    }
    sum += k.seconds;
    row(k.layer + " " + k.pass, k.flops, k.seconds);
  }
  row("sum of the kernels", flops_per_sample<Model>(true), sum);
  row("forward (evaluation)", flops_per_sample<Model>(false), times.forward_seconds);
  row("training step", flops_per_sample<Model>(true), times.step_seconds);
}

inline nlohmann::json to_json(const LaneTimes& times) {
  nlohmann::json kernels = nlohmann::json::array();
  for (const auto& k : times.kernels)
    kernels.push_back(
        {{"layer", k.layer},
         {"pass", k.pass},
         {"layer_index", k.layer_index},
         {"flops", k.flops},
         {"seconds", std::isnan(k.seconds) ? nlohmann::json(nullptr) : nlohmann::json(k.seconds)}});
  return {{"lanes", times.lanes},
          {"step_seconds", times.step_seconds},
          {"forward_seconds", times.forward_seconds},
          {"kernels", kernels}};
}

template <class Model>
int kernels_command(double seconds, double peak, bool json) {
  constexpr int kTrainerLanes = cnn::Trainer<Model>::kLanes;
  std::vector<LaneTimes> results;
  results.push_back(time_lanes<Model, kTrainerLanes>(seconds));
  if constexpr (kTrainerLanes != 8) results.push_back(time_lanes<Model, 8>(seconds));
  if constexpr (kTrainerLanes != 16) results.push_back(time_lanes<Model, 16>(seconds));
  if (json) {
    nlohmann::json lanes = nlohmann::json::array();
    for (const auto& r : results) lanes.push_back(to_json(r));
    const nlohmann::json out = {{"model", Model::kName},
                                {"trainer_lanes", kTrainerLanes},
                                {"forward_flops", flops_per_sample<Model>(false)},
                                {"step_flops", flops_per_sample<Model>(true)},
                                {"results", lanes}};
    fmt::print("{}\n", out.dump(1));
    return 0;
  }
  fmt::print("{}: {:.2f} MFLOP a sample forward, {:.2f} forward + backward; one core, CPU time\n",
             Model::kName, flops_per_sample<Model>(false) / 1e6,
             flops_per_sample<Model>(true) / 1e6);
  for (const auto& r : results) print_lane_times<Model>(r, kTrainerLanes, peak);
  return 0;
}

// ---- inference ----

// A temporary weights file of the model's initial parameters, removed with this object.
template <class Model>
struct WeightsFile {
  std::string path = (std::filesystem::temp_directory_path() /
                      fmt::format("cnnc-bench-{}-{}.safetensors", Model::kName, ::getpid()))
                         .string();
  WeightsFile() {
    const cnn::AlignedFloats params = initial_params<Model>();
    cnn::save_weights(path, cnn::describe<Model>(), params.data());
  }
  ~WeightsFile() {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
};

// `count` random byte images of the model's input shape, as a data reader gives them.
template <class Model>
cnn::Samples random_images(std::size_t count, std::uint64_t seed) {
  cnn::Samples samples;
  samples.path = "random";
  samples.count = count;
  samples.height = Model::kInputH;
  samples.width = Model::kInputW;
  samples.channels = Model::kInputC;
  samples.bytes.resize(count * samples.sample_size());
  cnn::Rng rng(seed);
  for (auto& byte : samples.bytes) byte = static_cast<std::uint8_t>(rng.below(256));
  return samples;
}

// Images per second of `threads` Predictors, each on its share of `batch` images at once.
template <class Model>
double batch_throughput(const std::string& weights, int threads, std::size_t batch,
                        double seconds) {
  std::vector<std::unique_ptr<cnn::Predictor<Model>>> predictors;
  std::vector<cnn::Samples> shares;
  for (int t = 0; t < threads; ++t) {
    predictors.push_back(std::make_unique<cnn::Predictor<Model>>(weights));
    const std::size_t begin = batch * t / threads, end = batch * (t + 1) / threads;
    shares.push_back(random_images<Model>(end - begin, 10 + t));
  }
  auto run = [&] {
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
      workers.emplace_back([&, t] {
        const std::vector<float> out = predictors[t]->predict(shares[t]);
        if (!out.empty()) sink = out[0];
      });
    for (auto& worker : workers) worker.join();
  };
  run();
  double best = std::numeric_limits<double>::infinity();
  const double end = wall_seconds() + seconds;
  for (int round = 0; round < 3 || wall_seconds() < end; ++round) {
    const double start = wall_seconds();
    run();
    best = std::min(best, wall_seconds() - start);
  }
  return double(batch) / best;
}

template <class Model>
int inference_command(double seconds, const std::vector<int>& threads,
                      const std::vector<int>& batches, bool json) {
  const WeightsFile<Model> weights;
  cnn::Predictor<Model> predictor(weights.path);
  const cnn::Samples one = random_images<Model>(1, 3);
  const std::span<const std::uint8_t> image(one.bytes);
  const double latency = best_seconds_per_call(seconds, wall_seconds, [&] {
    const std::vector<float> p = predictor.probabilities(image);
    sink = p[0];
  });
  struct Rate {
    int batch, threads;
    double images_per_second;
  };
  std::vector<Rate> rates;
  for (int batch : batches)
    for (int n : threads)
      rates.push_back(
          {batch, n, batch_throughput<Model>(weights.path, n, std::size_t(batch), seconds)});
  if (json) {
    nlohmann::json throughput = nlohmann::json::array();
    for (const Rate& rate : rates)
      throughput.push_back({{"batch", rate.batch},
                            {"threads", rate.threads},
                            {"images_per_second", rate.images_per_second}});
    const nlohmann::json out = {{"model", Model::kName},
                                {"predictor_lanes", cnn::Predictor<Model>::kLanes},
                                {"latency_seconds", latency},
                                {"throughput", throughput}};
    fmt::print("{}\n", out.dump(1));
    return 0;
  }
  fmt::print("{}: cnn::Predictor, wall time, best of several rounds\n", Model::kName);
  fmt::print("  one image (probabilities): {:.1f} us\n", latency * 1e6);
  for (const Rate& rate : rates)
    fmt::print("  a batch of {} (predict, {} lanes), {} thread{}: {:.0f} images/s\n", rate.batch,
               cnn::Predictor<Model>::kLanes, rate.threads, rate.threads == 1 ? "" : "s",
               rate.images_per_second);
  return 0;
}

// ---- command line ----

// Positive counts separated by commas (1,2), each at most `most`; empty if the text is not.
inline std::vector<int> parse_counts(const std::string& text, long most) {
  std::vector<int> counts;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t comma = std::min(text.find(',', at), text.size());
    const std::string part = text.substr(at, comma - at);
    char* end = nullptr;
    const long n = std::strtol(part.c_str(), &end, 10);
    if (part.empty() || *end || n < 1 || n > most) return {};
    counts.push_back(int(n));
    at = comma + 1;
  }
  return counts;
}

template <class Model>
int model_bench_main(int argc, char** argv) {
  const std::string usage = fmt::format(
      "usage: bench_{0} kernels [--seconds S] [--peak GFLOPS] [--json]\n"
      "       bench_{0} inference [--seconds S] [--threads 1,2] [--batch 64,1024] [--json]\n",
      Model::kName);
  if (argc < 2 ||
      (std::strcmp(argv[1], "kernels") != 0 && std::strcmp(argv[1], "inference") != 0)) {
    const bool help =
        argc >= 2 && (std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0);
    std::fputs(usage.c_str(), help ? stdout : stderr);
    return help ? 0 : 2;
  }
  const bool kernels = std::strcmp(argv[1], "kernels") == 0;
  double seconds = 0.5, peak = 0;
  std::vector<int> threads = {1, 2};
  std::vector<int> batches = {64, 1024};
  bool json = false;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    bool ok = true;
    if (arg == "--json") {
      json = true;
    } else if (arg == "--seconds" && has_value) {
      seconds = std::atof(argv[++i]);
      ok = seconds > 0;
    } else if (arg == "--peak" && has_value && kernels) {
      peak = std::atof(argv[++i]);
      ok = peak > 0;
    } else if (arg == "--threads" && has_value && !kernels) {
      threads = parse_counts(argv[++i], 256);
      ok = !threads.empty();
    } else if (arg == "--batch" && has_value && !kernels) {
      batches = parse_counts(argv[++i], 1 << 20);
      ok = !batches.empty();
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "bench_%s: bad argument '%s'\n%s", Model::kName, arg.c_str(),
                   usage.c_str());
      return 2;
    }
  }
  return kernels ? kernels_command<Model>(seconds, peak, json)
                 : inference_command<Model>(seconds, threads, batches, json);
}

} // namespace cnnc_bench
