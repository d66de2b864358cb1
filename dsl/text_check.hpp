// Is this text a .cnn file at all: no NUL bytes, valid UTF-8, not absurdly large.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cnnc {

// Model files are a few hundred bytes; anything past this is not one.
constexpr std::size_t kMaxSourceBytes = 16u << 20;

// Why `text` cannot be a model file ("is not text: ..."), or nullopt when it can.
std::optional<std::string> not_text_reason(std::string_view text);

} // namespace cnnc
