// xoshiro256** (Blackman and Vigna), seeded by splitmix64, with the few distributions the
// runtime needs.
#include "cnn/random.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <stdexcept>

namespace cnn {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

} // namespace

Rng::Rng(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
  for (auto& word : s_) word = splitmix64(x);
}

std::uint64_t Rng::next() {
  const std::uint64_t result = std::rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = std::rotl(s_[3], 45);
  return result;
}

double Rng::uniform() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

double Rng::uniform(double low, double high) {
  return low + (high - low) * uniform();
}

double Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u, v, s;
  do {
    u = uniform(-1.0, 1.0);
    v = uniform(-1.0, 1.0);
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double factor = std::sqrt(-2.0 * std::log(s) / s);
  spare_ = v * factor;
  has_spare_ = true;
  return u * factor;
}

std::uint64_t Rng::below(std::uint64_t bound) {
  // Lemire's multiply-and-reject: no modulo bias.
  unsigned __int128 product = static_cast<unsigned __int128>(next()) * bound;
  auto low = static_cast<std::uint64_t>(product);
  if (low < bound) {
    const std::uint64_t threshold = -bound % bound;
    while (low < threshold) {
      product = static_cast<unsigned __int128>(next()) * bound;
      low = static_cast<std::uint64_t>(product);
    }
  }
  return static_cast<std::uint64_t>(product >> 64);
}

std::string Rng::state() const {
  const std::uint64_t spare_bits = has_spare_ ? std::bit_cast<std::uint64_t>(spare_) : 0;
  return fmt::format("{:016x}:{:016x}:{:016x}:{:016x}:{}{:016x}", s_[0], s_[1], s_[2], s_[3],
                     has_spare_ ? "+" : "-", spare_bits);
}

void Rng::set_state(const std::string& text) {
  // 4 words of 16 hex digits, then the spare flag and its bits.
  if (text.size() != 4 * 17 + 17 || (text[4 * 17] != '+' && text[4 * 17] != '-'))
    throw std::invalid_argument("malformed random generator state '" + text + "'");
  auto word = [&](std::size_t at) {
    std::uint64_t value = 0;
    for (std::size_t i = at; i < at + 16; ++i) {
      const char c = text[i];
      int digit;
      if (c >= '0' && c <= '9')
        digit = c - '0';
      else if (c >= 'a' && c <= 'f')
        digit = c - 'a' + 10;
      else
        throw std::invalid_argument("malformed random generator state '" + text + "'");
      value = value << 4 | static_cast<std::uint64_t>(digit);
    }
    return value;
  };
  for (std::size_t i = 0; i < 4; ++i) {
    if (i < 3 && text[i * 17 + 16] != ':')
      throw std::invalid_argument("malformed random generator state '" + text + "'");
    s_[i] = word(i * 17);
  }
  // xoshiro256** maps the all-zero state to itself: every draw would be 0, and a rejection
  // loop (normal(), below()) would never end.
  if (s_[0] == 0 && s_[1] == 0 && s_[2] == 0 && s_[3] == 0)
    throw std::invalid_argument("random generator state '" + text +
                                "' is all zeros, which never changes");
  has_spare_ = text[4 * 17] == '+';
  spare_ = std::bit_cast<double>(word(4 * 17 + 1));
}

} // namespace cnn
