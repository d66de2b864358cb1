// Whole-file reads (gzip detected by its magic and inflated), atomic writes, CSV cells.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cnn {

// The file's bytes; with `decompress`, a gzip file (magic 1f 8b) comes back inflated. Throws
// DataError naming the file for a missing file, a directory, a read error or a corrupt gzip
// stream.
std::vector<std::uint8_t> read_file_bytes(const std::string& path, bool decompress = true);

// Writes through "<path>.tmp.<pid>" and renames it over path, so readers never see a half
// file. Throws DataError naming the file when any step fails.
void write_file_atomically(const std::string& path, std::string_view bytes);

// `text` as one CSV cell (RFC 4180): quoted, quotes doubled, when it holds a comma, a quote or a
// line break.
std::string csv_field(const std::string& text);

} // namespace cnn
