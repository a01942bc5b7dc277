#include "gctrain/arena.hpp"

#include <doctest/doctest.h>

#include <cstring>

using namespace gct;

TEST_CASE("arena hands out 64-byte aligned pieces and charges padding to categories") {
  alignas(64) static uint8_t buffer[1024];
  Arena arena;
  REQUIRE(arena_init(&arena, buffer, sizeof buffer).ok());
  void* a = arena_alloc(&arena, 10, MemCategory::kParameters);
  void* b = arena_alloc(&arena, 100, MemCategory::kGradients);
  REQUIRE(a == buffer);
  REQUIRE(b == buffer + 64);
  CHECK(arena.used == 164);
  CHECK(arena.by_category[static_cast<int>(MemCategory::kParameters)] == 10);
  CHECK(arena.by_category[static_cast<int>(MemCategory::kGradients)] == 154);
  size_t sum = 0;
  for (size_t v : arena.by_category) sum += v;
  CHECK(sum == arena.used);
}

TEST_CASE("an exhausted arena returns null but keeps counting what the layout needs") {
  alignas(64) static uint8_t buffer[128];
  Arena arena;
  REQUIRE(arena_init(&arena, buffer, sizeof buffer).ok());
  CHECK(arena_alloc(&arena, 100, MemCategory::kParameters) != nullptr);
  CHECK(arena_alloc(&arena, 100, MemCategory::kParameters) == nullptr);
  CHECK(arena.exhausted);
  CHECK(arena.used == 228);
}

TEST_CASE("a sealed arena refuses every allocation") {
  alignas(64) static uint8_t buffer[256];
  Arena arena;
  REQUIRE(arena_init(&arena, buffer, sizeof buffer).ok());
  arena_seal(&arena);
  CHECK(arena_alloc(&arena, 1, MemCategory::kScratch) == nullptr);
}

TEST_CASE("a counting arena measures without memory") {
  Arena arena;
  arena_init_counting(&arena);
  CHECK(arena_alloc(&arena, 1000, MemCategory::kActivations) == nullptr);
  CHECK(arena_alloc(&arena, 1, MemCategory::kActivations) == nullptr);
  CHECK(arena.used == 1024 + 1);
  CHECK_FALSE(arena.exhausted);
}

TEST_CASE("a misaligned buffer is refused with a message") {
  alignas(64) static uint8_t buffer[256];
  Arena arena;
  Status s = arena_init(&arena, buffer + 1, 128);
  CHECK_FALSE(s.ok());
  CHECK(std::strstr(s.message(), "aligned") != nullptr);
}

TEST_CASE("a layout larger than size_t counts is refused, not wrapped into a small arena") {
  Arena arena;
  arena_init_counting(&arena);
  const uint64_t half = uint64_t{SIZE_MAX} / 2 + 1;
  arena_alloc(&arena, half, MemCategory::kParameters);
  CHECK_FALSE(arena.overflowed);
  CHECK(arena_status(arena).ok());
  const size_t used = arena.used;
  arena_alloc(&arena, half, MemCategory::kGradients);
  CHECK(arena.overflowed);
  CHECK(arena.used == used);  // not wrapped round to a plausible total
  const Status s = arena_status(arena);
  CHECK(s.code() == Code::kArenaTooSmall);
  CHECK_MESSAGE(std::strstr(s.message(), "more than this target can address") != nullptr, s.message());
  // Once overflowed, nothing more is counted or handed out.
  CHECK(arena_alloc(&arena, 1, MemCategory::kScratch) == nullptr);
  CHECK(arena.used == used);
  // A 64-bit size that a 32-bit size_t would truncate is refused whole.
  if (sizeof(size_t) < sizeof(uint64_t)) {
    Arena small;
    arena_init_counting(&small);
    arena_alloc(&small, uint64_t{1} << 32 | 64, MemCategory::kActivations);
    CHECK(small.overflowed);
  }
}
