// The confusion matrix and its metrics.
#include "cnn/classification.hpp"

#include <fmt/format.h>
#include <numeric>
#include <stdexcept>

namespace cnn {

ConfusionMatrix::ConfusionMatrix(int classes) : classes_(classes) {
  if (classes < 2)
    throw std::invalid_argument(
        fmt::format("a confusion matrix needs at least 2 classes, not {}", classes));
  counts_.assign(static_cast<std::size_t>(classes) * static_cast<std::size_t>(classes), 0);
}

std::size_t ConfusionMatrix::index(int true_class, int predicted_class) const {
  for (const auto& [role, k] : {std::pair{"true", true_class}, {"predicted", predicted_class}})
    if (k < 0 || k >= classes_)
      throw std::out_of_range(fmt::format("{} class {} is outside the {} classes 0..{}", role, k,
                                          classes_, classes_ - 1));
  return static_cast<std::size_t>(true_class) * static_cast<std::size_t>(classes_) +
         static_cast<std::size_t>(predicted_class);
}

void ConfusionMatrix::add(int true_class, int predicted_class) {
  ++counts_[index(true_class, predicted_class)];
}

void ConfusionMatrix::merge(const ConfusionMatrix& other) {
  if (other.classes_ != classes_)
    throw std::invalid_argument(fmt::format(
        "cannot merge a {0}x{0} confusion matrix into a {1}x{1}", other.classes_, classes_));
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
}

std::int64_t ConfusionMatrix::count(int true_class, int predicted_class) const {
  return counts_[index(true_class, predicted_class)];
}

std::int64_t ConfusionMatrix::total() const {
  return std::accumulate(counts_.begin(), counts_.end(), std::int64_t{0});
}

std::int64_t ConfusionMatrix::support(int k) const {
  std::int64_t sum = 0;
  for (int p = 0; p < classes_; ++p) sum += count(k, p);
  return sum;
}

std::int64_t ConfusionMatrix::predicted(int k) const {
  std::int64_t sum = 0;
  for (int t = 0; t < classes_; ++t) sum += count(t, k);
  return sum;
}

std::int64_t ConfusionMatrix::correct() const {
  std::int64_t sum = 0;
  for (int k = 0; k < classes_; ++k) sum += count(k, k);
  return sum;
}

namespace {

double ratio(std::int64_t numerator, std::int64_t denominator) { // 0/0 is 0 (zero_division=0)
  return denominator == 0 ? 0.0 : static_cast<double>(numerator) / static_cast<double>(denominator);
}

template <typename Metric>
double macro(const ConfusionMatrix& m, Metric metric) {
  double sum = 0;
  for (int k = 0; k < m.classes(); ++k) sum += metric(k);
  return sum / m.classes();
}

template <typename Metric>
double weighted(const ConfusionMatrix& m, Metric metric) {
  double sum = 0;
  for (int k = 0; k < m.classes(); ++k) sum += metric(k) * static_cast<double>(m.support(k));
  return m.total() == 0 ? 0.0 : sum / static_cast<double>(m.total());
}

} // namespace

double ConfusionMatrix::accuracy() const {
  return ratio(correct(), total());
}
double ConfusionMatrix::precision(int k) const {
  return ratio(count(k, k), predicted(k));
}
double ConfusionMatrix::recall(int k) const {
  return ratio(count(k, k), support(k));
}
double ConfusionMatrix::f1(int k) const {
  return ratio(2 * count(k, k), support(k) + predicted(k));
}

double ConfusionMatrix::macro_precision() const {
  return macro(*this, [&](int k) { return precision(k); });
}
double ConfusionMatrix::macro_recall() const {
  return macro(*this, [&](int k) { return recall(k); });
}
double ConfusionMatrix::macro_f1() const {
  return macro(*this, [&](int k) { return f1(k); });
}
double ConfusionMatrix::weighted_precision() const {
  return weighted(*this, [&](int k) { return precision(k); });
}
double ConfusionMatrix::weighted_recall() const {
  return weighted(*this, [&](int k) { return recall(k); });
}
double ConfusionMatrix::weighted_f1() const {
  return weighted(*this, [&](int k) { return f1(k); });
}

} // namespace cnn
