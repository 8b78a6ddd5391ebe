// SegmentedArray / SegmentedArena: growable arrays whose elements never move, so readers may hold
// pointers into them while a writer appends. Not API.
//
// Capacity grows in segments: segment 0 holds `base` elements, segment s >= 1 holds base << (s - 1),
// so the total doubles with each segment and at most half of the reserved memory is unused. Finding
// an element's segment is one bit-width instruction; the segment table never moves.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>

namespace strata::detail {

// Maps an element index onto (segment, offset) for a power-of-two base segment size.
class SegmentLayout {
 public:
  static constexpr std::size_t kMaxSegments = 40;

  explicit SegmentLayout(std::size_t base_hint) {
    std::size_t base = 64;
    while (base < base_hint && base < (std::size_t{1} << 24)) base <<= 1;
    shift_ = static_cast<unsigned>(std::countr_zero(base));
  }

  std::size_t base() const noexcept { return std::size_t{1} << shift_; }

  // Segment holding element i and i's offset inside it.
  std::size_t segment_of(std::size_t i) const noexcept {
    return static_cast<std::size_t>(std::bit_width(i >> shift_));
  }
  std::size_t offset_in(std::size_t i, std::size_t segment) const noexcept {
    return segment == 0 ? i : i - (std::size_t{1} << (shift_ + segment - 1));
  }
  // Elements held by segment s.
  std::size_t segment_size(std::size_t s) const noexcept {
    return s == 0 ? base() : std::size_t{1} << (shift_ + s - 1);
  }
  // Total elements held by segments [0, s).
  std::size_t capacity_of(std::size_t segments) const noexcept {
    return segments == 0 ? 0 : std::size_t{1} << (shift_ + segments - 1);
  }

 private:
  unsigned shift_ = 6;
};

// Where SegmentedArena's memory comes from: the heap by default, or a memory-mapped file for
// persistent vectors (storage/vector_file.hpp).
class SegmentSource {
 public:
  virtual ~SegmentSource() = default;
  // Memory for segment `index`, `bytes` long, which starts `offset` bytes into the arena.
  // nullptr when it cannot be provided.
  virtual std::byte* acquire(std::size_t index, std::size_t offset, std::size_t bytes,
                             std::size_t alignment) = 0;
  virtual void release(std::byte* p, std::size_t bytes) noexcept = 0;
};

class HeapSegmentSource final : public SegmentSource {
 public:
  std::byte* acquire(std::size_t, std::size_t, std::size_t bytes, std::size_t alignment) override {
    return static_cast<std::byte*>(std::aligned_alloc(alignment, bytes));
  }
  void release(std::byte* p, std::size_t) noexcept override { std::free(p); }
};

// Raw fixed-stride records with a chosen alignment (vectors, link lists). Memory is not cleared:
// untouched records cost no resident memory, and every user writes a record before publishing it.
// Thread safety: reserve() is for one writer at a time; at() may be called concurrently with
// reserve() for indexes below the capacity the reader has been told about.
class SegmentedArena {
 public:
  SegmentedArena(std::size_t stride, std::size_t alignment, std::size_t base_hint,
                 std::unique_ptr<SegmentSource> source = std::make_unique<HeapSegmentSource>())
      : layout_(base_hint), stride_(stride), alignment_(alignment), source_(std::move(source)) {}
  SegmentedArena(const SegmentedArena&) = delete;
  SegmentedArena& operator=(const SegmentedArena&) = delete;
  ~SegmentedArena() {
    for (std::size_t s = 0; s < segments_.load(std::memory_order_relaxed); ++s) {
      source_->release(table_[s], segment_bytes(s));
    }
  }

  // Makes room for at least n records. Returns false when memory cannot be obtained.
  bool reserve(std::size_t n) {
    std::size_t count = segments_.load(std::memory_order_relaxed);
    while (layout_.capacity_of(count) < n) {
      if (count == SegmentLayout::kMaxSegments) return false;
      std::byte* p =
          source_->acquire(count, layout_.capacity_of(count) * stride_, segment_bytes(count), alignment_);
      if (p == nullptr) return false;
      table_[count] = p;
      ++count;
      segments_.store(count, std::memory_order_release);
    }
    return true;
  }

  std::size_t capacity() const noexcept {
    return layout_.capacity_of(segments_.load(std::memory_order_acquire));
  }
  std::size_t reserved_bytes() const noexcept { return capacity() * stride_; }
  std::size_t stride() const noexcept { return stride_; }
  std::size_t base() const noexcept { return layout_.base(); }
  std::size_t segments() const noexcept { return segments_.load(std::memory_order_acquire); }
  std::size_t segment_records(std::size_t s) const noexcept { return layout_.segment_size(s); }
  std::byte* segment_data(std::size_t s) const noexcept { return table_[s]; }
  SegmentSource& source() noexcept { return *source_; }

  std::byte* at(std::size_t i) const noexcept {
    std::size_t s = layout_.segment_of(i);
    return table_[s] + layout_.offset_in(i, s) * stride_;
  }

 private:
  std::size_t segment_bytes(std::size_t s) const noexcept {
    std::size_t bytes = layout_.segment_size(s) * stride_;
    return (bytes + alignment_ - 1) / alignment_ * alignment_;
  }

  SegmentLayout layout_;
  std::size_t stride_;
  std::size_t alignment_;
  std::unique_ptr<SegmentSource> source_;
  std::array<std::byte*, SegmentLayout::kMaxSegments> table_{};
  std::atomic<std::size_t> segments_{0};
};

// Default-constructed objects of type T with stable addresses.
// Thread safety: as SegmentedArena.
template <typename T>
class SegmentedArray {
 public:
  explicit SegmentedArray(std::size_t base_hint) : layout_(base_hint) {}
  SegmentedArray(const SegmentedArray&) = delete;
  SegmentedArray& operator=(const SegmentedArray&) = delete;

  bool reserve(std::size_t n) {
    std::size_t count = segments_.load(std::memory_order_relaxed);
    while (layout_.capacity_of(count) < n) {
      if (count == SegmentLayout::kMaxSegments) return false;
      auto segment = std::unique_ptr<T[]>(new (std::nothrow) T[layout_.segment_size(count)]());
      if (!segment) return false;
      table_[count] = std::move(segment);
      ++count;
      segments_.store(count, std::memory_order_release);
    }
    return true;
  }

  std::size_t capacity() const noexcept {
    return layout_.capacity_of(segments_.load(std::memory_order_acquire));
  }

  T& operator[](std::size_t i) const noexcept {
    std::size_t s = layout_.segment_of(i);
    return table_[s][layout_.offset_in(i, s)];
  }

 private:
  SegmentLayout layout_;
  std::array<std::unique_ptr<T[]>, SegmentLayout::kMaxSegments> table_{};
  std::atomic<std::size_t> segments_{0};
};

}  // namespace strata::detail
