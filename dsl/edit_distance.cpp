// Edit distance in O(|from| * |to|) time and O(|to|) memory, with the row-minimum cut-off
// Ninja's edit_distance uses; words past a length cap are never compared.
#include "dsl/edit_distance.hpp"

#include <algorithm>
#include <vector>

namespace cnnc {
namespace {

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}

// Words longer than this are not typos of a keyword; comparing them would only cost time.
constexpr std::size_t kLongestComparedWord = 64;

} // namespace

int edit_distance(std::string_view from, std::string_view to, int max_distance) {
  std::vector<int> row(to.size() + 1);
  for (std::size_t j = 0; j <= to.size(); ++j) row[j] = int(j);
  for (std::size_t i = 1; i <= from.size(); ++i) {
    int diagonal = row[0];
    row[0] = int(i);
    int best_in_row = row[0];
    for (std::size_t j = 1; j <= to.size(); ++j) {
      const int above = row[j];
      const int replace = diagonal + (lower(from[i - 1]) == lower(to[j - 1]) ? 0 : 1);
      row[j] = std::min({replace, above + 1, row[j - 1] + 1});
      diagonal = above;
      best_in_row = std::min(best_in_row, row[j]);
    }
    if (max_distance > 0 && best_in_row > max_distance) return max_distance + 1;
  }
  return row[to.size()];
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates) {
  if (word.empty() || word.size() > kLongestComparedWord) return "";
  // Short words need a close match: "re" is not a typo of "relu", but "rlu" and "rleu" are.
  const int allowed = word.size() <= 3 ? 1 : std::clamp(int(word.size()) / 3, 2, 3);
  std::string_view best;
  int best_distance = allowed + 1;
  for (const std::string_view candidate : candidates) {
    const auto equals = candidate.find('=');
    const std::string_view spelling = candidate.substr(0, equals);
    const std::string_view suggestion =
        equals == std::string_view::npos ? candidate : candidate.substr(equals + 1);
    const int distance = edit_distance(word, spelling, allowed);
    if (distance < best_distance) {
      best_distance = distance;
      best = suggestion;
    }
  }
  // A word that starts a candidate is an abbreviation of it: "glorot" for "glorot_uniform".
  if (best.empty() && word.size() >= 3) {
    for (const std::string_view candidate : candidates) {
      const std::string_view spelling = candidate.substr(0, candidate.find('='));
      if (spelling.size() > word.size() && spelling.substr(0, word.size()) == word) {
        best = candidate.find('=') == std::string_view::npos
                   ? candidate
                   : candidate.substr(candidate.find('=') + 1);
        break;
      }
    }
  }
  if (best.empty() || best == word) return "";
  return "; did you mean '" + std::string(best) + "'?";
}

} // namespace cnnc
