// The confusion matrix, its metrics, the classification report, its CSV and its picture.
#include "cnn/classification.hpp"
#include "cnn/errors.hpp"
#include "cnn/file_io.hpp"
#include "temp_dir.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <sstream>

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using namespace cnn::test;

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

const std::vector<std::string> pet_names = {"cat", "dog", "bird"};

std::string text_of(const std::string& path) {
  const auto bytes = read_bytes(path);
  return {bytes.begin(), bytes.end()};
}

bool is_png(const std::string& path) {
  const auto bytes = read_bytes(path);
  const std::uint8_t magic[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  return bytes.size() > 8 && std::equal(std::begin(magic), std::end(magic), bytes.begin());
}

bool gnuplot_missing(const std::string& problem) {
  if (problem.find("gnuplot not found") == std::string::npos) return false;
  WARN(problem);
  return true;
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

  const auto report = cnn::classification_report(m, {"a", "b", "c"});
  CHECK_THAT(report, Contains("note: precision is 0/0, reported as 0, for the classes never "
                              "predicted: b, c\n"));
  CHECK_THAT(report,
             Contains("note: recall is 0/0, reported as 0, for the classes with no samples: c\n"));
}

TEST_CASE("an empty matrix reports zeros and says there were no samples") {
  const cnn::ConfusionMatrix m(2);
  CHECK(m.total() == 0);
  CHECK(m.accuracy() == 0.0);
  CHECK(m.macro_f1() == 0.0);
  CHECK(m.weighted_f1() == 0.0);
  CHECK_THAT(cnn::classification_report(m, {}), Contains("note: no samples"));
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
  CHECK_THROWS_WITH(cnn::classification_report(m, {"a", "b"}),
                    Contains("2 class names") && Contains("3 classes"));
}

TEST_CASE("the report reads like scikit-learn's, then prints the matrix") {
  CHECK(cnn::classification_report(pets(), pet_names) ==
        "              precision    recall  f1-score   support\n"
        "\n"
        "         cat     0.7500    0.7500    0.7500         4\n"
        "         dog     0.6667    0.5000    0.5714         4\n"
        "        bird     0.6667    1.0000    0.8000         2\n"
        "\n"
        "    accuracy                         0.7000        10\n"
        "   macro avg     0.6944    0.7500    0.7071        10\n"
        "weighted avg     0.7000    0.7000    0.6886        10\n"
        "\n"
        "confusion matrix (rows: true class, columns: predicted class):\n"
        "\n"
        "      cat  dog  bird\n"
        " cat    3    1     0\n"
        " dog    1    2     1\n"
        "bird    0    0     2\n");
}

TEST_CASE("the report aligns long and UTF-8 names and shortens very long ones") {
  const std::string long_name(60, 'x');
  const auto report =
      cnn::classification_report(pets(), {"Ankle boot", "caf\xC3\xA9 \xE7\x8C\xAB", long_name});
  CHECK_THAT(report, Contains("\n" + std::string(33, ' ') + "caf\xC3\xA9 \xE7\x8C\xAB     0.6667"));
  CHECK_THAT(report, Contains("\n" + std::string(39, 'x') + "~     0.6667    1.0000"));
  CHECK_THAT(report, !Contains(std::string(40, 'x')));
  // Every table row is as wide as the header, in columns (U+732B takes two).
  std::istringstream lines(report);
  std::string header, line;
  std::getline(lines, header);
  const auto width = [](const std::string& s) {
    return std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }) +
           (s.find("\xE7\x8C\xAB") != std::string::npos);
  };
  for (int row = 0; row < 9 && std::getline(lines, line); ++row)
    if (!line.empty()) CHECK(width(line) == width(header));
}

TEST_CASE("a line break in a class name cannot break the report's lines") {
  const auto report = cnn::classification_report(pets(), {"c\nat", "dog", "bird"});
  CHECK_THAT(report, Contains("c?at") && !Contains("c\nat"));
}

TEST_CASE("class numbers stand in for missing names") {
  CHECK_THAT(cnn::classification_report(pets(), {}), Contains("\n           2     0.6667"));
  CHECK_THAT(cnn::confusion_csv(pets(), {}), StartsWith("true\\predicted,0,1,2\n0,3,1,0\n"));
}

TEST_CASE("a matrix too wide to print gives way to the most frequent confusions") {
  cnn::ConfusionMatrix m(100);
  std::vector<std::string> names;
  for (int k = 0; k < 100; ++k) {
    names.push_back("class_" + std::to_string(k));
    for (int n = 0; n < 5; ++n) m.add(k, k);
  }
  for (int n = 0; n < 7; ++n) m.add(3, 8);
  m.add(42, 9);
  const auto report = cnn::classification_report(m, names);
  CHECK_THAT(report, Contains("100 classes are too many to print in 120 columns") &&
                         Contains("confusion.csv and confusion.png"));
  CHECK_THAT(report, Contains("the most frequent confusions (true class -> predicted class):\n"
                              "  7  class_3  -> class_8 (58.3% of class_3)\n"
                              "  1  class_42 -> class_9 (16.7% of class_42)\n"));
  CHECK_THAT(report, !Contains("class_99  class_0"));
  CHECK_THAT(cnn::classification_report(pets(), pet_names, 15),
             Contains("3 classes are too many to print in 15 columns"));
}

