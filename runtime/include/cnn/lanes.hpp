// How many samples a group holds, one per SIMD lane, in the trainer and the batch predictor:
// one vector register of floats at the widest width the compile target has. The generated code
// is written for any L; this picks the L the runtime instantiates it with.
#pragma once

namespace cnn {

// 16 with AVX-512 (a 512-bit register), 8 with AVX (256-bit), 4 otherwise (SSE, NEON and
// portable builds). Defining CNNC_LANES_PER_GROUP overrides it: on a CPU that executes
// 512-bit FMAs at half rate, 8 lanes can be as fast as 16 with half the workspace
// (bench/run measures the FMA peak of each width).
#if defined(CNNC_LANES_PER_GROUP)
inline constexpr int kLanesPerGroup = CNNC_LANES_PER_GROUP;
#elif defined(__AVX512F__)
inline constexpr int kLanesPerGroup = 16;
#elif defined(__AVX__)
inline constexpr int kLanesPerGroup = 8;
#else
inline constexpr int kLanesPerGroup = 4;
#endif

static_assert(kLanesPerGroup >= 1 && kLanesPerGroup <= 64,
              "CNNC_LANES_PER_GROUP: between 1 and 64 lanes");

} // namespace cnn
