// gctrain export: a model file as C source, a const array that a board links into flash and reads
// in place (model_open, predictor_setup), with a header of its shape for compile-time sizing.
#include <fmt/core.h>

#include <memory>
#include <set>
#include <vector>

#include "commands.hpp"
#include "host/atomic_file.hpp"
#include "host/c_array.hpp"
#include "host/model_file.hpp"
#include "host/resources.hpp"
#include "options.hpp"

namespace gct::cli {
namespace {

// What <stddef.h> and <stdint.h> define: the types and their limits' macros.
const std::set<std::string>& header_names() {
  static const std::set<std::string> names = [] {
    std::set<std::string> n = {"NULL", "offsetof", "size_t", "ptrdiff_t", "max_align_t", "wchar_t", "intmax_t",
                               "uintmax_t", "intptr_t", "uintptr_t", "INTMAX_MAX", "INTMAX_MIN", "INTMAX_C",
                               "UINTMAX_MAX", "UINTMAX_C", "INTPTR_MAX", "INTPTR_MIN", "UINTPTR_MAX", "PTRDIFF_MAX",
                               "PTRDIFF_MIN", "SIZE_MAX", "SIG_ATOMIC_MAX", "SIG_ATOMIC_MIN", "WCHAR_MAX",
                               "WCHAR_MIN", "WINT_MAX", "WINT_MIN"};
    for (const char* bits : {"8", "16", "32", "64"}) {
      for (const char* kind : {"", "_least", "_fast"}) {
        std::string upper_kind = kind;
        for (char& c : upper_kind) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
        n.insert(std::string("int") + kind + bits + "_t");
        n.insert(std::string("uint") + kind + bits + "_t");
        n.insert("INT" + upper_kind + bits + "_MAX");
        n.insert("INT" + upper_kind + bits + "_MIN");
        n.insert("UINT" + upper_kind + bits + "_MAX");
      }
      n.insert(std::string("INT") + bits + "_C");
      n.insert(std::string("UINT") + bits + "_C");
    }
    return n;
  }();
  return names;
}

// Why `name` cannot name the array in the generated C (and C++) source, or "" when it can: not an
// identifier, a keyword, reserved to the implementation (a leading underscore), or a name that the
// included <stddef.h>/<stdint.h> already define.
std::string c_name_problem(const std::string& v) {
  bool identifier = !v.empty() && !(v[0] >= '0' && v[0] <= '9');
  for (char c : v) identifier = identifier && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
  if (!identifier) return "not a C identifier: " + v;
  static const std::set<std::string> kKeywords = {
      // C11
      "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
      "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
      "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
      "_Alignas", "_Alignof", "_Atomic", "_Bool", "_Complex", "_Generic", "_Imaginary", "_Noreturn",
      "_Static_assert", "_Thread_local",
      // C23
      "alignas", "alignof", "bool", "constexpr", "false", "nullptr", "static_assert", "thread_local", "true",
      "typeof", "typeof_unqual",
      // C++ (the source declares its array for C++ too)
      "and", "and_eq", "asm", "bitand", "bitor", "catch", "char8_t", "char16_t", "char32_t", "class", "compl",
      "concept", "consteval", "constinit", "const_cast", "co_await", "co_return", "co_yield", "decltype", "delete",
      "dynamic_cast", "explicit", "export", "friend", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
      "operator", "or", "or_eq", "private", "protected", "public", "reinterpret_cast", "requires", "static_cast",
      "template", "this", "throw", "try", "typeid", "typename", "using", "virtual", "wchar_t", "xor", "xor_eq"};
  if (kKeywords.count(v)) return v + " is a C or C++ keyword; choose another --name";
  if (v[0] == '_') return v + " is reserved to the C implementation (it starts with an underscore); choose another --name";
  if (header_names().count(v)) {
    return v + " is already defined by <stddef.h> or <stdint.h>, which the generated source includes; choose another --name";
  }
  return "";
}

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
    // SIGINT, SIGTERM or SIGHUP while the source is written: the temporaries go, the process ends as
    // the signal ends it (also when it arrives ignored, as in a script's background job).
    host::remove_temporaries_on_signals();
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
      ->check([](const std::string& v) { return c_name_problem(v); })
      ->capture_default_str();
  return [cmd] { return cmd->run(); };
}

}  // namespace gct::cli
