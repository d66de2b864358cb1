// The runtime's own seeded PRNG (xoshiro256**, seeded by splitmix64), so a seed gives the same
// numbers with every standard library; std:: distributions are implementation-defined.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cnn {

class Rng {
public:
  // Distinct `stream`s of one seed are independent sequences (init, split, shuffle).
  explicit Rng(std::uint64_t seed, std::uint64_t stream = 0);

  std::uint64_t next();
  double uniform();                         // [0, 1), 53 random bits
  double uniform(double low, double high);  // [low, high)
  double normal();                          // N(0, 1), Marsaglia's polar method
  std::uint64_t below(std::uint64_t bound); // [0, bound), unbiased (Lemire)
  template <class It>
  void shuffle(It first, It last) { // Fisher-Yates, from the back
    for (auto n = static_cast<std::uint64_t>(last - first); n > 1; --n) {
      const auto j = below(n);
      std::swap(first[n - 1], first[j]);
    }
  }

  // The full state as text ("s0:s1:s2:s3:spare" in hex), for checkpoints.
  std::string state() const;
  // Throws std::invalid_argument for text that state() did not produce.
  void set_state(const std::string& text);

private:
  std::array<std::uint64_t, 4> s_{};
  bool has_spare_ = false; // the polar method makes normals in pairs
  double spare_ = 0;
};

} // namespace cnn
