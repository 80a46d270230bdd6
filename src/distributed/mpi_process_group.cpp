// The MPI process group (src/distributed/mpi_process_group.h).
#include "distributed/mpi_process_group.h"

#include <fmt/format.h>
#include <mpi.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <span>
#include <thread>
#include <vector>

#include "jx/core/half.h"
#include "jx/distributed.h"

namespace jx::distributed {
namespace {

// MPI has no 16-bit floats: their reductions are MPI operations of jx's own over 16-bit words.
template <class Half, detail::ProcessReduction reduction>
void reduce_halves(void* in, void* inout, int* length, MPI_Datatype* /*type*/) {
  const auto* a = static_cast<const std::uint16_t*>(in);
  auto* b = static_cast<std::uint16_t*>(inout);
  for (int i = 0; i < *length; ++i) {
    const float x = Half::from_bits(a[i]), y = Half::from_bits(b[i]);
    const float r = reduction == detail::ProcessReduction::sum   ? x + y
                    : reduction == detail::ProcessReduction::max ? std::max(x, y)
                                                                 : std::min(x, y);
    b[i] = Half(r).bits;
  }
}

struct HalfOperations {
  std::array<MPI_Op, 3> float16{}, bfloat16{};
};

const HalfOperations& half_operations() {
  static const HalfOperations operations = [] {
    HalfOperations made;
    using R = detail::ProcessReduction;
    MPI_Op_create(&reduce_halves<Float16, R::sum>, 1, &made.float16[0]);
    MPI_Op_create(&reduce_halves<Float16, R::max>, 1, &made.float16[1]);
    MPI_Op_create(&reduce_halves<Float16, R::min>, 1, &made.float16[2]);
    MPI_Op_create(&reduce_halves<BFloat16, R::sum>, 1, &made.bfloat16[0]);
    MPI_Op_create(&reduce_halves<BFloat16, R::max>, 1, &made.bfloat16[1]);
    MPI_Op_create(&reduce_halves<BFloat16, R::min>, 1, &made.bfloat16[2]);
    return made;
  }();
  return operations;
}

// The MPI type and operation reducing `dtype` elements; DTypeError for what has none (the maximum of
// complex numbers, a sum of booleans).
std::pair<MPI_Datatype, MPI_Op> mpi_reduction(DType dtype, detail::ProcessReduction reduction,
                                              const std::string& collective) {
  const int which = static_cast<int>(reduction);
  const MPI_Op arithmetic = reduction == detail::ProcessReduction::sum   ? MPI_SUM
                            : reduction == detail::ProcessReduction::max ? MPI_MAX
                                                                         : MPI_MIN;
  switch (dtype) {
    case DType::int8:
      return {MPI_INT8_T, arithmetic};
    case DType::int16:
      return {MPI_INT16_T, arithmetic};
    case DType::int32:
      return {MPI_INT32_T, arithmetic};
    case DType::int64:
      return {MPI_INT64_T, arithmetic};
    case DType::uint8:
      return {MPI_UINT8_T, arithmetic};
    case DType::uint16:
      return {MPI_UINT16_T, arithmetic};
    case DType::uint32:
      return {MPI_UINT32_T, arithmetic};
    case DType::uint64:
      return {MPI_UINT64_T, arithmetic};
    case DType::float32:
      return {MPI_FLOAT, arithmetic};
    case DType::float64:
      return {MPI_DOUBLE, arithmetic};
    case DType::float16:
      return {MPI_UINT16_T, half_operations().float16[static_cast<std::size_t>(which)]};
    case DType::bfloat16:
      return {MPI_UINT16_T, half_operations().bfloat16[static_cast<std::size_t>(which)]};
    case DType::complex64:
      if (reduction == detail::ProcessReduction::sum) return {MPI_C_FLOAT_COMPLEX, MPI_SUM};
      break;
    case DType::complex128:
      if (reduction == detail::ProcessReduction::sum) return {MPI_C_DOUBLE_COMPLEX, MPI_SUM};
      break;
    case DType::bool_:
      if (reduction == detail::ProcessReduction::max) return {MPI_C_BOOL, MPI_LOR};
      if (reduction == detail::ProcessReduction::min) return {MPI_C_BOOL, MPI_LAND};
      break;
    default:
      break;
  }
  throw DTypeError(collective, fmt::format("there is no {} of {} values across processes",
                                           detail::reduction_name(reduction), dtype_name(dtype)));
}

std::string mpi_error_text(int code) {
  std::array<char, MPI_MAX_ERROR_STRING> text{};
  int length = 0;
  MPI_Error_string(code, text.data(), &length);
  return std::string(text.data(), static_cast<std::size_t>(std::max(length, 0)));
}

// The signature each process sends when a kind of call is first made: fixed-size, so that processes
// whose calls differ still exchange equal amounts.
constexpr std::size_t kSignatureBytes = 120;

}  // namespace

MpiProcessGroup::MpiProcessGroup(int rank, int size, int local_devices, std::chrono::milliseconds timeout)
    : rank_(rank), size_(size), local_devices_(local_devices), timeout_(timeout) {}

bool MpiProcessGroup::broken() const {
  const std::lock_guard lock(mutex_);
  return broken_;
}

void MpiProcessGroup::throw_if_broken(const std::string& collective) const {
  if (broken_) {
    throw DistributedError(collective,
                           "an earlier collective across processes failed; the processes can no "
                           "longer communicate (restart the job)");
  }
}

namespace {

// Polls `requests` until all complete or `timeout` passes: spinning for the first 0.2 ms (processes
// that are all there finish a small collective in microseconds), then yielding the core between polls
// for 20 ms (a process a step behind is usually that close: sleeping would delay every step), then
// sleeping between polls, so that a process waiting long leaves the cores to the others.
void wait_for(std::span<MPI_Request> requests, std::chrono::milliseconds timeout, const std::string& collective,
              int rank, int size, bool& broken) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  const int n = static_cast<int>(requests.size());
  int done = 0;
  MPI_Testall(n, requests.data(), &done, MPI_STATUSES_IGNORE);
  while (!done && Clock::now() - start < std::chrono::microseconds(200)) {
    MPI_Testall(n, requests.data(), &done, MPI_STATUSES_IGNORE);
  }
  while (!done && Clock::now() - start < std::chrono::milliseconds(20)) {
    std::this_thread::yield();
    MPI_Testall(n, requests.data(), &done, MPI_STATUSES_IGNORE);
  }
  auto pause = std::chrono::microseconds(50);
  while (!done) {
    if (Clock::now() - start > timeout) {
      broken = true;
      throw DistributedError(
          collective,
          fmt::format("process {} of {} waited {} ms for the other processes to join this collective; one of them "
                      "stopped, is stuck, or runs a different program (JX_DISTRIBUTED_TIMEOUT sets the limit in "
                      "seconds)",
                      rank, size, timeout.count()));
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(1000));
    const int code = MPI_Testall(n, requests.data(), &done, MPI_STATUSES_IGNORE);
    if (code != MPI_SUCCESS) {
      broken = true;
      throw DistributedError(collective, fmt::format("MPI failed: {}", mpi_error_text(code)));
    }
  }
}

}  // namespace

