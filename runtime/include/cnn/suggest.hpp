// Edit distance between words and the "did you mean" suggestion built on it: one implementation
// for the .cnn language's keywords (dsl/) and the command lines of cnnc and the trainers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cnn {

namespace suggest_detail {

inline char lower(char c) {
  return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}

// Words longer than this are not typos of a keyword; comparing them would only cost time.
inline constexpr std::size_t kLongestComparedWord = 64;

} // namespace suggest_detail

// Levenshtein distance (insertions, deletions, replacements; ASCII case-insensitive) in
// O(|from| * |to|) time and O(|to|) memory. Stops early, with the row-minimum cut-off Ninja's
// edit_distance uses, and returns `max_distance + 1` once the distance is sure to exceed a
// positive `max_distance`, so a long word costs no more than it must.
inline int edit_distance(std::string_view from, std::string_view to, int max_distance = 0) {
  std::vector<int> row(to.size() + 1);
  for (std::size_t j = 0; j <= to.size(); ++j) row[j] = int(j);
  for (std::size_t i = 1; i <= from.size(); ++i) {
    int diagonal = row[0];
    row[0] = int(i);
    int best_in_row = row[0];
    for (std::size_t j = 1; j <= to.size(); ++j) {
      const int above = row[j];
      const bool same = suggest_detail::lower(from[i - 1]) == suggest_detail::lower(to[j - 1]);
      const int replace = diagonal + (same ? 0 : 1);
      row[j] = std::min({replace, above + 1, row[j - 1] + 1});
      diagonal = above;
      best_in_row = std::min(best_in_row, row[j]);
    }
    if (max_distance > 0 && best_in_row > max_distance) return max_distance + 1;
  }
  return row[to.size()];
}

// A candidate close to `word`, as "; did you mean 'maxpool'?", or "" when none is close enough.
// A candidate "spelling=suggestion" suggests `suggestion` for words close to `spelling`
// (Keras' names pointing at ours: "max_pooling2d=maxpool").
inline std::string did_you_mean(std::string_view word,
                                std::span<const std::string_view> candidates) {
  if (word.empty() || word.size() > suggest_detail::kLongestComparedWord) return "";
  // Short words need a close match: "re" is not a typo of "relu", but "rlu" and "rleu" are.
  const int allowed = word.size() <= 3 ? 1 : std::clamp(int(word.size()) / 3, 2, 3);
  auto spelling_of = [](std::string_view candidate) {
    return candidate.substr(0, candidate.find('='));
  };
  auto suggestion_of = [](std::string_view candidate) {
    const auto equals = candidate.find('=');
    return equals == std::string_view::npos ? candidate : candidate.substr(equals + 1);
  };
  std::string_view best;
  int best_distance = allowed + 1;
  for (const std::string_view candidate : candidates) {
    const int distance = edit_distance(word, spelling_of(candidate), allowed);
    if (distance < best_distance) {
      best_distance = distance;
      best = suggestion_of(candidate);
    }
  }
  // A word that starts a candidate is an abbreviation of it: "glorot" for "glorot_uniform".
  if (best.empty() && word.size() >= 3) {
    for (const std::string_view candidate : candidates) {
      const std::string_view spelling = spelling_of(candidate);
      if (spelling.size() > word.size() && spelling.substr(0, word.size()) == word) {
        best = suggestion_of(candidate);
        break;
      }
    }
  }
  if (best.empty() || best == word) return "";
  return "; did you mean '" + std::string(best) + "'?";
}

inline std::string did_you_mean(std::string_view word,
                                std::initializer_list<std::string_view> candidates) {
  return did_you_mean(word, std::span(candidates.begin(), candidates.size()));
}

inline std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  const std::vector<std::string_view> views(candidates.begin(), candidates.end());
  return did_you_mean(word, std::span<const std::string_view>(views));
}

} // namespace cnn
