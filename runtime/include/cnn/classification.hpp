// What `evaluate` reports for a classifier: a confusion matrix and its per-class metrics.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cnn {

// Counts of (true class, predicted class) pairs over K >= 2 classes. A metric whose
// denominator is zero (precision of a class never predicted, recall of a class never present,
// accuracy of no samples) is 0, as scikit-learn's zero_division=0.
class ConfusionMatrix {
public:
  // Throws std::invalid_argument for fewer than 2 classes.
  explicit ConfusionMatrix(int classes);

  int classes() const { return classes_; }
  // Throws std::out_of_range naming the class for one outside [0, classes).
  void add(int true_class, int predicted_class);
  // Adds the other matrix's counts (e.g. one per thread); throws std::invalid_argument when
  // the class counts differ.
  void merge(const ConfusionMatrix& other);

  std::int64_t count(int true_class, int predicted_class) const;
  std::int64_t total() const;
  std::int64_t support(int k) const;   // samples whose true class is k (row sum)
  std::int64_t predicted(int k) const; // samples predicted as k (column sum)
  std::int64_t correct() const;        // the diagonal

  double accuracy() const;
  double precision(int k) const; // count(k, k) / predicted(k)
  double recall(int k) const;    // count(k, k) / support(k)
  double f1(int k) const;        // 2 count(k, k) / (support(k) + predicted(k))
  // Unweighted means over all K classes, zero-division classes counting as 0.
  double macro_precision() const;
  double macro_recall() const;
  double macro_f1() const;
  // Means weighted by support (0 without samples).
  double weighted_precision() const;
  double weighted_recall() const;
  double weighted_f1() const;

private:
  std::size_t index(int true_class, int predicted_class) const;

  int classes_;
  std::vector<std::int64_t> counts_; // row-major: [true_class][predicted_class]
};

} // namespace cnn
