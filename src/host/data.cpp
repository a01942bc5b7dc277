#include "gctrain/host/data.hpp"

#include <sys/stat.h>

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

Status open_data_folder(const std::string& dir, DataFolder* out, bool require_test, bool low_memory) {
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::Error(Code::kIoError,
                         "data folder %s does not exist (make it with: cifar2blob ARCHIVE %s)",
                         dir.c_str(), dir.c_str());
  }
  GCT_RETURN_IF_ERROR(open_blob(dir + "/train.blob", &out->train_file, &out->train, low_memory));
  const std::string test_path = dir + "/test.blob";
  if (stat(test_path.c_str(), &st) == 0 || require_test) {
    GCT_RETURN_IF_ERROR(open_blob(test_path, &out->test_file, &out->test, low_memory));
    out->has_test = true;
    const DatasetView& a = out->train.data;
    const DatasetView& b = out->test.data;
    if (a.channels != b.channels || a.height != b.height || a.width != b.width ||
        a.layout != b.layout || a.num_fine != b.num_fine) {
      return Status::Error(Code::kShapeMismatch, "%s and %s hold different image shapes or classes",
                           (dir + "/train.blob").c_str(), test_path.c_str());
    }
  }
  return Status::Ok();
}

}  // namespace gct::host
