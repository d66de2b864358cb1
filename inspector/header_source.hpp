// Where cnnc-inspect's header comes from: a generated .hpp read from disk, or a .cnn file run
// through cnnc's own checker and generator in memory; and the small translation unit that
// includes it and instantiates the model's templates for given lane counts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cnnc::inspect {

struct HeaderSource {
  std::string display_path; // how locations name the header: as given, or "<name>.hpp"
  std::string origin;       // the .cnn file it was generated from; empty for a .hpp
  std::string path;         // absolute path the compiler sees (a virtual file for a .cnn)
  std::string text;
  std::string model_name; // NAME of `namespace cnn::NAME`
};

struct SourceOptions {
  std::string name;               // --name, for a .cnn file
  std::int64_t unroll_budget = 0; // --unroll, for a .cnn file; 0: the generator's default
  bool color = false;             // colored diagnostics for a .cnn file with errors
};

// Reads `file` (a .hpp, or a .cnn that is checked and generated). On failure returns nullopt
// after printing why (a .cnn file's diagnostics, or `error`).
std::optional<HeaderSource> load_header(const std::string& file, const SourceOptions& options,
                                        std::string& error);

// The translation unit cnnc-inspect parses: it includes the header and explicitly
// instantiates forward (with both workspaces), loss and backward for each lane count.
std::string instantiation_unit(const HeaderSource& header, const std::vector<int>& lanes);

} // namespace cnnc::inspect
