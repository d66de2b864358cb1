// Batch-1 inference latency: microseconds per image of the generated models' forward pass for
// one sample, through the lane kernels at L = 1 (Model::forward<float, 1>, what
// cnn::Predictor::probabilities ran before forward_one) and through the one-sample kernels
// (Model::forward_one). Each figure is the median over many repetitions of this thread's CPU
// time per image, so other processes sharing the cores disturb it little; the floor is the
// model's forward FLOPs (kLayers) at the peak given with --peak. Usage:
//   bench_latency [--runs N] [--peak GFLOPS]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <time.h>

#include "cifar10/cifar10.hpp"
#include "cifar_strided/cifar_strided.hpp"
#include "lenet5/lenet5.hpp"
#include "mnist/mnist.hpp"
#include "separable/separable.hpp"
#include "vgg_bn/vgg_bn.hpp"

namespace {

double cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return double(now.tv_sec) + 1e-9 * double(now.tv_nsec);
}

// Median CPU microseconds per call of `step` over `runs` timings of `batch` calls each.
template <typename Step>
double median_microseconds(int runs, int batch, Step&& step) {
  for (int i = 0; i < batch; ++i) step(); // warm the caches
  std::vector<double> times;
  for (int run = 0; run < runs; ++run) {
    const double start = cpu_seconds();
    for (int i = 0; i < batch; ++i) step();
    times.push_back((cpu_seconds() - start) / batch * 1e6);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

template <class M>
void measure(int runs, double peak_gflops) {
  std::vector<float> params(M::kParamCount), input(M::kInputSize);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> weight(-0.1f, 0.1f), pixel(0.0f, 1.0f);
  for (float& p : params) p = weight(rng);
  // Batch normalization's moving variances must stay positive.
  for (const cnn::TensorInfo& tensor : M::kTensors)
    if (std::string(tensor.role) == "moving_variance")
      for (std::size_t i = 0; i < tensor.size; ++i) params[tensor.offset + i] = 1.0f;
  for (float& x : input) x = pixel(rng);
  auto lanes = std::make_unique<typename M::template ForwardWorkspace<float, 1>>();
  auto one = std::make_unique<typename M::template LatencyWorkspace<float>>();
  std::uint64_t flops = 0;
  for (const cnn::LayerInfo& layer : M::kLayers) flops += layer.forward_flops;
  // Enough calls per timing to take about a millisecond.
  const int batch = std::max(1, int(1e6 / double(flops) * 20));
  const double lane_us = median_microseconds(
      runs, batch, [&] { M::template forward<float, 1>(params.data(), input.data(), *lanes); });
  const double one_us = median_microseconds(
      runs, batch, [&] { M::template forward_one<float>(params.data(), input.data(), *one); });
  double difference = 0;
  for (int k = 0; k < M::kOutputSize; ++k)
    difference = std::max(difference, double(std::fabs(lanes->output[k] - one->output[k])));
  const double floor_us = double(flops) / (peak_gflops * 1e3);
  std::printf("%-14s %10.3f %12.2f %12.2f %8.1fx %10.2f %8.2fx %12.2g\n", M::kName,
              double(flops) / 1e6, lane_us, one_us, lane_us / one_us, floor_us, one_us / floor_us,
              difference);
}

} // namespace

int main(int argc, char** argv) {
  int runs = 101;
  double peak = 208; // GFLOP/s of one core of this project's machine: 512-bit FMAs at full rate
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--peak") == 0 && i + 1 < argc) {
      peak = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--runs N] [--peak GFLOPS]\n", argv[0]);
      return 2;
    }
  }
  std::printf("batch-1 forward, float, median of %d runs of this thread's CPU time; floor = "
              "forward FLOPs at %.0f GFLOP/s\n",
              runs, peak);
  std::printf("%-14s %10s %12s %12s %9s %10s %9s %12s\n", "model", "MFLOP", "lanes L=1 us",
              "forward_one", "speedup", "floor us", "x floor", "max |diff|");
  measure<cnn::mnist::Model>(runs, peak);
  measure<cnn::lenet5::Model>(runs, peak);
  measure<cnn::cifar_strided::Model>(runs, peak);
  measure<cnn::separable::Model>(runs, peak);
  measure<cnn::vgg_bn::Model>(runs, peak);
  measure<cnn::cifar10::Model>(runs, peak);
  return 0;
}
