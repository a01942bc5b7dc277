#include "convert.hpp"

#include <fmt/core.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <vector>

#include "error.hpp"
#include "gctrain/blob.hpp"
#include "host/atomic_file.hpp"
#include "host/c_array.hpp"
#include "host/resources.hpp"

namespace c2b {

namespace {

// The outermost folder of `dir` that does not exist yet ("" if it exists): what a failed
// conversion removes again.
std::string first_missing_folder(const std::string& dir) {
  std::filesystem::path p = std::filesystem::absolute(dir).lexically_normal();
  std::string missing;
  while (!p.empty() && !std::filesystem::exists(p)) {
    missing = p.string();
    if (p == p.parent_path()) break;
    p = p.parent_path();
  }
  return missing;
}

// Every output file, written to temporaries first and published together only when all are
// complete: an error anywhere replaces nothing.
class OutputSet {
 public:
  void add(const std::string& path, const std::vector<uint8_t>& bytes) { add(path, std::string(bytes.begin(), bytes.end())); }
  void add(const std::string& path, const std::string& text) {
    files_.push_back(std::make_unique<gct::host::AtomicFile>());
    check(files_.back()->open(path));
    check(files_.back()->write(text));
    check(files_.back()->finish());
  }
  gct::host::AtomicFile* begin(const std::string& path) {
    files_.push_back(std::make_unique<gct::host::AtomicFile>());
    check(files_.back()->open(path));
    return files_.back().get();
  }
  void publish_all() {
    for (auto& f : files_) check(f->publish());
  }
  static void check(const gct::Status& s) {
    if (!s.ok()) fail("", s.message());
  }

