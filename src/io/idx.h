// src/io/idx.h — the IDX format of MNIST and Fashion-MNIST (yann.lecun.com/exdb/mnist).
//
//   0x00 0x00 TYPE NDIM      TYPE: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
//                            0x0E float64
//   NDIM x uint32            the dimensions, big-endian
//   data                     row-major, big-endian
//
// The dimensions must account for the data exactly: a file that is cut short or longer than its
// header says is an IOError, as is a header whose dimensions could not exist.
#pragma once

#include "io/files.h"
#include "jx/core/array.h"

namespace jx::io {

// The IDX file `file`, gunzipped first when it starts with gzip's magic bytes.
Array read_idx(const FileReader& file);

}  // namespace jx::io
