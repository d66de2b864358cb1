// Whole-file reads (gzip detected by its magic and inflated) and atomic writes.
#include "cnn/file_io.hpp"

#include "cnn/errors.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <new>
#include <optional>
#include <sys/types.h>
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

// Deflate expands at most about 1032:1, so a stream can never inflate past this many times its
// compressed size; the bound keeps a hostile header from reserving memory the data cannot fill.
constexpr std::uint64_t kMaxDeflateRatio = 1032;
// A header that has not declared its size within this many bytes never will.
constexpr std::size_t kHeaderWindow = std::size_t{1} << 16;

// Inflates every gzip member of `packed` (gzip -c a >f; gzip -c b >>f is one file), refusing
// bytes after the last member that are not another member, and stopping as soon as the output
// passes the size the content's own header declares.
std::vector<std::uint8_t> inflate_gzip(const std::string& path,
                                       const std::vector<std::uint8_t>& packed,
                                       const DeclaredSize& declared) {
  z_stream stream{};
  // 16 + MAX_WBITS: expect a gzip wrapper, not a raw zlib stream.
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK)
    throw DataError(path + ": cannot initialise zlib");
  struct End {
    z_stream* stream;
    ~End() { inflateEnd(stream); }
  } end{&stream};
  std::vector<std::uint8_t> out;
  std::optional<std::uint64_t> limit;
  std::uint8_t chunk[1 << 16];
  stream.next_in = const_cast<Bytef*>(packed.data());
  stream.avail_in = static_cast<uInt>(packed.size());
  for (;;) {
    stream.next_out = chunk;
    stream.avail_out = sizeof chunk;
    const int result = inflate(&stream, Z_NO_FLUSH);
    if (result != Z_OK && result != Z_STREAM_END) {
      if (result == Z_BUF_ERROR)
        throw DataError(path + ": truncated gzip stream (ends before its end marker)");
      throw DataError(path + ": corrupt gzip stream (" +
                      (stream.msg ? stream.msg : "no more input") + ")");
    }
    const std::size_t produced = sizeof chunk - stream.avail_out;
    if (!limit && declared && out.size() < kHeaderWindow) {
      // The declared size is asked for until the header has arrived, and space for it (never
      // more than the stream could produce) is reserved once.
      std::vector<std::uint8_t> head(out);
      head.insert(head.end(), chunk, chunk + produced);
      limit = declared(head);
      if (limit)
        out.reserve(static_cast<std::size_t>(
            std::min<std::uint64_t>(*limit, kMaxDeflateRatio * packed.size())));
    }
    if (limit && out.size() + produced > *limit)
      throw DataError(
          fmt::format("{}: inflates to more than the {} bytes its header declares", path, *limit));
    out.insert(out.end(), chunk, chunk + produced);
    if (result != Z_STREAM_END) continue;
    if (stream.avail_in == 0) break;
    // Another member follows, or bytes that are not gzip data.
    if (stream.avail_in < 2 || stream.next_in[0] != 0x1f || stream.next_in[1] != 0x8b)
      throw DataError(fmt::format("{}: {} bytes after the end of the gzip data are not another "
                                  "gzip member",
                                  path, stream.avail_in));
    if (inflateReset(&stream) != Z_OK) throw DataError(path + ": cannot reset zlib");
  }
  return out;
}

// Removes the "<name>.tmp.<pid>" files beside `path` that a process which no longer runs left
// behind (killed while it wrote), so that crashed runs do not pile them up.
void remove_stale_temporaries(const std::string& path) {
  const std::filesystem::path target(path);
  const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
  const std::string prefix = target.filename().string() + ".tmp.";
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.empty() || digits.size() > 9 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      continue;
    const pid_t pid = static_cast<pid_t>(std::stol(digits));
    // kill(pid, 0) probes without sending: ESRCH means no such process (EPERM: someone else's).
    if (pid > 0 && pid != ::getpid() && ::kill(pid, 0) == -1 && errno == ESRCH)
      std::filesystem::remove(entry.path(), error);
  }
}

} // namespace

std::vector<std::uint8_t> read_file_bytes(const std::string& path, bool decompress,
                                          const DeclaredSize& declared) {
  try {
    auto bytes = read_raw(path);
    if (decompress && bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
      return inflate_gzip(path, bytes, declared);
    return bytes;
  } catch (const std::bad_alloc&) {
    throw DataError(path + ": not enough memory to read it");
  }
}

void write_file_atomically(const std::string& path, std::string_view bytes) {
  remove_stale_temporaries(path);
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw DataError(path + ": cannot create " + temp + " (" + std::strerror(errno) + ")");
    errno = 0;
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      const std::string reason = errno != 0 ? std::strerror(errno) : "disk full?";
      out.close();
      std::remove(temp.c_str());
      throw DataError(path + ": write error (" + reason + "); the previous file is unchanged");
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