void MpiProcessGroup::check_same_call(const std::string& collective) {
  if (checked_calls_.contains(collective)) return;
  std::array<char, kSignatureBytes> mine{};
  std::memcpy(mine.data(), collective.data(), std::min(collective.size(), kSignatureBytes - 1));
  std::vector<char> all(kSignatureBytes * static_cast<std::size_t>(size_));
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_Iallgather(mine.data(), static_cast<int>(kSignatureBytes), MPI_CHAR, all.data(),
                 static_cast<int>(kSignatureBytes), MPI_CHAR, MPI_COMM_WORLD, &request);
  wait_for(std::span(&request, 1), timeout_, collective, rank_, size_, broken_);
  std::vector<std::string> differing;
  for (int process = 0; process < size_; ++process) {
    const std::string theirs(all.data() + static_cast<std::size_t>(process) * kSignatureBytes);
    if (theirs != std::string(mine.data())) differing.push_back(fmt::format("process {} called {}", process, theirs));
  }
  if (!differing.empty()) {
    // The exchange itself completed on every process: MPI is still usable.
    throw DistributedError(
        collective, fmt::format("the processes' programs differ: process {} called {}, but {}. Every process must "
                                "run the same collectives, on arrays of the same shapes and dtypes, in the same "
                                "order",
                                rank_, collective, fmt::join(differing, ", ")));
  }
  checked_calls_.insert(collective);
}

void MpiProcessGroup::exchange(const std::byte* send, int send_count, int to, std::byte* receive, int receive_count,
                               int from, MPI_Datatype type, const std::string& collective) {
  std::array<MPI_Request, 2> requests{MPI_REQUEST_NULL, MPI_REQUEST_NULL};
  constexpr int kTag = 4242;
  MPI_Irecv(receive, receive_count, type, from, kTag, MPI_COMM_WORLD, &requests[0]);
  MPI_Isend(send, send_count, type, to, kTag, MPI_COMM_WORLD, &requests[1]);
  wait_for(requests, timeout_, collective, rank_, size_, broken_);
}

