// Whole-file reads (gzip detected by its magic and inflated) and atomic writes.
#include "cnn/file_io.hpp"

#include "cnn/errors.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <zlib.h>

namespace cnn {
namespace {

std::vector<std::uint8_t> read_raw(const std::string& path) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status)) throw DataError(path + ": no such file");
  if (std::filesystem::is_directory(status))
    throw DataError(path + ": is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot open (" + std::strerror(errno) + ")");
  std::vector<std::uint8_t> bytes;
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  if (size < 0) throw DataError(path + ": cannot determine the file size");
  in.seekg(0, std::ios::beg);
  bytes.resize(static_cast<std::size_t>(size));
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) throw DataError(path + ": read error");
  return bytes;
}

std::vector<std::uint8_t> inflate_gzip(const std::string& path,
                                       const std::vector<std::uint8_t>& packed) {
  z_stream stream{};
  // 16 + MAX_WBITS: expect a gzip wrapper, not a raw zlib stream.
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK)
    throw DataError(path + ": cannot initialise zlib");
  std::vector<std::uint8_t> out;
  std::uint8_t chunk[1 << 16];
  stream.next_in = const_cast<Bytef*>(packed.data());
  stream.avail_in = static_cast<uInt>(packed.size());
  int result = Z_OK;
  while (result != Z_STREAM_END) {
    stream.next_out = chunk;
    stream.avail_out = sizeof chunk;
    result = inflate(&stream, Z_NO_FLUSH);
    if (result != Z_OK && result != Z_STREAM_END) {
      const std::string reason = stream.msg ? stream.msg : "no more input";
      inflateEnd(&stream);
      if (result == Z_BUF_ERROR)
        throw DataError(path + ": truncated gzip stream (ends before its end marker)");
      throw DataError(path + ": corrupt gzip stream (" + reason + ")");
    }
    out.insert(out.end(), chunk, chunk + (sizeof chunk - stream.avail_out));
  }
  inflateEnd(&stream);
  return out;
}

} // namespace

std::vector<std::uint8_t> read_file_bytes(const std::string& path, bool decompress) {
  auto bytes = read_raw(path);
  if (decompress && bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
    return inflate_gzip(path, bytes);
  return bytes;
}

void write_file_atomically(const std::string& path, std::string_view bytes) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw DataError(path + ": cannot create " + temp + " (" + std::strerror(errno) + ")");
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::remove(temp.c_str());
      throw DataError(path + ": write error (disk full?)");
    }
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(temp.c_str());
    throw DataError(path + ": cannot rename " + temp + " into place (" + reason + ")");
  }
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

} // namespace cnn
