// The per-epoch history: epoch lines, history.csv and the gnuplot figure.
#include "cnn/history.hpp"

#include "cnn/errors.hpp"
#include "cnn/file_io.hpp"
#include "cnn/gnuplot.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <sstream>
#include <unistd.h>

namespace cnn {

std::string epoch_line(const EpochRecord& r, int epochs) {
  std::string line = fmt::format("Epoch {}/{} - {:.1f}s - loss: {:.4f} - {}: {:.4f}", r.epoch,
                                 epochs, r.seconds, r.loss, r.metric, r.acc);
  if (r.val_loss)
    line += fmt::format(" - val_loss: {:.4f} - val_{}: {:.4f}", *r.val_loss, r.metric, *r.val_acc);
  if (r.show_lr) line += fmt::format(" - lr: {:.4g}", r.lr);
  return line;
}

std::string history_csv(const std::vector<EpochRecord>& history) {
  const std::string metric = history.empty() ? "acc" : history.front().metric;
  std::string text = fmt::format("epoch,seconds,loss,{0},val_loss,val_{0},lr\n", metric);
  for (const auto& r : history) {
    text += fmt::format("{},{:.3f},{},{},", r.epoch, r.seconds, r.loss, r.acc);
    text += r.val_loss ? fmt::format("{},{},", *r.val_loss, *r.val_acc) : ",,";
    text += fmt::format("{}\n", r.lr);
  }
  return text;
}

std::vector<EpochRecord> parse_history_csv(const std::string& text, const std::string& origin) {
  std::istringstream in(text);
  std::string line;
  std::vector<EpochRecord> history;
  std::string metric;
  std::size_t columns = 7;
  if (std::getline(in, line)) {
    for (const char* name : {"acc", "mae"}) {
      const std::string header = fmt::format("epoch,seconds,loss,{0},val_loss,val_{0}", name);
      if (line == header + ",lr") metric = name;
      if (line == header) metric = name, columns = 6; // written before the lr column
    }
  }
  if (metric.empty()) throw DataError(origin + ": history does not start with its CSV header");
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream row(line);
    while (std::getline(row, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.push_back("");
    if (cells.size() != columns) throw DataError(origin + ": malformed history row '" + line + "'");
    try {
      EpochRecord r;
      r.metric = metric;
      r.epoch = std::stoi(cells[0]);
      r.seconds = std::stod(cells[1]);
      r.loss = std::stod(cells[2]);
      r.acc = std::stod(cells[3]);
      if (!cells[4].empty()) r.val_loss = std::stod(cells[4]), r.val_acc = std::stod(cells[5]);
      if (columns == 7) r.lr = std::stod(cells[6]);
      history.push_back(r);
    } catch (const std::logic_error&) {
      throw DataError(origin + ": malformed history row '" + line + "'");
    }
  }
  return history;
}

namespace {

std::string lower_case(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

} // namespace

std::string plot_history(const std::string& dir, const std::string& model_name,
                         const std::string& metric) {
  const std::string measure = metric == "mae" ? "Mean absolute error" : "Accuracy";
  const auto base = std::filesystem::absolute(dir).string();
  const std::string csv = base + "/history.csv", script = base + "/history.gp";
  // Whole epochs on the x axis, about ten tics.
  const auto csv_bytes = read_file_bytes(csv, false);
  const long rows = std::count(csv_bytes.begin(), csv_bytes.end(), '\n') - 1; // minus the header
  const long xtic_step = std::max(1L, (rows + 9) / 10);
  const std::string png_tmp = base + "/history.png.tmp", svg_tmp = base + "/history.svg.tmp";
  // Training as dots, validation as a line, as the lecture's figure; the SVG and PNG are drawn
  // to temporary names and renamed so a reader never sees half a picture.
  const std::string panels = fmt::format(
      R"(set multiplot layout 1,2 title {title}
set xlabel 'Epochs'
set ylabel '{measure}'
set key {corner} right
plot {csv} using 1:4 with points pt 7 ps 0.6 lc rgb '#1f4fd0' title 'Training {lower}', \
     {csv} using 1:6 with lines lw 2 lc rgb '#d02020' title 'Validation {lower}'
set ylabel 'Loss'
set key top right
plot {csv} using 1:3 with points pt 7 ps 0.6 lc rgb '#1f4fd0' title 'Training loss', \
     {csv} using 1:5 with lines lw 2 lc rgb '#d02020' title 'Validation loss'
unset multiplot
)",
      fmt::arg("title", gnuplot_string(model_name + ": " + lower_case(measure) + " and loss")),
      fmt::arg("csv", gnuplot_string(csv)), fmt::arg("measure", measure),
      fmt::arg("lower", lower_case(measure)),
      fmt::arg("corner", metric == "mae" ? "top" : "bottom"));
  const std::string text =
      fmt::format(R"(# Draws history.csv: {lower} and loss against epochs.
set datafile separator ','
set key autotitle columnhead
set grid
set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
set xtics {step}
set terminal pngcairo size 1200,480 font ',10' noenhanced
set output {png}
{panels}set terminal svg size 1200,480 dynamic font 'sans,10' noenhanced
set output {svg}
{panels}unset output
)",
                  fmt::arg("png", gnuplot_string(png_tmp)),
                  fmt::arg("svg", gnuplot_string(svg_tmp)), fmt::arg("panels", panels),
                  fmt::arg("step", xtic_step), fmt::arg("lower", lower_case(measure)));
  write_file_atomically(script, text);
  if (!on_path("gnuplot"))
    return "gnuplot not found: no plot drawn (install gnuplot-nox; the data is in " + csv + ")";
  const std::string command =
      "gnuplot " + shell_quote(script) + " > " + shell_quote(base + "/history.gp.log") + " 2>&1";
  const int status = std::system(command.c_str());
  if (status != 0) return fmt::format("gnuplot failed on {} (see {}/history.gp.log)", script, base);
  std::error_code error;
  std::filesystem::rename(png_tmp, base + "/history.png", error);
  if (!error) std::filesystem::rename(svg_tmp, base + "/history.svg", error);
  if (error) return "cannot move the plot into place: " + error.message();
  std::filesystem::remove(base + "/history.gp.log", error);
  return "";
}

} // namespace cnn
