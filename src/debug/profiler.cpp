// The profiler's event buffer and its trace file (jx/profiler.h). Events go to one buffer under a
// mutex: a training step records a few dozen, so contention is not a concern, and the buffer is only
// touched while a trace runs.
#include "jx/profiler.h"

#include <fmt/format.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <vector>

#include "debug/profiler_events.h"
#include "io/files.h"
#include "jx/core/error.h"

namespace jx::profiler {
namespace detail {

std::atomic<bool> g_tracing{false};

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

namespace {

struct Event {
  std::string name, category;
  std::int64_t start_ns, end_ns;
  long thread;
};

struct Session {
  std::mutex mutex;
  std::vector<Event> events;
  std::filesystem::path directory;
  std::int64_t origin_ns = 0;
  int traces = 0;  // files written by this process, for their names
};

Session& session() {
  static auto* instance = new Session();  // leaked: events may be recorded during static destruction
  return *instance;
}

long thread_id() {
  thread_local const long id = static_cast<long>(syscall(SYS_gettid));
  return id;
}

// A JSON string's contents.
std::string escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<int>(c));
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

void record(std::string_view name, std::string_view category, std::int64_t start_ns, std::int64_t end_ns) {
  Session& s = session();
  std::lock_guard lock(s.mutex);
  if (!tracing()) return;  // stopped meanwhile
  s.events.push_back(Event{std::string(name), std::string(category), start_ns, end_ns, thread_id()});
}

}  // namespace detail

void start_trace(const std::filesystem::path& directory) {
  detail::Session& s = detail::session();
  std::lock_guard lock(s.mutex);
  if (detail::tracing())
    throw ValueError(
        "profiler.start_trace",
        fmt::format("a trace is already running (into '{}'); stop it with stop_trace() first", s.directory.string()));
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error || !std::filesystem::is_directory(directory))
    throw IOError("profiler.start_trace",
                  fmt::format("cannot create the trace directory '{}': {}", directory.string(), error.message()));
  s.directory = directory;
  s.events.clear();
  s.origin_ns = detail::now_ns();
  detail::g_tracing.store(true, std::memory_order_relaxed);
}

std::filesystem::path stop_trace() {
  detail::Session& s = detail::session();
  std::vector<detail::Event> events;
  std::filesystem::path file;
  std::int64_t origin = 0;
  {
    std::lock_guard lock(s.mutex);
    if (!detail::tracing()) throw ValueError("profiler.stop_trace", "no trace is running (start_trace starts one)");
    detail::g_tracing.store(false, std::memory_order_relaxed);
    events.swap(s.events);
    origin = s.origin_ns;
    file = s.directory / fmt::format("jx_trace_{}_{}.json", getpid(), ++s.traces);
  }
  // The trace-event format: complete events with microsecond times, and the process's name.
  std::string json = fmt::format(
      "{{\"displayTimeUnit\": \"ns\", \"traceEvents\": [\n"
      "{{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": {}, \"tid\": 0, \"args\": {{\"name\": \"jx\"}}}}",
      getpid());
  for (const detail::Event& e : events) {
    json += fmt::format(
        ",\n{{\"name\": \"{}\", \"cat\": \"{}\", \"ph\": \"X\", \"ts\": {:.3f}, \"dur\": {:.3f}, \"pid\": {}, "
        "\"tid\": {}}}",
        detail::escaped(e.name), detail::escaped(e.category), static_cast<double>(e.start_ns - origin) / 1e3,
        static_cast<double>(e.end_ns - e.start_ns) / 1e3, getpid(), e.thread);
  }
  json += "\n]}\n";
  io::AtomicFile out(file, "profiler.stop_trace");
  out.write(json);
  out.commit();
  return file;
}

bool is_tracing() { return detail::tracing(); }

Trace::~Trace() {
  if (!is_tracing()) return;  // stopped by hand
  try {
    stop_trace();
  } catch (const Error&) {
    // A destructor must not throw; the trace is lost (a full disk), the program goes on.
  }
}

TraceAnnotation::TraceAnnotation(std::string name) : name_(std::move(name)) {
  if (detail::tracing()) start_ns_ = detail::now_ns();
}

TraceAnnotation::~TraceAnnotation() {
  if (start_ns_ >= 0 && detail::tracing()) detail::record(name_, "annotation", start_ns_, detail::now_ns());
}

}  // namespace jx::profiler
