// A model file on disk, mapped and checked (gctrain train --from-model, evaluate, export).
#pragma once

#include <cstdint>
#include <string>

#include "gctrain/model.hpp"
#include "gctrain/status.hpp"
#include "host/mapped_file.hpp"

namespace gct::host {

struct ModelFile {
  MappedFile file;
  ModelView view;         // points into the mapping
};

// Maps and checks `path`; errors name the file.
Status open_model_file(const std::string& path, ModelFile* out);

// "3072-512-256-100, float32, trained 3910 steps at batch 128": what the file holds, for reports.
std::string model_summary(const ModelView& model);

}  // namespace gct::host
