// What the fuzz targets share: the readers take paths, so each input is written to a file in a
// folder of this process's own (parallel fuzzing jobs never share one).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace cnnc::fuzz {

// This process's scratch folder, created on first use and emptied at exit.
const std::filesystem::path& scratch_dir();

// Writes `size` bytes to `path` (replacing it), creating its parent folders.
void write_file(const std::filesystem::path& path, const std::uint8_t* data, std::size_t size);
void write_file(const std::filesystem::path& path, std::string_view text);

// A broken promise of the code under test: prints `what` and aborts, which the fuzzer reports.
[[noreturn]] void fail(const char* what);

} // namespace cnnc::fuzz
