// What `evaluate` reports for a classifier: a confusion matrix, its per-class metrics, a
// scikit-learn-like text report, the matrix as CSV and as a gnuplot heat map.
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

// The per-class table (precision, recall, f1-score, support; then accuracy, macro avg and
// weighted avg rows, four decimals), notes naming the classes whose precision or recall was
// 0/0, then the confusion matrix as text (true classes as rows, predicted as columns) when it
// fits in `max_width` columns, else the most frequent confusions and a pointer to the CSV and
// picture. Empty `class_names` means the class numbers; otherwise there must be one name per
// class (std::invalid_argument). Long names are shortened with "~"; control characters shown
// as '?'.
std::string classification_report(const ConfusionMatrix& matrix,
                                  const std::vector<std::string>& class_names, int max_width = 120);

// "true\predicted,<name>..." then one row per true class: its name and its counts. Names are
// quoted as RFC 4180 says when they hold a comma, a quote or a line break.
std::string confusion_csv(const ConfusionMatrix& matrix,
                          const std::vector<std::string>& class_names);

// Writes <dir>/confusion.csv and <dir>/confusion.gp and runs gnuplot on the script to draw
// <dir>/confusion.png: a heat map of each true class's share of predictions (true classes
// down, predicted across), with the counts in the cells up to 20 classes. Returns an empty
// string on success, else a message saying why there is no picture. Throws DataError when the
// CSV or the script cannot be written.
std::string plot_confusion(const std::string& dir, const ConfusionMatrix& matrix,
                           const std::vector<std::string>& class_names, const std::string& title);

} // namespace cnn