// The all-reduce is written with point-to-point messages rather than MPI_Iallreduce, whose schedules
// (libnbc) cost half again as much as the blocking MPI_Allreduce; a blocking call could not time out.
// Small messages among a power-of-two number of processes: recursive doubling (log2 P exchanges of the
// whole buffer). Otherwise a ring: reduce-scatter, then all-gather (2 (P-1) exchanges of 1/P of it,
// bandwidth-optimal). Every process ends with the same bits: each chunk of the ring is reduced once, and
// the doubling's pairwise reductions are commutative.
void MpiProcessGroup::all_reduce(const void* in, void* out, std::int64_t count, DType dtype,
                                 detail::ProcessReduction reduction, const std::string& collective) {
  const std::lock_guard lock(mutex_);
  throw_if_broken(collective);
  const auto [type, operation] = mpi_reduction(dtype, reduction, collective);
  check_same_call(collective);
  int item = 0;
  MPI_Type_size(type, &item);
  const auto bytes = static_cast<std::size_t>(count) * static_cast<std::size_t>(item);
  if (in != out && bytes > 0) std::memcpy(out, in, bytes);
  if (count == 0 || size_ == 1) return;
  if (count > std::numeric_limits<int>::max()) {
    throw ValueError(collective, fmt::format("{} elements exceed MPI's count limit", count));
  }
  auto* result = static_cast<std::byte*>(out);
  constexpr std::size_t kSmallBytes = 64 * 1024;
  const bool power_of_two = (size_ & (size_ - 1)) == 0;
  if (power_of_two && bytes <= kSmallBytes) {
    scratch_.resize(bytes);
    for (int mask = 1; mask < size_; mask <<= 1) {
      const int partner = rank_ ^ mask;
      exchange(result, static_cast<int>(count), partner, scratch_.data(), static_cast<int>(count), partner, type,
               collective);
      MPI_Reduce_local(scratch_.data(), result, static_cast<int>(count), type, operation);
    }
    return;
  }
  // Chunk k holds elements [first(k), first(k + 1)).
  const auto first = [&](int k) { return count * k / size_; };
  const auto chunk = [&](int k) { return ((k % size_) + size_) % size_; };
  const int right = (rank_ + 1) % size_, left = (rank_ + size_ - 1) % size_;
  for (int step = 0; step < size_ - 1; ++step) {
    const int sent = chunk(rank_ - step), received = chunk(rank_ - step - 1);
    const auto n_sent = static_cast<int>(first(sent + 1) - first(sent));
    const auto n_received = static_cast<int>(first(received + 1) - first(received));
    scratch_.resize(std::max(scratch_.size(), static_cast<std::size_t>(n_received) * static_cast<std::size_t>(item)));
    exchange(result + first(sent) * item, n_sent, right, scratch_.data(), n_received, left, type, collective);
    MPI_Reduce_local(scratch_.data(), result + first(received) * item, n_received, type, operation);
  }
  for (int step = 0; step < size_ - 1; ++step) {
    const int sent = chunk(rank_ + 1 - step), received = chunk(rank_ - step);
    exchange(result + first(sent) * item, static_cast<int>(first(sent + 1) - first(sent)), right,
             result + first(received) * item, static_cast<int>(first(received + 1) - first(received)), left, type,
             collective);
  }
}

void MpiProcessGroup::all_gather(const void* in, void* out, std::int64_t bytes, const std::string& collective) {
  const std::lock_guard lock(mutex_);
  throw_if_broken(collective);
  check_same_call(collective);
  if (bytes == 0) return;
  if (bytes > std::numeric_limits<int>::max()) {
    throw ValueError(collective, fmt::format("{} bytes per process exceed MPI's count limit", bytes));
  }
  MPI_Request request = MPI_REQUEST_NULL;
  const int code = MPI_Iallgather(in, static_cast<int>(bytes), MPI_BYTE, out, static_cast<int>(bytes), MPI_BYTE,
                                  MPI_COMM_WORLD, &request);
  if (code != MPI_SUCCESS) throw DistributedError(collective, fmt::format("MPI failed: {}", mpi_error_text(code)));
  wait_for(std::span(&request, 1), timeout_, collective, rank_, size_, broken_);
}

}  // namespace jx::distributed
