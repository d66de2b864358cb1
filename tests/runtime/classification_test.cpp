// The confusion matrix and its metrics.
#include "cnn/classification.hpp"

#include <catch2/catch.hpp>

using Catch::Matchers::Contains;

namespace {

// true \ predicted   cat  dog  bird
//              cat     3    1     0
//              dog     1    2     1
//             bird     0    0     2
cnn::ConfusionMatrix pets() {
  cnn::ConfusionMatrix m(3);
  const int pairs[][2] = {{0, 0}, {0, 0}, {0, 0}, {0, 1}, {1, 0},
                          {1, 1}, {1, 1}, {1, 2}, {2, 2}, {2, 2}};
  for (const auto& [truth, guess] : pairs) m.add(truth, guess);
  return m;
}

} // namespace

TEST_CASE("the confusion matrix counts pairs with true classes as rows") {
  const auto m = pets();
  CHECK(m.classes() == 3);
  CHECK(m.count(0, 0) == 3);
  CHECK(m.count(0, 1) == 1);
  CHECK(m.count(1, 0) == 1);
  CHECK(m.count(1, 2) == 1);
  CHECK(m.count(2, 1) == 0);
  CHECK(m.total() == 10);
  CHECK(m.correct() == 7);
  CHECK(m.support(0) == 4);
  CHECK(m.support(2) == 2);
  CHECK(m.predicted(0) == 4);
  CHECK(m.predicted(2) == 3);
}

TEST_CASE("per-class metrics match the hand-worked 3-class example") {
  const auto m = pets();
  CHECK(m.accuracy() == Approx(0.7));
  CHECK(m.precision(0) == Approx(3.0 / 4));
  CHECK(m.precision(1) == Approx(2.0 / 3));
  CHECK(m.precision(2) == Approx(2.0 / 3));
  CHECK(m.recall(0) == Approx(3.0 / 4));
  CHECK(m.recall(1) == Approx(2.0 / 4));
  CHECK(m.recall(2) == Approx(1.0));
  CHECK(m.f1(0) == Approx(0.75));
  CHECK(m.f1(1) == Approx(4.0 / 7));
  CHECK(m.f1(2) == Approx(0.8));
  CHECK(m.macro_precision() == Approx((0.75 + 2.0 / 3 + 2.0 / 3) / 3));
  CHECK(m.macro_recall() == Approx(0.75));
  CHECK(m.macro_f1() == Approx((0.75 + 4.0 / 7 + 0.8) / 3));
  CHECK(m.weighted_precision() == Approx(0.7));
  CHECK(m.weighted_recall() == Approx(m.accuracy()));
  CHECK(m.weighted_f1() == Approx((0.75 * 4 + 4.0 / 7 * 4 + 0.8 * 2) / 10));
}

TEST_CASE("a class never predicted or never present has precision or recall 0, not NaN") {
  cnn::ConfusionMatrix m(3); // a: 2 right; b: 1 taken for a; c: absent
  m.add(0, 0);
  m.add(0, 0);
  m.add(1, 0);
  CHECK(m.precision(0) == Approx(2.0 / 3));
  CHECK(m.precision(1) == 0.0); // never predicted: 0/0
  CHECK(m.recall(1) == 0.0);    // 0/1
  CHECK(m.f1(1) == 0.0);
  CHECK(m.precision(2) == 0.0); // 0/0
  CHECK(m.recall(2) == 0.0);    // 0/0
  CHECK(m.f1(2) == 0.0);        // 0/0
  CHECK(m.macro_precision() == Approx(2.0 / 9));
  CHECK(m.macro_recall() == Approx(1.0 / 3));
}

TEST_CASE("an empty matrix reports zeros and says there were no samples") {
  const cnn::ConfusionMatrix m(2);
  CHECK(m.total() == 0);
  CHECK(m.accuracy() == 0.0);
  CHECK(m.macro_f1() == 0.0);
  CHECK(m.weighted_f1() == 0.0);
}

TEST_CASE("merging adds the counts of matrices of the same size") {
  auto m = pets();
  cnn::ConfusionMatrix other(3);
  other.add(2, 1);
  other.add(0, 0);
  m.merge(other);
  CHECK(m.count(2, 1) == 1);
  CHECK(m.count(0, 0) == 4);
  CHECK(m.total() == 12);
  CHECK_THROWS_WITH(m.merge(cnn::ConfusionMatrix(4)), Contains("4x4") && Contains("3x3"));
}

TEST_CASE("misuse is refused with a message naming the class") {
  CHECK_THROWS_AS(cnn::ConfusionMatrix(1), std::invalid_argument);
  cnn::ConfusionMatrix m(3);
  CHECK_THROWS_WITH(m.add(3, 0), Contains("true class 3") && Contains("0..2"));
  CHECK_THROWS_WITH(m.add(0, -1), Contains("predicted class -1"));
  CHECK_THROWS_AS(m.count(0, 3), std::out_of_range);
}
