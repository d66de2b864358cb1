// The syntax tree of a .cnn file: what each statement says, with the span of every part, before
// any meaning is checked (names, ranges and shapes are the checker's business).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/model.hpp"
#include "dsl/source.hpp"

namespace cnnc::ast {

struct Word {
  std::string text;
  Span span;
};

// A number as written. `integer` is set when the text is a whole number (saturated at the int64
// limits, so absurd values stay absurd instead of wrapping).
struct Number {
  std::string text;
  Span span;
  double value = 0;
  std::optional<std::int64_t> integer;
};

// `0.4914,0.4822,0.4465` or `0.5`: one or more numbers separated by commas.
struct NumberList {
  std::vector<Number> values;
  Span span; // from the first number to the last
};

// `28x28x1`, `5x5` or `5`: one to three sizes (saturated like Number).
struct Dims {
  std::string text;
  Span span;
  std::vector<std::int64_t> sizes;
};

// `glorot_uniform`, `normal(0.05)`.
struct Init {
  Word kind;
  std::optional<Number> argument;
  Span span;
};

// `padding=valid|same` (mode) or `padding=P|PHxPW` (amount).
struct Padding {
  std::optional<Word> mode;
  std::optional<Dims> amount;
  Span span;
};

// `key=value` of a layer option the parser keeps as written (the shape rule reads it): a size
// (`dilation=2x2`), a number (`groups=4`) or a word (`bias=false`).
struct Option {
  Word key;
  std::optional<Dims> size;
  std::optional<Number> number;
  std::optional<Word> word;
  Span span; // the value
};

// `filter edge` or `filter -1,-1,-1,-1,8,-1,-1,-1,-1 bias=0.5 scale=0.0625`: one fixed filter
// of the convolution above it, a preset's name or its numbers (row by row, channels innermost).
struct Filter {
  Span keyword;
  Span span; // the whole statement
  std::optional<Word> preset;
  std::optional<NumberList> values;
  std::optional<Number> bias, scale;
  Span bias_key, scale_key;
  bool broken = false; // a syntax error: counted, but its values are unknown
};

struct Layer {
  const LayerType* type = nullptr;
  Span keyword;                 // the layer's keyword
  Span span;                    // the whole statement
  std::string label;            // its name for messages: name=..., else Keras' default name
  std::string default_name;     // conv2d_1, max_pooling2d_2, ...
  bool broken = false;          // a syntax error: its output shape cannot be known
  std::optional<Number> units;  // a count slot: conv2d filters, dense units
  std::optional<Dims> size;     // a size slot: conv2d kernel, pool size
  std::optional<Number> number; // a number slot: dropout's rate
  std::optional<Word> activation;
  std::optional<Dims> stride;
  std::optional<Padding> padding;
  std::optional<Word> name;
  std::optional<Init> init;
  std::optional<Init> bias_init;
  std::optional<Dims> expected_shape;    // `-> SHAPE`
  std::optional<Number> expected_params; // `params N`
  std::vector<Option> options;           // the other options, in source order
  std::vector<Filter> filters;           // the `filter` lines after it: fixed, not trained

  const Option* option(std::string_view key) const {
    for (const Option& candidate : options)
      if (candidate.key.text == key) return &candidate;
    return nullptr;
  }
};

// `optimizer adam lr=0.001`: one hyper-parameter; its value is a number or a word (true/false).
struct HyperParameter {
  Word key;
  std::optional<Number> number;
  std::optional<Word> word;
  Span value_span;
};

struct Optimizer {
  Word kind;
  std::vector<HyperParameter> parameters;
  Span span;
};

// `schedule cosine min=1e-6`, `early_stopping patience=5`, `augment shift=4 flip=horizontal`:
// a training statement of `key=value` options, with a kind first for `schedule`.
struct Options {
  std::optional<Word> kind;
  std::vector<HyperParameter> parameters;
  Span span; // the whole statement
};

// A training key with one value: `loss mse`, `batch 128`, `init he_normal`.
template <typename Value>
struct Setting {
  Value value;
  Span span; // the whole statement
};

struct Training {
  Span span; // the `training` keyword
  std::optional<Setting<Word>> loss;
  std::optional<Optimizer> optimizer;
  std::optional<Setting<Number>> batch, epochs, validation, seed;
  std::optional<Setting<Init>> init, bias_init;
  std::optional<Options> schedule, early_stopping, augment;
  std::optional<Setting<Number>> l2;
};

// The options of the `input` line, `scale=S mean=M|M1,M2,... std=S|S1,S2,...`, as written (each
// a list here; the checker wants one scale, and one value or one per channel for the others).
struct Preprocessing {
  std::optional<NumberList> scale, mean, stddev;
};

// `classes airplane automobile "T-shirt/top"`: the class names, without their quotes.
struct ClassNames {
  Span keyword;
  std::vector<Word> names;
  Span names_span; // from the first name to the last
  Span span;       // the whole statement
};

struct Program {
  std::optional<Word> model_name;
  std::optional<Dims> input;
  bool input_broken = false;  // an input line exists but could not be read
  bool input_unknown = false; // no input line, but an unknown statement may have been it
  // An unknown statement came before layers[i] (i = layers.size(): after the last layer); what
  // it would have done to the shapes is unknown.
  std::vector<std::size_t> unknown_before_layer;
  Span input_span;
  Preprocessing preprocessing;
  std::optional<ClassNames> classes;
  std::vector<Layer> layers;
  std::optional<Training> training;
};

} // namespace cnnc::ast
