// The trainer's draw command: pictures (PNG) of what a generated model computes, from saved
// weights or the model's fixed filters. The filters of every convolution; for one input, the
// feature maps of every layer with an image output; and for fixed filters, the lecture's figure
// (input | filter | output). docs/pictures.md describes the pictures and their colours.
#pragma once

#include "cnn/aligned.hpp"
#include "cnn/batch.hpp"
#include "cnn/dataset.hpp"
#include "cnn/errors.hpp"
#include "cnn/init.hpp"
#include "cnn/options.hpp"
#include "cnn/pictures.hpp"
#include "cnn/training_run.hpp"
#include "cnn/weights.hpp"

#include <concepts>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cnn {

namespace draw_detail {

// A generated model's forward-only workspace and the accessor of each layer's output in it
// (hand-written test models may lack them).
template <class Model>
concept HasLayerOutputs = requires(const typename Model::template ForwardWorkspace<float, 1>& ws) {
  { Model::layer_output(ws, 0) } -> std::same_as<const float*>;
};

// Whether every parameter of the model is fixed by its file, so that it needs no weights file.
template <class Model>
constexpr bool all_fixed() {
  for (std::size_t i = 0; i < static_cast<std::size_t>(Model::kTensorCount); ++i)
    if (!Model::kTensors[i].values) return false;
  return true;
}

inline bool is_convolution(const LayerInfo& layer) {
  return std::string_view(layer.kind) == "Conv2D" ||
         std::string_view(layer.kind) == "DepthwiseConv2D";
}

// The kernel tensor of a convolution layer (rank 4, Keras' layout), or nullptr.
template <class Model>
const TensorInfo* kernel_of(const LayerInfo& layer) {
  for (int t = layer.first_tensor; t < layer.first_tensor + layer.tensor_count; ++t)
    if (std::string_view(Model::kTensors[t].role) == "kernel" && Model::kTensors[t].rank == 4)
      return &Model::kTensors[t];
  return nullptr;
}

// The folder the pictures go to: --out, else pictures/ beside the weights, else
// runs/MODEL/pictures; created if missing.
template <class Model>
std::string output_folder(const CommandLine& line) {
  std::string folder;
  if (line.out) {
    folder = *line.out;
  } else if (line.weights) {
    const std::filesystem::path beside = std::filesystem::path(*line.weights).parent_path();
    folder = ((beside.empty() ? std::filesystem::path(".") : beside) / "pictures").string();
  } else {
    folder = std::string("runs/") + Model::kName + "/pictures";
  }
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error)
    throw DataError(
        fmt::format("{}: cannot create the output folder ({})", folder, error.message()));
  return folder;
}

// The one input to draw from: --image FILE, or sample --sample of --data's test split.
template <class Model>
std::optional<Samples> input_sample(const CommandLine& line) {
  const DataSpec spec = data_spec<Model>();
  if (line.image) {
    Samples samples = read_samples(*line.image, spec);
    if (samples.count != 1)
      throw DataError(fmt::format("{}: holds {} samples; draw takes one image (or --data DIR "
                                  "--sample N)",
                                  *line.image, samples.count));
    return samples;
  }
  if (!line.data) return std::nullopt;
  const DataFormat format = line.format ? parse_format(*line.format) : DataFormat::Auto;
  const Split split = has_split(*line.data, format, Split::Test) ? Split::Test : Split::Train;
  Dataset data = read_split(*line.data, format, split, spec);
  const long index = line.sample.value_or(0);
  if (index < 0 || static_cast<std::size_t>(index) >= data.images.count)
    throw DataError(fmt::format("--sample {}: the {} split of {} has {} samples (0 to {})", index,
                                split == Split::Test ? "test" : "training", *line.data,
                                data.images.count, data.images.count - 1));
  Samples one = data.images;
  const std::size_t size = one.sample_size();
  const std::size_t at = static_cast<std::size_t>(index) * size;
  if (one.floats)
    one.values.assign(data.images.values.begin() + static_cast<long>(at),
                      data.images.values.begin() + static_cast<long>(at + size));
  else
    one.bytes.assign(data.images.bytes.begin() + static_cast<long>(at),
                     data.images.bytes.begin() + static_cast<long>(at + size));
  one.count = 1;
  one.names.clear();
  one.path = fmt::format("{} (sample {})", *line.data, index);
  return one;
}

