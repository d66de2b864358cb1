// What the generator emits for each layer, checked before it is emitted, so that generating the
// code of a checked model never fails and the code always compiles.
#include "dsl/check_names.hpp"

#include <map>

#include <fmt/core.h>

#include "dsl/checker.hpp"
#include "dsl/identifier.hpp"
#include "layers/emitted_names.hpp"

namespace cnnc {
namespace {

struct FirstUse {
  std::string layer;
  Span span;
};

Span name_span(const ast::Layer& statement) {
  return statement.name ? statement.name->span : statement.keyword;
}

} // namespace

void check_emitted_names(const Model& model, const ast::Program& program,
                         const std::vector<bool>& checked, CheckContext& context) {
  std::map<std::string, FirstUse, std::less<>> made; // emitted name -> the layer that makes it
  for (std::size_t i = 0; i < model.layers.size() && i < checked.size(); ++i) {
    if (!checked[i]) continue;
    const Layer& layer = model.layers[i];
    const ast::Layer& statement = program.layers[i];
    const Span where = name_span(statement);
    // A name that is no C++ identifier of its own is reported already, by the layer loop.
    bool name_reported = identifier_problem(layer.name).has_value();
    bool size_reported = false; // one size error a layer: its arrays grow together
    for (const EmittedName& emitted : emitted_names(model, i)) {
      if (!size_reported &&
          (emitted.per_lane ? emitted.values > kMaxLaneValues : emitted.values > kMaxElements)) {
        size_reported = true;
        context.error(statement.keyword,
                      fmt::format("{}: its workspace array {} would hold {} values{}, more than "
                                  "the {} the generated code can index{}",
                                  layer.name, emitted.name, with_commas(emitted.values),
                                  emitted.per_lane ? " per lane" : "",
                                  with_commas(emitted.per_lane ? kMaxLaneValues : kMaxElements),
                                  emitted.per_lane ? fmt::format(" at {} lanes", kMaxLanes) : ""));
      }
      if (name_reported) continue;
      if (const auto problem = emitted_name_problem(emitted.name)) {
        context.error(where,
                      fmt::format("{}: the generated code would use '{}' for this layer, but "
                                  "{}; give the layer another name",
                                  layer.name, emitted.name, *problem));
        name_reported = true;
        continue;
      }
      const auto [first, fresh] = made.emplace(emitted.name, FirstUse{layer.name, where});
      if (!fresh && first->second.layer != layer.name) {
        context.error(where,
                      fmt::format("{}: the generated code would use '{}' for this layer and for "
                                  "layer {}; give one of them another name",
                                  layer.name, emitted.name, first->second.layer),
                      {{first->second.span, fmt::format("{} is here", first->second.layer)}});
        name_reported = true;
      }
    }
  }
}

} // namespace cnnc
