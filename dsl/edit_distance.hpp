// Edit distance between words, and the "did you mean" suggestion built on it.
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace cnnc {

// Levenshtein distance (insertions, deletions, replacements; ASCII case-insensitive). Stops
// early and returns `max_distance + 1` once the distance is sure to exceed a positive
// `max_distance`, so a long word costs no more than it must.
int edit_distance(std::string_view from, std::string_view to, int max_distance = 0);

// A candidate close to `word`, as "; did you mean 'maxpool'?", or "" when none is close enough.
// A candidate "spelling=suggestion" suggests `suggestion` for words close to `spelling`
// (Keras' names pointing at ours: "max_pooling2d=maxpool").
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);
inline std::string did_you_mean(std::string_view word,
                                std::initializer_list<std::string_view> candidates) {
  return did_you_mean(word, std::span(candidates.begin(), candidates.size()));
}

} // namespace cnnc
