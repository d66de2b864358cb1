// The measured peak of float FMA throughput on this machine, for every vector width the CPU has
// (128, 256 and 512 bits on x86-64; 128 on AArch64), on 1 thread and on several. One portable
// binary: each width's loop is compiled for its own instruction set (target attributes) and run
// only when the CPU supports it. Each thread runs independent chains of FMAs, enough to hide
// their latency, and times itself in its own CPU time, so that other processes on the machine
// lower the figures little. Usage: bench_fma_peak [--threads 1,2] [--seconds S] [--json]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

namespace {

// Independent accumulators per thread: more than latency x FMA pipes on current cores (4 x 2),
// and with the two constants they fit the 16 vector registers of AVX2.
constexpr int kChains = 12;

double thread_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return double(now.tv_sec) + 1e-9 * double(now.tv_nsec);
}

// Each loop returns a value that depends on every chain, so that none is optimised away.
#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx,fma"))) float fma_128(long rounds) {
  __m128 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm_set1_ps(0.5f + 0.01f * float(c));
  const __m128 mul = _mm_set1_ps(0.999999f), add = _mm_set1_ps(1e-6f);
  for (long r = 0; r < rounds; ++r) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) acc[c] = _mm_fmadd_ps(acc[c], mul, add);
  }
  __m128 sum = acc[0];
  for (int c = 1; c < kChains; ++c) sum = _mm_add_ps(sum, acc[c]);
  return _mm_cvtss_f32(sum);
}

__attribute__((target("avx2,fma"))) float fma_256(long rounds) {
  __m256 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_ps(0.5f + 0.01f * float(c));
  const __m256 mul = _mm256_set1_ps(0.999999f), add = _mm256_set1_ps(1e-6f);
  for (long r = 0; r < rounds; ++r) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], mul, add);
  }
  __m256 sum = acc[0];
  for (int c = 1; c < kChains; ++c) sum = _mm256_add_ps(sum, acc[c]);
  return _mm256_cvtss_f32(sum);
}

__attribute__((target("avx512f"))) float fma_512(long rounds) {
  __m512 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(0.5f + 0.01f * float(c));
  const __m512 mul = _mm512_set1_ps(0.999999f), add = _mm512_set1_ps(1e-6f);
  for (long r = 0; r < rounds; ++r) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], mul, add);
  }
  __m512 sum = acc[0];
  for (int c = 1; c < kChains; ++c) sum = _mm512_add_ps(sum, acc[c]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, sum); // not _mm512_reduce_add_ps: GCC 12 warns inside it
  return lanes[0] + lanes[15];
}
#elif defined(__aarch64__)
float fma_128(long rounds) {
  float32x4_t acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = vdupq_n_f32(0.5f + 0.01f * float(c));
  const float32x4_t mul = vdupq_n_f32(0.999999f), add = vdupq_n_f32(1e-6f);
  for (long r = 0; r < rounds; ++r) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) acc[c] = vfmaq_f32(add, acc[c], mul);
  }
  float32x4_t sum = acc[0];
  for (int c = 1; c < kChains; ++c) sum = vaddq_f32(sum, acc[c]);
  return vaddvq_f32(sum);
}
#endif

struct Width {
  int bits;
  const char* isa;
  float (*loop)(long rounds);
};

// The widths this CPU runs, narrowest first.
std::vector<Width> supported_widths() {
  std::vector<Width> widths;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("fma") && __builtin_cpu_supports("avx"))
    widths.push_back({128, "FMA3 (xmm)", fma_128});
  if (__builtin_cpu_supports("fma") && __builtin_cpu_supports("avx2"))
    widths.push_back({256, "AVX2+FMA3 (ymm)", fma_256});
  if (__builtin_cpu_supports("avx512f")) widths.push_back({512, "AVX-512F (zmm)", fma_512});
#elif defined(__aarch64__)
  widths.push_back({128, "NEON", fma_128});
#endif
  return widths;
}

volatile float sink; // keeps each loop's result

// FMA instructions per second of one thread running `loop` for about `seconds` of its CPU time:
// the best of five rounds.
double instructions_per_second(const Width& width, double seconds) {
  long rounds = 1 << 14;
  for (;;) { // calibrate: a round should take about a fifth of the time
    const double start = thread_seconds();
    sink = width.loop(rounds);
    const double elapsed = thread_seconds() - start;
    if (elapsed > seconds / 20) {
      rounds = std::max(1L, long(double(rounds) * (seconds / 5) / elapsed));
      break;
    }
    rounds *= 4;
  }
  double best = 0;
  for (int round = 0; round < 5; ++round) {
    const double start = thread_seconds();
    sink = width.loop(rounds);
    const double elapsed = thread_seconds() - start;
    best = std::max(best, double(rounds) * kChains / elapsed);
  }
  return best;
}