TEST_CASE("the CSV has a header row of names and quotes names as RFC 4180 says") {
  CHECK(cnn::confusion_csv(pets(), pet_names) ==
        "true\\predicted,cat,dog,bird\ncat,3,1,0\ndog,1,2,1\nbird,0,0,2\n");
  CHECK(cnn::confusion_csv(pets(), {"a,b", "say \"hi\"", "plain"}) ==
        "true\\predicted,\"a,b\",\"say \"\"hi\"\"\",plain\n"
        "\"a,b\",3,1,0\n\"say \"\"hi\"\"\",1,2,1\nplain,0,0,2\n");
}

TEST_CASE("gnuplot draws the confusion matrix as a PNG heat map") {
  TempDir dir;
  const auto problem = cnn::plot_confusion(dir.str(), pets(), pet_names, "pets: test set");
  CHECK(text_of(dir.file("confusion.csv")) == cnn::confusion_csv(pets(), pet_names));
  const auto script = text_of(dir.file("confusion.gp"));
  CHECK_THAT(script, Contains("pngcairo") && Contains("with image") && Contains("with labels") &&
                         Contains("'pets: test set'") && Contains("('cat' 0, 'dog' 1, 'bird' 2)"));
  if (gnuplot_missing(problem)) return;
  CHECK(problem.empty());
  CHECK(is_png(dir.file("confusion.png")));
  CHECK(std::distance(std::filesystem::directory_iterator(dir.str()), {}) == 3); // no leftovers
}

TEST_CASE("past 20 classes the cells carry no counts") {
  TempDir dir;
  cnn::ConfusionMatrix m(21);
  for (int k = 0; k < 21; ++k) m.add(k, (k * 7) % 21);
  const auto problem = cnn::plot_confusion(dir.str(), m, {}, "many");
  CHECK_THAT(text_of(dir.file("confusion.gp")), Contains("with image") && !Contains("with labels"));
  if (gnuplot_missing(problem)) return;
  CHECK(problem.empty());
  CHECK(is_png(dir.file("confusion.png")));
}

TEST_CASE("quotes, backslashes, backquotes and line breaks in names cannot break the plot") {
  TempDir dir;
  const std::vector<std::string> names = {"it's \"quoted\"", "back\\slash\\",
                                          "`touch pwned`\nsystem 'touch pwned'\n@macro"};
  const auto problem =
      cnn::plot_confusion(dir.str(), pets(), names, "title 'with' `touch pwned` \\ \n quit");
  CHECK_THAT(text_of(dir.file("confusion.gp")),
             Contains("'it''s \"quoted\"'") && Contains("'back\\slash\\'"));
  CHECK_FALSE(std::filesystem::exists(dir.file("pwned")));
  if (gnuplot_missing(problem)) return;
  CHECK(problem.empty());
  CHECK(is_png(dir.file("confusion.png")));
}

TEST_CASE("a folder name with quotes and spaces reaches gnuplot intact") {
  TempDir dir;
  const auto folder = dir.file("it's a \"run\" $(touch pwned)");
  std::filesystem::create_directories(folder);
  const auto problem = cnn::plot_confusion(folder, pets(), pet_names, "pets");
  CHECK_FALSE(std::filesystem::exists(dir.file("pwned")));
  if (gnuplot_missing(problem)) return;
  CHECK(problem.empty());
  CHECK(is_png(folder + "/confusion.png"));
}

TEST_CASE("without gnuplot the picture is skipped with a message and the files still written") {
  TempDir dir;
  const std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  ::setenv("PATH", dir.str().c_str(), 1);
  const auto problem = cnn::plot_confusion(dir.str(), pets(), pet_names, "pets");
  ::setenv("PATH", saved.c_str(), 1);
  CHECK_THAT(problem, Contains("gnuplot not found") && Contains("confusion.csv"));
  CHECK(std::filesystem::exists(dir.file("confusion.csv")));
  CHECK(std::filesystem::exists(dir.file("confusion.gp")));
  CHECK_FALSE(std::filesystem::exists(dir.file("confusion.png")));
}

TEST_CASE("a gnuplot failure is reported with its log and leaves no half picture") {
  TempDir dir;
  // A fake gnuplot that fails, first on the PATH.
  cnn::write_file_atomically(dir.file("gnuplot"), "#!/bin/sh\necho broken >&2\nexit 3\n");
  std::filesystem::permissions(dir.file("gnuplot"), std::filesystem::perms::owner_all);
  const std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  ::setenv("PATH", (dir.str() + ":" + saved).c_str(), 1);
  const auto problem = cnn::plot_confusion(dir.str(), pets(), pet_names, "pets");
  ::setenv("PATH", saved.c_str(), 1);
  CHECK_THAT(problem, Contains("gnuplot failed") && Contains("confusion.gp.log"));
  CHECK(text_of(dir.file("confusion.gp.log")) == "broken\n");
  CHECK_FALSE(std::filesystem::exists(dir.file("confusion.png")));
}

TEST_CASE("an unwritable folder is a DataError naming the file") {
  TempDir dir;
  CHECK_THROWS_AS(cnn::plot_confusion(dir.file("no/such"), pets(), pet_names, "pets"),
                  cnn::DataError);
}
