// VisitedSet: marks graph nodes seen by one search without clearing O(N) memory per query. Not API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace strata::detail {

// Each node's tag equals the current epoch when it has been visited; starting a new search bumps the
// epoch, so the array is cleared only once every 65535 searches.
// Thread safety: one search at a time per object; VisitedSetPool hands them out.
class VisitedSet {
 public:
  // Prepares for a search over node ids below n.
  void begin(std::size_t n) {
    if (tags_.size() < n) tags_.resize(n + n / 4 + 64, 0);
    if (++epoch_ == 0) {
      std::fill(tags_.begin(), tags_.end(), 0);
      epoch_ = 1;
    }
  }
  // True if id was already visited; marks it visited.
  bool test_and_set(std::uint32_t id) noexcept {
    std::uint16_t& t = tags_[id];
    if (t == epoch_) return true;
    t = epoch_;
    return false;
  }
  bool test(std::uint32_t id) const noexcept { return tags_[id] == epoch_; }
  const void* address_of(std::uint32_t id) const noexcept { return &tags_[id]; }
  std::size_t bytes() const noexcept { return tags_.capacity() * sizeof(std::uint16_t); }

 private:
  std::vector<std::uint16_t> tags_;
  std::uint16_t epoch_ = 0;
};

// A free list of VisitedSets so concurrent searches each get their own without allocating.
// Thread safety: safe to share between threads.
class VisitedSetPool {
 public:
  class Lease {
   public:
    Lease(VisitedSetPool* pool, std::unique_ptr<VisitedSet> set) : pool_(pool), set_(std::move(set)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (set_) pool_->give_back(std::move(set_));
    }
    VisitedSet& operator*() const noexcept { return *set_; }
    VisitedSet* operator->() const noexcept { return set_.get(); }

   private:
    VisitedSetPool* pool_;
    std::unique_ptr<VisitedSet> set_;
  };

  Lease acquire() {
    std::unique_ptr<VisitedSet> set;
    {
      std::lock_guard lock(mutex_);
      if (!free_.empty()) {
        set = std::move(free_.back());
        free_.pop_back();
      }
    }
    if (!set) set = std::make_unique<VisitedSet>();
    return Lease(this, std::move(set));
  }

  std::size_t bytes() const {
    std::lock_guard lock(mutex_);
    std::size_t total = 0;
    for (const auto& s : free_) total += s->bytes();
    return total;
  }

 private:
  void give_back(std::unique_ptr<VisitedSet> set) {
    std::lock_guard lock(mutex_);
    free_.push_back(std::move(set));
  }

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<VisitedSet>> free_;
};

}  // namespace strata::detail
