// The confusion matrix, its metrics, the classification report, its CSV and its heat map.
#include "cnn/classification.hpp"

#include "cnn/file_io.hpp"
#include "cnn/gnuplot.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <tuple>
#include <unistd.h>

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

namespace {

// A gnuplot single-quoted string: no backquote command or macro substitution happens inside,
// only ' needs doubling; control characters become '?' since a line break would end the
// command and let the rest of the text run as gnuplot commands.
constexpr int max_counted_classes = 20; // above this the cells are too small for their counts
constexpr std::size_t picture_name_width = 24;

// "('cat' 0, 'dog' 1, ...)"
std::string tic_list(const std::vector<std::string>& names) {
  std::string text = "(";
  for (std::size_t k = 0; k < names.size(); ++k)
    text += fmt::format("{}{} {}", k ? ", " : "",
                        gnuplot_string(shortened(names[k], picture_name_width)), k);
  return text + ")";
}

// Cells whose text is drawn white, on the palette's darker half.
constexpr double dark_cell_percent = 50;

// Each cell as "predicted true percent-of-row count style": style 0 (a zero count, grey),
// 1 (dark text on a light cell) or 2 (white text on a dark cell).
std::string cell_rows(const ConfusionMatrix& m) {
  std::string text;
  for (int t = 0; t < m.classes(); ++t) {
    const auto row_total = m.support(t);
    for (int p = 0; p < m.classes(); ++p) {
      const double percent = 100.0 * ratio(m.count(t, p), row_total);
      const int style = m.count(t, p) == 0 ? 0 : percent > dark_cell_percent ? 2 : 1;
      text += fmt::format("{} {} {:.4f} {} {}\n", p, t, percent, m.count(t, p), style);
    }
  }
  return text;
}

// The picture's layout in pixels: square cells, margins sized for the names, the colour bar on
// the right. Placing everything at fixed screen positions keeps gnuplot from squeezing the
// colour bar's label into its tics.
struct Layout {
  int cell, side, left, right, top, bottom, width, height;
  int tic_font, count_font;
  bool rotate; // the predicted names slanted at 45 degrees, when wider than a cell
};

Layout layout_for(int classes, const std::vector<std::string>& names, const std::string& title) {
  Layout l{};
  l.cell = classes <= 4    ? 110
           : classes <= 10 ? 66
           : classes <= 20 ? 46
                           : std::max(12, 1200 / classes);
  l.tic_font = classes <= 20 ? 10 : classes <= 50 ? 8 : 7;
  l.count_font = classes <= 4 ? 14 : classes <= 10 ? 11 : 9;
  std::size_t longest = 1;
  for (const auto& name : names)
    longest = std::max(longest, display_width(shortened(name, picture_name_width)));
  // A character of sans (DejaVu) at 96 dpi takes up to ~0.85 pixels a point; erring wide
  // wastes a little space where erring narrow would cut names off.
  const int name_px = static_cast<int>(static_cast<double>(longest) * 0.85 * l.tic_font);
  l.rotate = name_px > l.cell - 8;
  l.side = classes * l.cell;
  l.left = 50 + name_px; // y label, names
  l.right = 150;         // gap, colour bar, its tics and label
  l.top = 80;            // two title lines
  l.bottom = (l.rotate ? name_px * 5 / 7 : 0) + l.tic_font + 56; // names, x label
  l.width = std::max(l.left + l.side + l.right, static_cast<int>(display_width(title)) * 9 + 60);
  l.height = l.top + l.side + l.bottom;
  return l;
}

std::string confusion_script(const ConfusionMatrix& m, const std::vector<std::string>& names,
                             const std::string& title, const std::string& png) {
  const int classes = m.classes();
  const Layout l = layout_for(classes, names, title);
  const auto x = [&](int px) { return fmt::format("{:.4f}", static_cast<double>(px) / l.width); };
  const auto y = [&](int px) { return fmt::format("{:.4f}", static_cast<double>(px) / l.height); };
  const std::string subtitle =
      fmt::format("accuracy {:.2f}% of {} samples", 100.0 * m.accuracy(), m.total());
  std::string labels;
  if (classes <= max_counted_classes)
    for (const auto& [style, colour] : {std::pair{0, "#a0a8b4"}, {1, "#0b2545"}, {2, "#ffffff"}})
      labels += fmt::format(", \\\n     $cells using 1:2:($5 == {} ? strcol(4) : '') with labels "
                            "font ',{}' tc rgb '{}'",
                            style, l.count_font, colour);
  return fmt::format(
      R"(# The confusion matrix as a heat map: each true class's row in percent of its samples (the
# counts are in confusion.csv). Run in this folder: gnuplot confusion.gp
set encoding utf8
set terminal pngcairo size {width},{height} font 'sans,10' noenhanced
set output {png}
set title {title} . "\n" . {subtitle} font ',12'
set lmargin at screen {left}
set rmargin at screen {plot_right}
set bmargin at screen {bottom}
set tmargin at screen {top}
set colorbox user origin screen {bar_x}, screen {bottom} size screen {bar_width}, screen {side}
set label 'Predicted class' at screen {middle_x}, screen {xlabel_y} center
set label 'True class' at screen {ylabel_x}, screen {middle_y} center rotate by 90
set xrange [-0.5:{last}.5]
set yrange [{last}.5:-0.5]
set xtics {xtics} out nomirror scale 0 font ',{tic_font}'{rotate}
set ytics {ytics} out nomirror scale 0 font ',{tic_font}'
set cbrange [0:100]
set cbtics 20 format '%.0f%%' scale 0
set cblabel 'Share of the true class' offset 1,0
# Pale blues stretched over the first few percent, so that small confusions show too.
set palette defined (0 '#ffffff', 2 '#eff5fb', 8 '#d4e4f4', 20 '#a6cbe4', 40 '#5ea3d2', 65 '#2171b5', 100 '#08306b')
unset key
$cells << EOD
{cells}EOD
plot $cells using 1:2:3 with image{labels}
unset output
)",
      fmt::arg("width", l.width), fmt::arg("height", l.height),
      fmt::arg("png", gnuplot_string(png)), fmt::arg("title", gnuplot_string(title)),
      fmt::arg("subtitle", gnuplot_string(subtitle)), fmt::arg("left", x(l.left)),
      fmt::arg("plot_right", x(l.left + l.side)), fmt::arg("bottom", y(l.bottom)),
      fmt::arg("top", y(l.bottom + l.side)), fmt::arg("middle_x", x(l.left + l.side / 2)),
      fmt::arg("middle_y", y(l.bottom + l.side / 2)), fmt::arg("xlabel_y", y(24)),
      fmt::arg("ylabel_x", x(22)), fmt::arg("bar_x", x(l.left + l.side + 24)),
      fmt::arg("bar_width", x(22)), fmt::arg("side", y(l.side)), fmt::arg("last", classes - 1),
      fmt::arg("xtics", tic_list(names)), fmt::arg("ytics", tic_list(names)),
      fmt::arg("tic_font", l.tic_font), fmt::arg("rotate", l.rotate ? " rotate by 45 right" : ""),
      fmt::arg("cells", cell_rows(m)), fmt::arg("labels", labels));
}

} // namespace

