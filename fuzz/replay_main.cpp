// The fuzz targets' main() when built without libFuzzer: runs LLVMFuzzerTestOneInput on every
// file given, and on every file inside every folder given (sorted by name, recursively), so that
// each build replays the seed and regression corpora. A crash, a sanitizer report or an uncaught
// exception ends the run with the input's name printed first.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs_of(const fs::path& path) {
  if (!fs::is_directory(path)) return {path};
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(path))
    if (entry.is_regular_file() && entry.path().filename().string().front() != '.')
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE|FOLDER...\n", argv[0]);
    return 2;
  }
  std::size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    if (!fs::exists(argv[i])) {
      std::fprintf(stderr, "%s: %s does not exist\n", argv[0], argv[i]);
      return 1;
    }
    for (const fs::path& file : inputs_of(argv[i])) {
      std::ifstream in(file, std::ios::binary | std::ios::ate);
      const std::streamoff size = in ? static_cast<std::streamoff>(in.tellg()) : -1;
      std::vector<std::uint8_t> data(size > 0 ? static_cast<std::size_t>(size) : 0);
      if (size < 0 || !in.seekg(0) ||
          !in.read(reinterpret_cast<char*>(data.data()),
                   static_cast<std::streamsize>(data.size()))) {
        std::fprintf(stderr, "%s: cannot read %s\n", argv[0], file.c_str());
        return 1;
      }
      std::fprintf(stderr, "replay %s (%zu bytes)\n", file.c_str(), data.size());
      LLVMFuzzerTestOneInput(data.data(), data.size());
      ++count;
    }
  }
  std::fprintf(stderr, "%s: %zu inputs replayed\n", argv[0], count);
  return count > 0 ? 0 : 1;
}