// The sum of the threads' rates, each thread timed in its own CPU time.
double total_rate(const Width& width, int threads, double seconds) {
  std::vector<double> rates(std::size_t(threads), 0.0);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back(
        [&, t] { rates[std::size_t(t)] = instructions_per_second(width, seconds); });
  for (auto& worker : workers) worker.join();
  double sum = 0;
  for (double rate : rates) sum += rate;
  return sum;
}

std::vector<int> parse_threads(const char* text) {
  std::vector<int> threads;
  for (const char* p = text; *p;) {
    char* end = nullptr;
    const long n = std::strtol(p, &end, 10);
    if (end == p || n < 1 || n > 1024) return {};
    threads.push_back(int(n));
    p = *end == ',' ? end + 1 : end;
    if (*end && *end != ',') return {};
  }
  return threads;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<int> threads = {1, 2};
  double seconds = 1.0;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--threads" && i + 1 < argc) {
      threads = parse_threads(argv[++i]);
      if (threads.empty()) {
        std::fprintf(stderr, "bench_fma_peak: --threads takes counts such as 1,2\n");
        return 2;
      }
    } else if (arg == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
      if (!(seconds > 0)) {
        std::fprintf(stderr, "bench_fma_peak: --seconds takes a positive number\n");
        return 2;
      }
    } else if (arg == "--json") {
      json = true;
    } else {
      std::fprintf(stderr, "usage: bench_fma_peak [--threads 1,2] [--seconds S] [--json]\n");
      return arg == "-h" || arg == "--help" ? 0 : 2;
    }
  }
  const std::vector<Width> widths = supported_widths();
  if (widths.empty()) {
    std::fprintf(stderr, "bench_fma_peak: no vector FMA instructions known on this CPU\n");
    return 1;
  }

  // rate[w][t]: FMA instructions per second of width w on threads[t].
  std::vector<std::vector<double>> rate(widths.size());
  for (std::size_t w = 0; w < widths.size(); ++w)
    for (int n : threads) rate[w].push_back(total_rate(widths[w], n, seconds));

  // The peak: the widest width whose one-thread instruction rate is near the best of any width
  // (a CPU that splits its widest FMAs in two runs them at half the rate, and gains nothing).
  double best_rate = 0;
  for (const auto& r : rate) best_rate = std::max(best_rate, r[0]);
  std::size_t peak = 0;
  for (std::size_t w = 0; w < widths.size(); ++w)
    if (rate[w][0] >= 0.85 * best_rate) peak = w;
  auto gflops = [&](std::size_t w, std::size_t t) {
    return rate[w][t] * 2.0 * (widths[w].bits / 32) / 1e9;
  };

  if (json) {
    std::printf("{\"chains\": %d, \"seconds\": %g, \"threads\": [", kChains, seconds);
    for (std::size_t t = 0; t < threads.size(); ++t) std::printf("%s%d", t ? ", " : "", threads[t]);
    std::printf("],\n \"widths\": [\n");
    for (std::size_t w = 0; w < widths.size(); ++w) {
      std::printf("  {\"bits\": %d, \"isa\": \"%s\", \"fma_per_s\": [", widths[w].bits,
                  widths[w].isa);
      for (std::size_t t = 0; t < threads.size(); ++t)
        std::printf("%s%.6g", t ? ", " : "", rate[w][t]);
      std::printf("], \"gflops\": [");
      for (std::size_t t = 0; t < threads.size(); ++t)
        std::printf("%s%.6g", t ? ", " : "", gflops(w, t));
      std::printf("]}%s\n", w + 1 < widths.size() ? "," : "");
    }
    std::printf(" ],\n \"peak\": {\"bits\": %d, \"gflops\": [", widths[peak].bits);
    for (std::size_t t = 0; t < threads.size(); ++t)
      std::printf("%s%.6g", t ? ", " : "", gflops(peak, t));
    std::printf("]}}\n");
    return 0;
  }
  std::printf("Float FMA peak (%d independent chains a thread, best of 5 rounds, CPU time)\n\n",
              kChains);
  std::printf("%-6s %-17s", "width", "instructions");
  for (int n : threads) std::printf("  %2d thread%s GFLOP/s  FMA/ns", n, n == 1 ? " " : "s");
  std::printf("\n");
  for (std::size_t w = 0; w < widths.size(); ++w) {
    std::printf("%-6d %-17s", widths[w].bits, widths[w].isa);
    for (std::size_t t = 0; t < threads.size(); ++t)
      std::printf("  %18.1f  %6.2f", gflops(w, t), rate[w][t] / 1e9);
    std::printf("\n");
  }
  std::printf("\npeak: %d-bit FMAs (the widest at full rate), %.1f GFLOP/s on one thread\n",
              widths[peak].bits, gflops(peak, 0));
  return 0;
}
