#include "convert.hpp"

#include <chrono>
#include <filesystem>

#include "c_array.hpp"
#include "error.hpp"
#include "gctrain/blob.hpp"
#include "gctrain/host/atomic_file.hpp"

namespace c2b {

namespace {

void write_atomic(const std::string& path, const std::string& text) {
  const gct::Status s = gct::host::write_file_atomic(path, text);
  if (!s.ok()) fail("", s.message());
}

}  // namespace

ConvertSummary convert(const ConvertOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  std::filesystem::create_directories(o.outdir, ec);
  if (ec || !std::filesystem::is_directory(o.outdir)) {
    fail(o.outdir, "cannot create output folder" + (ec ? ": " + ec.message() : std::string()));
  }
  // A single plain file is always read; archives and folders contribute only known entries.
  auto entries = load_input(o.input, wanted_entry);
  const Format format = detect_format(entries, o.format, o.input);
  SourceData data = format == Format::kCifar100 ? parse_cifar100(entries, o.input)
                    : format == Format::kCifar10 ? parse_cifar10(entries, o.input)
                                                 : parse_idx(entries, o.input);
  entries.clear();
  entries.shrink_to_fit();
  apply_transforms(&data, o.transform);

  ConvertSummary summary;
  const gct::host::ImageSet& stats_set = data.has_train ? data.train : data.test;
  summary.stats_from_train = data.has_train;
  if (stats_set.fine.empty()) fail(o.input, "no records left after --classes/--limit");
  gct::host::BlobMeta meta;
  meta.source = data.source;
  meta.num_fine = data.num_fine;
  meta.num_coarse = data.num_coarse;
  meta.fine_to_coarse = data.fine_to_coarse;
  meta.fine_names = data.fine_names;
  meta.coarse_names = data.coarse_names;
  channel_stats(stats_set, meta.mean, meta.stddev);
  summary.channels = stats_set.channels;
  summary.height = stats_set.height;
  summary.width = stats_set.width;
  summary.num_fine = data.num_fine;
  summary.num_coarse = data.num_coarse;
  for (int c = 0; c < 4; ++c) {
    summary.mean[c] = meta.mean[c];
    summary.stddev[c] = meta.stddev[c];
  }
  struct Pending { const char* name; gct::BlobSplit split; gct::host::ImageSet* set; bool present; };
  for (Pending p : {Pending{"train", gct::BlobSplit::kTrain, &data.train, data.has_train},
                    Pending{"test", gct::BlobSplit::kTest, &data.test, data.has_test}}) {
    if (!p.present) continue;
    if (p.set->fine.empty()) fail(o.input, std::string("no ") + p.name + " records left after --classes/--limit");
    meta.split = p.split;
    const std::string path = o.outdir + "/" + p.name + ".blob";
    uint64_t bytes = 0;
    {
      gct::host::AtomicFile file;
      gct::Status s = file.open(path);
      if (s.ok()) s = gct::host::write_blob(*p.set, meta, &file, &bytes);
      if (s.ok()) s = file.commit();
      if (!s.ok()) fail("", s.message());
    }
    if (o.c_array) {
      const std::vector<uint8_t> blob = gct::host::build_blob(*p.set, meta);
      const std::string name = o.c_name_prefix + "_" + p.name + "_blob";
      const std::string src = c_array_source(blob, name);
      write_atomic(o.outdir + "/" + p.name + "_blob.c", src);
      const std::string header = c_array_header(
          name, blob.size(), CArrayShape{p.set->count(), p.set->channels, p.set->height, p.set->width, data.num_fine});
      write_atomic(o.outdir + "/" + p.name + "_blob.h", header);
    }
    summary.splits.push_back({path, p.set->count(), bytes});
    // Free the split early: the full CIFAR-100 training set is 150 MB.
    *p.set = gct::host::ImageSet{};
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace c2b
