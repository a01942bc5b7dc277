// cifar2blob INPUT OUTDIR [options]: converts CIFAR-100 / CIFAR-10 / IDX into gctrain blobs.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <new>
#include <regex>

#include "convert.hpp"
#include "host/atomic_file.hpp"
#include "error.hpp"
#include "validators.hpp"

namespace {

// The options as typed, before they are checked and turned into ConvertOptions.
struct Typed {
  std::string format = "auto", size, layout = "planar";
};

void add_options(CLI::App* app, c2b::ConvertOptions* o, Typed* t) {
  app->add_option("INPUT", o->input,
                  "cifar-100-binary.tar.gz (read directly), an extracted folder, or one .bin / IDX file")
      ->required()
      ->check(gct::cli::not_empty());
  app->add_option("OUTDIR", o->outdir, "output folder (created if missing)")->required()->check(gct::cli::not_empty());
  app->add_option("--format", t->format, "input format")
      ->check(CLI::IsMember({"auto", "cifar100", "cifar10", "idx"}))
      ->capture_default_str();
  app->add_option("--resize", t->size, "shrink images to HxW by area averaging, e.g. 16x16");
  app->add_flag("--grayscale", o->transform.grayscale, "convert RGB to one luma channel (BT.601)");
  app->add_option("--classes", o->transform.classes, "keep only fine labels 0..N-1")
      ->check(gct::cli::whole_from_to(1, 256));
  app->add_option("--limit", o->transform.limit, "keep the first N records of each split")
      ->check(gct::cli::whole_at_least<uint32_t>(1));
  app->add_option("--layout", t->layout, "pixel order in the blob")
      ->check(CLI::IsMember({"planar", "interleaved"}))
      ->capture_default_str();
  app->add_flag("--c-array", o->c_array, "also write OUTDIR/<split>_blob.c holding the blob as a const array");
  app->add_option("--c-name", o->c_name_prefix, "symbol prefix for --c-array")->capture_default_str();
  app->add_flag("-q,--quiet", o->quiet, "print nothing on success");
}

// Fills the options CLI11 cannot check; prints the error and returns false on a bad one.
bool apply_typed(const Typed& t, c2b::ConvertOptions* o) {
  o->format = t.format == "cifar100" ? c2b::Format::kCifar100
              : t.format == "cifar10" ? c2b::Format::kCifar10
              : t.format == "idx"     ? c2b::Format::kIdx
                                      : c2b::Format::kAuto;
  o->transform.layout = t.layout == "interleaved" ? gct::PixelLayout::kInterleaved : gct::PixelLayout::kPlanar;
  if (!t.size.empty()) {
    std::smatch m;
    if (!std::regex_match(t.size, m, std::regex(R"((\d{1,4})x(\d{1,4}))")) || std::stoi(m[1]) == 0 ||
        std::stoi(m[2]) == 0) {
      fmt::print(stderr, "cifar2blob: error: --resize wants HxW, e.g. 16x16, got '{}'\n", t.size);
      return false;
    }
    o->transform.height = static_cast<uint16_t>(std::stoi(m[1]));
    o->transform.width = static_cast<uint16_t>(std::stoi(m[2]));
  }
  if (!std::regex_match(o->c_name_prefix, std::regex("[A-Za-z_][A-Za-z0-9_]*"))) {
    fmt::print(stderr, "cifar2blob: error: --c-name must be a C identifier\n");
    return false;
  }
  return true;
}

void print_summary(const c2b::ConvertOptions& o, const c2b::ConvertSummary& s) {
  for (const auto& split : s.splits) {
    fmt::print("wrote {}: {} records, {} bytes\n", split.path, split.records, split.bytes);
  }
  fmt::print("images {}x{}x{} ({}), {} fine classes, {} coarse classes\n", s.channels, s.height, s.width,
             o.transform.layout == gct::PixelLayout::kPlanar ? "planar" : "interleaved", s.num_fine,
             s.num_coarse);
  fmt::print("per-channel statistics of the {} split (0..1 scale):\n",
             s.stats_from_train ? "training" : "test (no training split given!)");
  for (int c = 0; c < s.channels; ++c) {
    fmt::print("  channel {}: mean {:.4f}  std {:.4f}\n", c, s.mean[c], s.stddev[c]);
  }
  fmt::print("time {:.2f} s\n", s.seconds);
}

// The conversion, its failures as messages and exit code 1.
int run_conversion(const c2b::ConvertOptions& o) {
  try {
    const c2b::ConvertSummary s = c2b::convert(o);
    if (!o.quiet) print_summary(o, s);
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "cifar2blob: error: out of memory while converting {}: this machine or container allows "
                       "less memory than the input needs\n", o.input);
    return 1;
  } catch (const c2b::ConvertError& e) {
    fmt::print(stderr, "cifar2blob: error: {}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "cifar2blob: error: {}\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cifar2blob: convert CIFAR-100, CIFAR-10 or IDX (MNIST) data into gctrain blobs\n"
               "(OUTDIR/train.blob, OUTDIR/test.blob; format in include/gctrain/blob.hpp)"};
  c2b::ConvertOptions o;
  Typed typed;
  add_options(&app, &o, &typed);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (!apply_typed(typed, &o)) return 2;
  // Ctrl-C or a kill while the blobs are written must not leave 150 MB temporaries behind.
  gct::host::remove_temporaries_on_signals();
  return run_conversion(o);
}
