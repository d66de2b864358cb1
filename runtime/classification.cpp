// The confusion matrix, its metrics, the classification report and its CSV.
#include "cnn/classification.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <numeric>
#include <stdexcept>
#include <tuple>

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

namespace {

// ---- Text: names are UTF-8, so widths are terminal columns, not bytes. ----

// The code point starting at text[i], moving i past it; a stray byte stands for itself.
char32_t next_code_point(const std::string& text, std::size_t& i) {
  const auto lead = static_cast<unsigned char>(text[i++]);
  const int extra = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
  char32_t code = extra == 0 ? lead : lead & (0x3F >> extra);
  for (int n = 0; n < extra && i < text.size() && (text[i] & 0xC0) == 0x80; ++n)
    code = (code << 6) | (static_cast<unsigned char>(text[i++]) & 0x3F);
  return code;
}

// East Asian wide characters take two columns, combining marks none (as wcwidth, without
// depending on the locale).
std::size_t columns_of(char32_t c) {
  if (c >= 0x300 && c <= 0x36F) return 0;
  const bool wide = (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
                    (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
                    (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
                    (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
                    (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
                    (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
                    (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD);
  return wide ? 2 : 1;
}

std::size_t display_width(const std::string& text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size();) width += columns_of(next_code_point(text, i));
  return width;
}

// Control characters would break a table's lines (or end a gnuplot command early).
std::string printable(const std::string& text) {
  std::string out = text;
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  return out;
}

// At most `width` columns: as much of the text as fits in width-1, then a '~' saying it was cut.
std::string shortened(const std::string& text, std::size_t width) {
  const std::string clean = printable(text);
  if (display_width(clean) <= width) return clean;
  std::size_t used = 0, end = 0;
  for (std::size_t i = 0; i < clean.size();) {
    used += columns_of(next_code_point(clean, i));
    if (used > width - 1) break;
    end = i;
  }
  return clean.substr(0, end) + "~";
}

std::string pad_left(const std::string& text, std::size_t width) {
  const auto used = display_width(text);
  return used >= width ? text : std::string(width - used, ' ') + text;
}

std::vector<std::string> names_of(const ConfusionMatrix& matrix,
                                  const std::vector<std::string>& class_names) {
  if (class_names.empty()) {
    std::vector<std::string> numbers;
    for (int k = 0; k < matrix.classes(); ++k) numbers.push_back(std::to_string(k));
    return numbers;
  }
  if (class_names.size() != static_cast<std::size_t>(matrix.classes()))
    throw std::invalid_argument(fmt::format("{} class names given for a matrix of {} classes",
                                            class_names.size(), matrix.classes()));
  return class_names;
}

// "lead: a, b, c" folded at `width` columns, continuation lines indented by two spaces.
std::string folded_list(const std::string& lead, const std::vector<std::string>& items,
                        std::size_t width) {
  std::string text = lead, line = lead;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string item = items[i] + (i + 1 < items.size() ? "," : "");
    if (display_width(line) + 1 + display_width(item) > width && line != "  ") {
      text += "\n  ";
      line = "  ";
    } else {
      text += " ";
      line += " ";
    }
    text += item;
    line += item;
  }
  return text + "\n";
}

constexpr std::size_t table_name_width = 40;  // longer names are shortened in the table
constexpr std::size_t row_name_width = 24;    // ... and as the matrix's row labels
constexpr std::size_t column_name_width = 12; // ... and as its column headers

// scikit-learn's layout (with its digits=4): names right-aligned, then columns of width 9.
std::string metrics_table(const ConfusionMatrix& m, const std::vector<std::string>& names) {
  std::vector<std::string> labels;
  std::size_t label_width = std::string("weighted avg").size();
  for (const auto& name : names) {
    labels.push_back(shortened(name, table_name_width));
    label_width = std::max(label_width, display_width(labels.back()));
  }
  const std::size_t support_width = std::max<std::size_t>(9, fmt::format("{}", m.total()).size());
  const auto row = [&](const std::string& label, const std::string& precision,
                       const std::string& recall, const std::string& f1, std::int64_t support) {
    return fmt::format("{}  {:>9} {:>9} {:>9} {:>{}}\n", pad_left(label, label_width), precision,
                       recall, f1, support, support_width);
  };
  const auto decimals = [](double value) { return fmt::format("{:.4f}", value); };

  std::string text = fmt::format("{}  {:>9} {:>9} {:>9} {:>{}}\n\n", std::string(label_width, ' '),
                                 "precision", "recall", "f1-score", "support", support_width);
  for (int k = 0; k < m.classes(); ++k)
    text += row(labels[static_cast<std::size_t>(k)], decimals(m.precision(k)),
                decimals(m.recall(k)), decimals(m.f1(k)), m.support(k));
  text += "\n";
  text += row("accuracy", "", "", decimals(m.accuracy()), m.total());
  text += row("macro avg", decimals(m.macro_precision()), decimals(m.macro_recall()),
              decimals(m.macro_f1()), m.total());
  text += row("weighted avg", decimals(m.weighted_precision()), decimals(m.weighted_recall()),
              decimals(m.weighted_f1()), m.total());
  return text;
}

// Where a metric was 0/0 and reported as 0, say so, as scikit-learn warns.
std::string zero_division_notes(const ConfusionMatrix& m, const std::vector<std::string>& names,
                                std::size_t width) {
  if (m.total() == 0) return "\nnote: no samples, so every metric above is 0/0, reported as 0\n";
  std::vector<std::string> never_predicted, never_present;
  for (int k = 0; k < m.classes(); ++k) {
    const auto name = shortened(names[static_cast<std::size_t>(k)], table_name_width);
    if (m.predicted(k) == 0) never_predicted.push_back(name);
    if (m.support(k) == 0) never_present.push_back(name);
  }
  std::string text;
  if (!never_predicted.empty())
    text += folded_list("note: precision is 0/0, reported as 0, for the classes never predicted:",
                        never_predicted, width);
  if (!never_present.empty())
    text += folded_list("note: recall is 0/0, reported as 0, for the classes with no samples:",
                        never_present, width);
  return text.empty() ? "" : "\n" + text;
}

// Returns "" when the matrix does not fit in `width` columns.
std::string matrix_text(const ConfusionMatrix& m, const std::vector<std::string>& names,
                        std::size_t width) {
  const auto classes = static_cast<std::size_t>(m.classes());
  std::vector<std::string> rows, columns;
  std::vector<std::size_t> column_widths;
  std::size_t label_width = 0;
  for (std::size_t k = 0; k < classes; ++k) {
    rows.push_back(shortened(names[k], row_name_width));
    label_width = std::max(label_width, display_width(rows.back()));
    columns.push_back(shortened(names[k], column_name_width));
    std::size_t column_width = display_width(columns.back());
    for (std::size_t t = 0; t < classes; ++t)
      column_width =
          std::max(column_width,
                   fmt::format("{}", m.count(static_cast<int>(t), static_cast<int>(k))).size());
    column_widths.push_back(column_width);
  }
  std::size_t line_width = label_width;
  for (const auto column_width : column_widths) line_width += 2 + column_width;
  if (line_width > width) return "";

  std::string text = std::string(label_width, ' ');
  for (std::size_t k = 0; k < classes; ++k) text += "  " + pad_left(columns[k], column_widths[k]);
  text += "\n";
  for (std::size_t t = 0; t < classes; ++t) {
    text += pad_left(rows[t], label_width);
    for (std::size_t p = 0; p < classes; ++p)
      text += "  " + pad_left(fmt::format("{}", m.count(static_cast<int>(t), static_cast<int>(p))),
                              column_widths[p]);
    text += "\n";
  }
  return text;
}

// For matrices too wide to print: the ten largest off-diagonal counts.
std::string top_confusions(const ConfusionMatrix& m, const std::vector<std::string>& names) {
  std::vector<std::tuple<std::int64_t, int, int>> cells; // (count, true, predicted)
  for (int t = 0; t < m.classes(); ++t)
    for (int p = 0; p < m.classes(); ++p)
      if (t != p && m.count(t, p) > 0) cells.emplace_back(m.count(t, p), t, p);
  if (cells.empty()) return "no class was mistaken for another\n";
  // Largest first; ties in class order, so the text is the same on every run.
  std::sort(cells.begin(), cells.end(), [](const auto& a, const auto& b) {
    return std::get<0>(a) != std::get<0>(b) ? std::get<0>(a) > std::get<0>(b) : a < b;
  });
  cells.resize(std::min<std::size_t>(cells.size(), 10));
  const std::size_t count_width = fmt::format("{}", std::get<0>(cells.front())).size();
  std::size_t true_width = 0;
  for (const auto& [count, t, p] : cells)
    true_width = std::max(
        true_width, display_width(shortened(names[static_cast<std::size_t>(t)], row_name_width)));
  std::string text = "the most frequent confusions (true class -> predicted class):\n";
  for (const auto& [count, t, p] : cells) {
    const auto truth = shortened(names[static_cast<std::size_t>(t)], row_name_width);
    text += fmt::format("  {:>{}}  {}{} -> {} ({:.1f}% of {})\n", count, count_width, truth,
                        std::string(true_width - display_width(truth), ' '),
                        shortened(names[static_cast<std::size_t>(p)], row_name_width),
                        100.0 * ratio(count, m.support(t)), truth);
  }
  return text;
}

} // namespace

std::string classification_report(const ConfusionMatrix& matrix,
                                  const std::vector<std::string>& class_names, int max_width) {
  const auto names = names_of(matrix, class_names);
  const auto width = static_cast<std::size_t>(std::max(max_width, 1));
  std::string text = metrics_table(matrix, names) + zero_division_notes(matrix, names, width);
  text += "\nconfusion matrix (rows: true class, columns: predicted class):\n\n";
  const auto grid = matrix_text(matrix, names, width);
  if (!grid.empty()) return text + grid;
  return text +
         fmt::format("{} classes are too many to print in {} columns: the whole matrix is in "
                     "confusion.csv and confusion.png.\n",
                     matrix.classes(), width) +
         top_confusions(matrix, names);
}

namespace {

std::string csv_field(const std::string& text) { // RFC 4180
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

} // namespace

std::string confusion_csv(const ConfusionMatrix& matrix,
                          const std::vector<std::string>& class_names) {
  const auto names = names_of(matrix, class_names);
  std::string text = "true\\predicted";
  for (const auto& name : names) text.append(",").append(csv_field(name));
  text += "\n";
  for (int t = 0; t < matrix.classes(); ++t) {
    text += csv_field(names[static_cast<std::size_t>(t)]);
    for (int p = 0; p < matrix.classes(); ++p) text += fmt::format(",{}", matrix.count(t, p));
    text += "\n";
  }
  return text;
}

} // namespace cnn