 private:
  std::vector<std::unique_ptr<gct::host::AtomicFile>> files_;
};

ConvertSummary convert_into(const ConvertOptions& o, OutputSet* outputs);

}  // namespace

ConvertSummary convert(const ConvertOptions& o) {
  if (o.input.empty()) fail("", "the input path is empty");
  if (o.outdir.empty()) fail("", "the output folder's path is empty");
  const std::string created = first_missing_folder(o.outdir);
  try {
    std::error_code ec;
    std::filesystem::create_directories(o.outdir, ec);
    if (ec || !std::filesystem::is_directory(o.outdir)) {
      fail(o.outdir, "cannot create output folder" + (ec ? ": " + ec.message() : std::string()));
    }
    OutputSet outputs;
    ConvertSummary summary = convert_into(o, &outputs);
    outputs.publish_all();
    return summary;
  } catch (...) {
    // The temporaries are gone with `outputs`; a folder this run created goes too.
    if (!created.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(created, ignored);
    }
    throw;
  }
}

namespace {

// The input read, parsed and transformed.
SourceData read_source(const ConvertOptions& o) {
  // A single plain file is always read; archives and folders contribute only known entries.
  auto entries = load_input(o.input, wanted_entry);
  const Format format = detect_format(entries, o.format, o.input);
  SourceData data = format == Format::kCifar100 ? parse_cifar100(entries, o.input)
                    : format == Format::kCifar10 ? parse_cifar10(entries, o.input)
                                                 : parse_idx(entries, o.input);
  entries.clear();
  entries.shrink_to_fit();
  apply_transforms(&data, o.transform);
  // Both splits are checked before anything is written.
  if (data.has_train && data.train.fine.empty()) fail(o.input, "no train records left after --classes/--limit");
  if (data.has_test && data.test.fine.empty()) fail(o.input, "no test records left after --classes/--limit");
  const gct::host::ImageSet& stats_set = data.has_train ? data.train : data.test;
  if (stats_set.fine.empty()) fail(o.input, "no records left after --classes/--limit");
  return data;
}

// The blobs' metadata (statistics from the training split when there is one) and the summary's
// description of the images.
gct::host::BlobMeta describe(const SourceData& data, ConvertSummary* summary) {
  const gct::host::ImageSet& stats_set = data.has_train ? data.train : data.test;
  gct::host::BlobMeta meta;
  meta.source = data.source;
  meta.num_fine = data.num_fine;
  meta.num_coarse = data.num_coarse;
  meta.fine_to_coarse = data.fine_to_coarse;
  meta.fine_names = data.fine_names;
  meta.coarse_names = data.coarse_names;
  channel_stats(stats_set, meta.mean, meta.stddev);
  summary->stats_from_train = data.has_train;
  summary->channels = stats_set.channels;
  summary->height = stats_set.height;
  summary->width = stats_set.width;
  summary->num_fine = data.num_fine;
  summary->num_coarse = data.num_coarse;
  for (int c = 0; c < 4; ++c) {
    summary->mean[c] = meta.mean[c];
    summary->stddev[c] = meta.stddev[c];
  }
  return meta;
}

// OUTDIR/NAME.blob, and with --c-array NAME_blob.c/.h, among the outputs.
ConvertSummary::Split write_split(const ConvertOptions& o, const char* name, const gct::host::ImageSet& set,
                                  const gct::host::BlobMeta& meta, OutputSet* outputs) {
  const std::string path = o.outdir + "/" + name + ".blob";
  uint64_t bytes = 0;
  gct::host::AtomicFile* file = outputs->begin(path);
  OutputSet::check(gct::host::write_blob(set, meta, file, &bytes));
  OutputSet::check(file->finish());
  if (o.c_array) {
    const std::vector<uint8_t> blob = gct::host::build_blob(set, meta);
    const std::string symbol = o.c_name_prefix + "_" + name + "_blob";
    const std::string what = "a gctrain blob written by cifar2blob (see include/gctrain/blob.hpp)";
    outputs->add(o.outdir + "/" + name + "_blob.c", gct::host::c_array_source(blob, symbol, what));
    outputs->add(o.outdir + "/" + name + "_blob.h",
                 gct::host::c_array_header(symbol, blob.size(), what,
                                           {{"records", set.count()},
                                            {"channels", set.channels},
                                            {"height", set.height},
                                            {"width", set.width},
                                            {"classes", meta.num_fine}}));
  }
  return {path, set.count(), bytes};
}

// The outputs' paths of one split: the blob, and with --c-array its C source and header.
std::vector<std::pair<std::string, const char*>> split_outputs(const ConvertOptions& o, const char* name, bool c_array) {
  std::vector<std::pair<std::string, const char*>> out = {{o.outdir + "/" + name + ".blob", "GCTBLOB1"}};
  if (c_array) {
    out.emplace_back(o.outdir + "/" + name + "_blob.c", "/* Generated: ");
    out.emplace_back(o.outdir + "/" + name + "_blob.h", "/* Generated: ");
  }
  return out;
}

// Before anything is written: every file replaced must be one that cifar2blob wrote, and a split the
// input lacks must not be left in OUTDIR from another conversion, where it would pair with the new
// split (another class count, image size or source) - the mixed pair gctrain refuses only after the
// earlier, valid pair is gone.
void check_outputs(const ConvertOptions& o, const SourceData& data) {
  for (const auto& [name, present] : {std::pair{"train", data.has_train}, std::pair{"test", data.has_test}}) {
    for (const auto& [path, magic] : split_outputs(o, name, o.c_array)) {
      const bool blob = path.compare(path.size() - 5, 5, ".blob") == 0;
      if (present) {
        OutputSet::check(gct::host::check_ours_to_overwrite(path, magic, blob ? "a blob" : "generated C source"));
      } else if (std::filesystem::exists(std::filesystem::symlink_status(path))) {
        fail(o.input, fmt::format("has no {0} split, but {1} holds one from another conversion: the new {2} split "
                                  "beside it would make a mixed pair; remove {1} (or convert into another folder)",
                                  name, path, data.has_train ? "training" : "test"));
      }
    }
  }
}

ConvertSummary convert_into(const ConvertOptions& o, OutputSet* outputs) {
  const auto start = std::chrono::steady_clock::now();
  SourceData data = read_source(o);
  check_outputs(o, data);
  ConvertSummary summary;
  gct::host::BlobMeta meta = describe(data, &summary);
  struct Pending { const char* name; gct::BlobSplit split; gct::host::ImageSet* set; bool present; };
  for (Pending p : {Pending{"train", gct::BlobSplit::kTrain, &data.train, data.has_train},
                    Pending{"test", gct::BlobSplit::kTest, &data.test, data.has_test}}) {
    if (!p.present) continue;
    meta.split = p.split;
    summary.splits.push_back(write_split(o, p.name, *p.set, meta, outputs));
    // Free the split early: the full CIFAR-100 training set is 150 MB.
    *p.set = gct::host::ImageSet{};
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace

}  // namespace c2b