// The pictures that need an input: the input itself, the feature maps of every layer with an
// image output, and the lecture's figure for each convolution with fixed filters.
template <class Model, class Write>
void draw_with_input(const Samples& sample, const float* params, const Write& write) {
  const InputTransform transform = InputTransform::of<Model>();
  AlignedFloats input(static_cast<std::size_t>(Model::kInputSize));
  const std::uint32_t item = 0;
  fill_input_group<1>(sample, transform, &item, 1, input.data());
  auto ws = std::make_unique<typename Model::template ForwardWorkspace<float, 1>>();
  Model::template forward<float, 1>(params, input.data(), *ws);
  write("input.png",
        draw_image(input.data(), Model::kInputH, Model::kInputW, Model::kInputC,
                   map_zoom(Model::kInputH, Model::kInputW)),
        fmt::format("the input, {}", sample.path));
  for (int i = 0; i < Model::kLayerCount; ++i) {
    const LayerInfo& layer = Model::kLayers[i];
    if (layer.rank != 3) continue;
    write(fmt::format("feature_maps_{}.png", layer.name),
          draw_feature_maps(Model::layer_output(*ws, i), layer.out_dims[0], layer.out_dims[1],
                            layer.out_dims[2]),
          fmt::format("{} maps of {}x{}", layer.out_dims[2], layer.out_dims[0], layer.out_dims[1]));
  }
  for (int i = 0; i < Model::kLayerCount; ++i) {
    const LayerInfo& layer = Model::kLayers[i];
    const TensorInfo* kernel = is_convolution(layer) ? kernel_of<Model>(layer) : nullptr;
    if (!kernel || !kernel->values || layer.rank != 3) continue;
    const LayerInfo* before = i == 0 ? nullptr : &Model::kLayers[i - 1];
    if (before && before->rank != 3) continue;
    const int in_h = before ? before->out_dims[0] : Model::kInputH;
    const int in_w = before ? before->out_dims[1] : Model::kInputW;
    const int in_c = before ? before->out_dims[2] : Model::kInputC;
    // A figure shows whole filters: not those of a grouped convolution.
    if (kernel->dims[2] != in_c || kernel->dims[3] != layer.out_dims[2]) continue;
    const float* layer_input = before ? Model::layer_output(*ws, i - 1) : input.data();
    write(fmt::format("figure_{}.png", layer.name),
          draw_figure(layer_input, in_h, in_w, in_c, params + kernel->offset, kernel->dims[0],
                      kernel->dims[1], Model::layer_output(*ws, i), layer.out_dims[0],
                      layer.out_dims[1], layer.out_dims[2]),
          fmt::format("input | filter | output, a row for each of the {} fixed filters",
                      layer.out_dims[2]));
  }
}

} // namespace draw_detail

// `draw`: writes the pictures into the output folder and prints what it wrote. Throws
// UsageError without --weights for a model that has trained weights, DataError for files that
// cannot be read or written and inputs that do not fit the model.
template <class Model>
int run_draw(const CommandLine& line, std::FILE* out) {
  using namespace draw_detail;
  AlignedFloats params(Model::kParamCount);
  if (line.weights) {
    load_weights(read_safetensors(*line.weights), describe<Model>(), params.data());
  } else if constexpr (all_fixed<Model>()) {
    Rng unused(0); // fixed tensors draw nothing
    for (const TensorInfo& tensor : Model::kTensors)
      if (tensor.size > 0) initialise_tensor(tensor, params.data() + tensor.offset, unused);
  } else {
    throw UsageError(fmt::format("draw needs --weights FILE: model {} has trained weights (only "
                                 "a model whose every weight is fixed by 'filter' lines draws "
                                 "without)",
                                 Model::kName));
  }
  const std::optional<Samples> sample = input_sample<Model>(line);
  const std::string folder = output_folder<Model>(line);
  std::vector<std::string> written;
  const auto write = [&](const std::string& name, const Picture& picture, const std::string& what) {
    const std::string path = (std::filesystem::path(folder) / name).string();
    write_png(path, picture);
    written.push_back(fmt::format("{} ({}x{}): {}", path, picture.width, picture.height, what));
  };
  for (int i = 0; i < Model::kLayerCount; ++i) {
    const LayerInfo& layer = Model::kLayers[i];
    const TensorInfo* kernel = is_convolution(layer) ? kernel_of<Model>(layer) : nullptr;
    if (!kernel) continue;
    write(fmt::format("filters_{}.png", layer.name),
          draw_filters(params.data() + kernel->offset, kernel->dims[0], kernel->dims[1],
                       kernel->dims[2], kernel->dims[3]),
          fmt::format("{} filters of {}x{}x{}, a row each{}", kernel->dims[3], kernel->dims[0],
                      kernel->dims[1], kernel->dims[2], kernel->values ? " (fixed)" : ""));
  }
  if constexpr (HasLayerOutputs<Model>) {
    if (sample) draw_with_input<Model>(*sample, params.data(), write);
  } else if (sample) {
    throw DataError(fmt::format("model {} does not expose its layers' outputs (its header "
                                "predates layer_output; generate it again)",
                                Model::kName));
  }
  if (written.empty())
    throw DataError(fmt::format("model {} has no convolution to draw the filters of; give "
                                "--image FILE or --data DIR to draw its feature maps",
                                Model::kName));
  if (!line.quiet)
    for (const std::string& entry : written) fmt::print(out, "Wrote {}\n", entry);
  return 0;
}

} // namespace cnn
