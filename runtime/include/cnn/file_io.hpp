// Whole-file reads (gzip detected by its magic and inflated), atomic writes, CSV cells.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cnn {

// Given the first bytes of a file's content, the total size of the content its header declares,
// or nullopt while the header needs more bytes. A reader that knows its format passes one, so
// that a small gzip file cannot inflate to more than its header promises.
using DeclaredSize = std::function<std::optional<std::uint64_t>(std::span<const std::uint8_t>)>;

// The file's bytes; with `decompress`, a gzip file (magic 1f 8b) comes back inflated, all of its
// members in order. Throws DataError naming the file for a missing file, a directory, a read
// error, a corrupt or truncated gzip stream, bytes after the last gzip member, content longer
// than `declared` says, or too little memory.
std::vector<std::uint8_t> read_file_bytes(const std::string& path, bool decompress = true,
                                          const DeclaredSize& declared = {});

// Writes through "<path>.tmp.<pid>" and renames it over path, so readers never see a half
// file; first removes the "<path>.tmp.<pid>" files of processes that no longer run. Throws
// DataError naming the file when any step fails, and leaves the previous file as it was.
void write_file_atomically(const std::string& path, std::string_view bytes);

// `text` as one CSV cell (RFC 4180): quoted, quotes doubled, when it holds a comma, a quote or a
// line break.
std::string csv_field(const std::string& text);

} // namespace cnn
