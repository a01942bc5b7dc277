#include "host/data.hpp"

#include <sys/stat.h>

#include "engine/bytes.hpp"
#include "host/blob_writer.hpp"

namespace gct::host {

static Status open_blob(const std::string& path, MappedFile* file, BlobView* view, bool low_memory) {
  GCT_RETURN_IF_ERROR(file->open(path, !low_memory));
  BlobChunkHook hook;
  hook.context = file;
  hook.after_chunk = [](void* context, const uint8_t* chunk, size_t size) {
    static_cast<MappedFile*>(context)->release_range(chunk, size);
  };
  Status s = blob_open(file->data(), file->size(), view, low_memory ? &hook : nullptr);
  if (!s.ok()) return Status::Error(s.code(), "%s: %s", path.c_str(), s.message());
  return Status::Ok();
}

// The header's CRC covers every header field and the payload's CRC: equal fingerprints, equal data.
static uint32_t fingerprint_of(const MappedFile& file) {
  return bytes::get32(file.data() + blob_offset::kHeaderCrc);
}

static const char* split_name(BlobSplit split) { return split == BlobSplit::kTrain ? "training" : "test"; }

// A blob under the other split's name (the pair exchanged, or one copied over the other) would
// train on the test set or test on the training set without a word.
static Status check_split(const std::string& path, const BlobView& view, BlobSplit expected) {
  if (view.split == expected) return Status::Ok();
  return Status::Error(Code::kCorruptData, "%s holds the %s split (its header says so), not the %s split: "
                       "train.blob and test.blob are exchanged or one was copied over the other",
                       path.c_str(), split_name(view.split), split_name(expected));
}

Status open_data_folder(const std::string& dir, DataFolder* out, bool with_test, bool low_memory) {
  struct stat st {};
  if (stat(dir.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
    return Status::Error(Code::kIoError, "%s is a file, not a folder: give the folder that holds train.blob and test.blob",
                         dir.c_str());
  }
  if (stat(dir.c_str(), &st) != 0) {
    return Status::Error(Code::kIoError,
                         "data folder %s does not exist (make it with: cifar2blob ARCHIVE %s)",
                         dir.c_str(), dir.c_str());
  }
  const std::string train_path = dir + "/train.blob";
  GCT_RETURN_IF_ERROR(open_blob(train_path, &out->train_file, &out->train, low_memory));
  GCT_RETURN_IF_ERROR(check_split(train_path, out->train, BlobSplit::kTrain));
  out->train_fingerprint = fingerprint_of(out->train_file);
  if (!with_test) return Status::Ok();
  const std::string test_path = dir + "/test.blob";
  if (stat(test_path.c_str(), &st) != 0) {
    return Status::Error(Code::kIoError,
                         "%s does not exist, so no test metric could be computed (cifar2blob writes it beside "
                         "train.blob; gctrain train --no-test trains without one)",
                         test_path.c_str());
  }
  GCT_RETURN_IF_ERROR(open_blob(test_path, &out->test_file, &out->test, low_memory));
  GCT_RETURN_IF_ERROR(check_split(test_path, out->test, BlobSplit::kTest));
  out->test_fingerprint = fingerprint_of(out->test_file);
  out->has_test = true;
  const DatasetView& a = out->train.data;
  const DatasetView& b = out->test.data;
  if (a.channels != b.channels || a.height != b.height || a.width != b.width || a.layout != b.layout ||
      a.num_fine != b.num_fine) {
    return Status::Error(Code::kShapeMismatch, "%s and %s hold different image shapes or classes",
                         train_path.c_str(), test_path.c_str());
  }
  return Status::Ok();
}

Status split_validation(const DatasetView& train, uint32_t n, DatasetView* fit, DatasetView* validation) {
  if (n >= train.count) {
    return Status::Error(Code::kInvalidArgument,
                         "a validation split of %u samples leaves none to train on (the training split has %u)",
                         static_cast<unsigned>(n), static_cast<unsigned>(train.count));
  }
  DatasetView f = train;
  f.count = train.count - n;
  channel_statistics(f.pixels, f.count, f.channels, uint32_t{f.height} * f.width, f.layout, f.mean, f.stddev);
  DatasetView v = f;
  v.count = n;
  v.pixels = train.pixels + size_t{f.count} * train.sample_size();
  v.fine = train.fine + f.count;
  if (train.coarse != nullptr) v.coarse = train.coarse + f.count;
  *fit = f;
  *validation = v;
  return Status::Ok();
}

}  // namespace gct::host
