// Speed of the generated mnist kernels on one core: forward + backward over many groups of
// L samples (float), in samples per second and GFLOP/s (FLOPs from kLayers), with the time
// of each kernel. Times are this thread's CPU time, so a busy machine disturbs them little. Usage:
// bench_codegen_kernels [seconds per measurement, default 2]
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <vector>

#include <time.h>

#include "mnist/mnist.hpp"

namespace {

using M = cnn::mnist::Model;

// This thread's CPU time: other processes sharing the cores do not inflate it.
double cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return double(now.tv_sec) + 1e-9 * double(now.tv_nsec);
}

template <int L>
struct Group {
  std::vector<float> params = std::vector<float>(M::kParamCount);
  std::vector<float> grads = std::vector<float>(M::kParamCount);
  std::vector<float> input = std::vector<float>(std::size_t(M::kInputSize) * L);
  std::vector<float> target = std::vector<float>(std::size_t(M::kOutputSize) * L);
  std::unique_ptr<typename M::template Workspace<float, L>> ws =
      std::make_unique<typename M::template Workspace<float, L>>();

  Group() {
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> weight(-0.1f, 0.1f), pixel(0.0f, 1.0f);
    for (float& p : params) p = weight(rng);
    for (float& x : input) x = pixel(rng);
    for (int l = 0; l < L; ++l) target[std::size_t(rng() % M::kOutputSize) * L + l] = 1.0f;
  }
};

// CPU seconds per call of `step`, run for about `seconds` of CPU time.
template <typename Step>
double time_per_call(double seconds, Step&& step) {
  for (int i = 0; i < 20; ++i) step(); // warm the caches
  long calls = 0;
  const double start = cpu_seconds();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (int i = 0; i < 50; ++i) step();
    calls += 50;
    elapsed = cpu_seconds() - start;
  }
  return elapsed / double(calls);
}

template <int L>
void measure(double seconds) {
  Group<L> g;
  auto& ws = *g.ws;
  const float* p = g.params.data();
  float* grads = g.grads.data();
  std::uint64_t flops = 0;
  for (const auto& layer : M::kLayers) flops += layer.forward_flops + layer.backward_flops;

  const double train = time_per_call(seconds, [&] {
    M::forward(p, g.input.data(), ws);
    M::backward(p, g.target.data(), L, ws, grads);
  });
  const double samples = L / train;
  std::printf("L = %2d: forward + backward %8.0f samples/s, %5.1f GFLOP/s (%.2f MFLOP/sample)\n", L,
              samples, samples * double(flops) / 1e9, double(flops) / 1e6);

  struct Kernel {
    const char* name;
    std::uint64_t flops;
    double seconds;
  };
  const double part = seconds / 4;
  M::forward(p, g.input.data(), ws);
  M::backward(p, g.target.data(), L, ws, grads);
  const Kernel kernels[] = {
      {"conv2d_1 forward", M::kLayers[0].forward_flops,
       time_per_call(part, [&] { M::conv2d_1_forward(p, ws); })},
      {"max_pooling2d_1 forward", M::kLayers[1].forward_flops,
       time_per_call(part, [&] { M::max_pooling2d_1_forward(ws); })},
      {"conv2d_2 forward", M::kLayers[2].forward_flops,
       time_per_call(part, [&] { M::conv2d_2_forward(p, ws); })},
      {"max_pooling2d_2 forward", M::kLayers[3].forward_flops,
       time_per_call(part, [&] { M::max_pooling2d_2_forward(ws); })},
      {"dense_1 forward", M::kLayers[5].forward_flops,
       time_per_call(part, [&] { M::dense_1_forward(p, ws); })},
      {"dense_2 forward", M::kLayers[6].forward_flops,
       time_per_call(part, [&] { M::dense_2_forward(p, ws); })},
      {"dense_2 backward", M::kLayers[6].backward_flops,
       time_per_call(part, [&] { M::dense_2_backward(p, ws, grads); })},
      {"dense_1 backward", M::kLayers[5].backward_flops,
       time_per_call(part, [&] { M::dense_1_backward(p, ws, grads); })},
      {"max_pooling2d_2 backward", M::kLayers[3].backward_flops,
       time_per_call(part, [&] { M::max_pooling2d_2_backward(ws); })},
      {"conv2d_2 backward", M::kLayers[2].backward_flops,
       time_per_call(part, [&] { M::conv2d_2_backward(p, ws, grads); })},
      {"max_pooling2d_1 backward", M::kLayers[1].backward_flops,
       time_per_call(part, [&] { M::max_pooling2d_1_backward(ws); })},
      {"conv2d_1 backward", M::kLayers[0].backward_flops,
       time_per_call(part, [&] { M::conv2d_1_backward(ws, grads); })},
  };
  double total = 0;
  for (const auto& k : kernels) total += k.seconds;
  for (const auto& k : kernels)
    std::printf("  %-26s %7.2f us/group %5.1f%% %6.1f GFLOP/s\n", k.name, k.seconds * 1e6,
                100 * k.seconds / total, k.flops * double(L) / k.seconds / 1e9);
}

} // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  measure<8>(seconds);
  measure<16>(seconds);
  return 0;
}
