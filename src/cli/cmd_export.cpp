// gctrain export: a model file as C source, a const array that a board links into flash and reads
// in place (model_open, predictor_setup), with a header of its shape for compile-time sizing.
#include <fmt/core.h>

#include <memory>
#include <vector>

#include "commands.hpp"
#include "host/atomic_file.hpp"
#include "host/c_array.hpp"
#include "host/model_file.hpp"
#include "host/resources.hpp"
#include "options.hpp"

namespace gct::cli {
namespace {

struct ExportCommand {
  std::string model_path;
  std::string c_array;
  std::string name = "gct_model";

  std::vector<std::pair<std::string, uint64_t>> constants(const ModelView& m) const {
    std::vector<std::pair<std::string, uint64_t>> out = {
        {"layer_count", static_cast<uint64_t>(m.layers.count)},
        {"channels", m.format.channels},
        {"height", m.format.height},
        {"width", m.format.width},
        {"classes", m.format.num_fine},
        {"batch", m.batch},
        {"fixed_point", m.scalar == ScalarKind::kFixed ? 1u : 0u}};
    for (int i = 0; i < m.layers.count; ++i) out.emplace_back(fmt::format("layer_size_{}", i), m.layers.size[i]);
    return out;
  }

  int run() {
    if (c_array.size() < 3 || c_array.compare(c_array.size() - 2, 2, ".c") != 0) {
      print_error("export", fmt::format("--c-array {}: the file name must end in .c (the header goes beside it as .h)",
                                        c_array));
      return kExitUsage;
    }
    const std::string header = c_array.substr(0, c_array.size() - 2) + ".h";
    host::ModelFile model;
    Status s = host::open_model_file(model_path, &model);
    // Only files this command wrote may be replaced.
    for (const std::string* path : {static_cast<const std::string*>(&c_array), &header}) {
      if (s.ok()) s = host::check_ours_to_overwrite(*path, "/* Generated: ", "generated C source");
    }
    if (!s.ok()) {
      print_error("export", s);
      return kExitFailure;
    }
    const std::vector<uint8_t> bytes(model.file.data(), model.file.data() + model.file.size());
    const std::string what = "a gctrain model file written by gctrain export (see include/gctrain/model.hpp)";
    host::AtomicFile source, declarations;
    s = source.open(c_array);
    if (s.ok()) s = source.write(host::c_array_source(bytes, name, what));
    if (s.ok()) s = declarations.open(header);
    if (s.ok()) s = declarations.write(host::c_array_header(name, bytes.size(), what, constants(model.view)));
    // Both or neither.
    if (s.ok()) s = source.finish();
    if (s.ok()) s = declarations.finish();
    if (s.ok()) s = source.publish();
    if (s.ok()) s = declarations.publish();
    if (!s.ok()) {
      print_error("export", s);
      return kExitFailure;
    }
    fmt::print("{} and {}: {} ({} bytes, {})\n", c_array, header, name, bytes.size(), host::model_summary(model.view));
    return stdout_ok("export") ? 0 : kExitFailure;
  }
};

}  // namespace

Runner add_export_command(CLI::App* app) {
  auto cmd = std::make_shared<ExportCommand>();
  CLI::App* sub = app->add_subcommand("export", "write a model file as C source for a board's flash");
  sub->add_option("--model", cmd->model_path, "model file (train --save-model)")->required()->check(not_empty());
  sub->add_option("--c-array", cmd->c_array, "C file to write (OUT.c; OUT.h beside it)")->required()->check(not_empty());
  sub->add_option("--name", cmd->name, "name of the array (a C identifier)")
      ->check([](const std::string& v) {
        bool ok = !v.empty() && !(v[0] >= '0' && v[0] <= '9');
        for (char c : v) ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
        return ok ? std::string() : "not a C identifier: " + v;
      })
      ->capture_default_str();
  return [cmd] { return cmd->run(); };
}

}  // namespace gct::cli
