// src/core/array_impl.h — what an Array handle points to.
//
// ArrayImpl is the immutable header shared by copies of an Array: its type, and either concrete data
// (ConcreteArray: a buffer, strides and an offset, so that transposes, broadcasts, slices and
// reversals are views) or a tracer (defined by the trace layer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/buffer.h"
#include "jx/core/array.h"
#include "jx/core/array_type.h"

namespace jx {

using Strides = SmallVector<std::int64_t, 6>;

class ArrayImpl {
 public:
  enum class Kind : std::uint8_t { concrete, tracer };

  ArrayImpl(ArrayType type, Kind kind) : type_(std::move(type)), kind_(kind) {}
  virtual ~ArrayImpl() = default;
  ArrayImpl(const ArrayImpl&) = delete;
  ArrayImpl& operator=(const ArrayImpl&) = delete;

  const ArrayType& type() const { return type_; }
  Kind kind() const { return kind_; }
  bool is_tracer() const { return kind_ == Kind::tracer; }
  // How printing shows a tracer, as JAX's Tracer._short_repr does ("JitTracer(int32[5])"); each kind
  // of tracer says what it holds. Concrete arrays are printed from their data instead.
  virtual std::string tracer_repr() const { return {}; }

 protected:
  ArrayType type_;
  Kind kind_;
};

class ConcreteArray final : public ArrayImpl {
 public:
  ConcreteArray(ArrayType type, BufferRef buffer, Strides strides, std::int64_t offset)
      : ArrayImpl(std::move(type), Kind::concrete),
        buffer_(std::move(buffer)),
        strides_(std::move(strides)),
        offset_(offset) {}

  // A fresh row-major array (uninitialized data).
  static std::shared_ptr<ConcreteArray> allocate(ArrayType type);

  std::byte* data() const { return buffer_->data() + offset_ * static_cast<std::int64_t>(itemsize(type_.dtype)); }
  template <class T>
  T* data_as() const {
    return reinterpret_cast<T*>(data());
  }
  const Strides& strides() const { return strides_; }  // in elements; 0 for broadcast axes
  std::int64_t offset() const { return offset_; }      // in elements, into the buffer
  const BufferRef& buffer() const { return buffer_; }

  // Row-major and dense: the data is exactly num_elements consecutive elements.
  bool is_contiguous() const { return contiguous_; }
  void set_contiguous(bool contiguous) { contiguous_ = contiguous; }

 private:
  BufferRef buffer_;
  Strides strides_;
  std::int64_t offset_;
  bool contiguous_ = false;
};

// Whether `strides` describe a dense row-major layout of `shape` (size-1 axes may have any stride).
bool is_row_major(const Shape& shape, const Strides& strides);

// The concrete payload of an array the caller knows to be concrete.
inline const ConcreteArray& concrete(const Array& x) { return static_cast<const ConcreteArray&>(*x.impl()); }

// A new array of the given type viewing `base`'s buffer.
Array make_view(const ConcreteArray& base, ArrayType type, Strides strides, std::int64_t offset);
// A new contiguous array (uninitialized).
std::shared_ptr<ConcreteArray> allocate_array(const ArrayType& type);
inline Array wrap(std::shared_ptr<ConcreteArray> impl) { return Array(std::move(impl)); }
// A contiguous array over memory jx does not own (a planned buffer); it must not outlive that memory.
Array borrowed_array(const ArrayType& type, std::byte* data);
// A contiguous array of `type` sharing `base`'s buffer from its first element (a reinterpretation).
Array reinterpreted_array(const ConcreteArray& base, const ArrayType& type);

}  // namespace jx
