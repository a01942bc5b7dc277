#include "host/model_file.hpp"

#include <fmt/core.h>

namespace gct::host {

Status open_model_file(const std::string& path, ModelFile* out) {
  Status s = out->file.open(path);
  if (s.ok()) s = model_open(out->file.data(), out->file.size(), &out->view);
  if (!s.ok()) return Status::Error(s.code(), "%s: %s", path.c_str(), s.message());
  return Status::Ok();
}

std::string model_summary(const ModelView& model) {
  char layers[256];
  format_layer_sizes(model.layers, layers, sizeof layers);
  return fmt::format("{}, {}, trained {} steps at batch {}", layers,
                     model.scalar == ScalarKind::kFixed ? "fixed point" : "float32", model.steps, model.batch);
}

}  // namespace gct::host