std::string plot_confusion(const std::string& dir, const ConfusionMatrix& matrix,
                           const std::vector<std::string>& class_names, const std::string& title) {
  const auto names = names_of(matrix, class_names);
  const auto base = std::filesystem::absolute(dir).string();
  const std::string csv = base + "/confusion.csv", script = base + "/confusion.gp";
  write_file_atomically(csv, confusion_csv(matrix, names));
  // The script names only files in its own folder, and gnuplot runs there, so the folder's
  // name (whatever characters it holds) never enters the script; the picture is drawn to a
  // temporary name and renamed so a reader never sees half of it.
  const std::string png_tmp = fmt::format("confusion.png.tmp.{}", ::getpid());
  write_file_atomically(script, confusion_script(matrix, names, title, png_tmp));
  if (!on_path("gnuplot"))
    return "gnuplot not found: no confusion matrix picture drawn (install gnuplot-nox; the "
           "counts are in " +
           csv + ")";
  const std::string command =
      "cd " + shell_quote(base) + " && gnuplot confusion.gp > confusion.gp.log 2>&1";
  const int status = std::system(command.c_str());
  std::error_code error;
  if (status != 0) {
    std::filesystem::remove(base + "/" + png_tmp, error);
    return fmt::format("gnuplot failed on {} (see {}/confusion.gp.log)", script, base);
  }
  std::filesystem::rename(base + "/" + png_tmp, base + "/confusion.png", error);
  if (error) return "cannot move the confusion matrix picture into place: " + error.message();
  std::filesystem::remove(base + "/confusion.gp.log", error);
  return "";
}

} // namespace cnn
