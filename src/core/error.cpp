// Errors, and finding the user's line of code for them.
//
// Named functions record their caller's std::source_location in a CallSite. Operators cannot, so when
// an error is raised with no call site recorded, the stack is walked and symbolized (backward-cpp over
// libdw) and the innermost frame that is neither jx's nor the standard library's is reported. This
// happens only on the error path; the cost of a CallSite on the normal path is two thread-local writes.
#include "jx/core/error.h"

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#define BACKWARD_HAS_DW 1
#include <backward.hpp>

namespace jx {
namespace {

struct SiteState {
  const std::source_location* site = nullptr;      // where user code entered jx
  const std::source_location* fallback = nullptr;  // the enclosing transformation's call site
};

SiteState& site_state() {
  thread_local SiteState state;
  return state;
}

// Frames of jx itself, the standard library and test frameworks are not the user's code.
bool is_library_frame(std::string_view function) {
  if (function.empty()) return true;
  // Demangled names may start with a return type ("void jx::f(...)"): look at the qualified name.
  const std::size_t paren = function.find('(');
  const std::size_t space = function.rfind(' ', paren);
  const std::string_view name = space == std::string_view::npos ? function : function.substr(space + 1);
  for (std::string_view prefix : {"jx::", "std::", "__gnu_cxx::", "testing::", "backward::", "__"}) {
    if (name.starts_with(prefix) || function.starts_with(prefix)) return true;
  }
  return false;
}

// Source files of jx itself (its headers, installed or not, and its sources) and of the system (the
// standard library, GoogleTest, ...): code inlined from these into a frame is not the user's line.
bool is_library_file(std::string_view file) {
  if (file.empty()) return true;
  for (std::string_view prefix : {"/usr/include/", "/usr/lib/", "/usr/src/"}) {
    if (file.starts_with(prefix)) return true;
  }
  if (file.find("/include/jx/") != std::string_view::npos) return true;
  // This file is <jx>/src/core/error.cpp: jx's sources are those under <jx>/src/.
  static const std::string sources = [] {
    const std::string self = __FILE__;
    const std::size_t at = self.rfind("src/core/error.cpp");
    return at == std::string::npos ? std::string() : self.substr(0, at + 4);
  }();
  return !sources.empty() && file.starts_with(sources);
}

std::string file_and_line(const std::string& path, unsigned line) {
  const std::size_t slash = path.rfind('/');
  return (slash == std::string::npos ? path : path.substr(slash + 1)) + ":" + std::to_string(line);
}

// The innermost user frame: "file:line" when the program has line tables, else the function's name.
struct UserFrame {
  std::string location;
  bool has_line = false;
};

UserFrame symbolized_user_frame() {
  backward::StackTrace trace;
  trace.load_here(48);
  // Opening the debug information of the program costs a few hundred milliseconds for a large
  // binary: it is done once, and the resolver kept (never destroyed, like jx's other singletons).
  // Resolving one address walks the debug information of its compilation unit; the frames of an
  // error path repeat, so each address is resolved once.
  static std::mutex mutex;
  static auto* resolver_instance = new backward::TraceResolver();
  static auto* resolved = new std::unordered_map<void*, backward::ResolvedTrace>();
  const std::lock_guard lock(mutex);
  backward::TraceResolver& resolver = *resolver_instance;
  resolver.load_stacktrace(trace);
  for (std::size_t i = 0; i < trace.size(); ++i) {
    auto [cached, is_new] = resolved->try_emplace(trace[i].addr);
    if (is_new) cached->second = resolver.resolve(trace[i]);
    const backward::ResolvedTrace& frame = cached->second;
    if (frame.source.filename.empty()) {
      // No line table (jx's library, system libraries): judge the frame by its function's name.
      if (is_library_frame(frame.object_function)) continue;
      return {frame.object_function, false};
    }
    // With optimization, one frame holds functions inlined into one another: the line executing (in
    // the innermost), then the line of each inlined call, outward. jx's inline headers (an operator
    // template, jit's call operator) and the user's lambdas inlined into jx's templates both occur,
    // so the innermost line in a user's file is the one to report.
    if (!is_library_file(frame.source.filename)) return {file_and_line(frame.source.filename, frame.source.line), true};
    for (const backward::ResolvedTrace::SourceLoc& call : frame.inliners) {
      if (!call.filename.empty() && !is_library_file(call.filename))
        return {file_and_line(call.filename, call.line), true};
    }
  }
  return {};
}

std::string compose(const std::string& op, const std::string& detail, const std::string& where) {
  std::string message = "[" + op + "] " + detail;
  if (!where.empty()) message += "\n  at " + where;
  return message;
}

std::string resolve_where(std::string where) { return where.empty() ? current_user_location() : where; }

}  // namespace

Error::Error(std::string op, std::string detail, std::string where)
    : std::runtime_error(""), op_(std::move(op)), detail_(std::move(detail)), where_(resolve_where(std::move(where))) {
  static_cast<std::runtime_error&>(*this) = std::runtime_error(compose(op_, detail_, where_));
}

CallSite::CallSite(const std::source_location& location) noexcept {
  SiteState& state = site_state();
  saved_ = state.site;
  active_ = state.site == nullptr && location.line() != 0;  // line 0: no location (an operator)
  if (active_) state.site = &location;
}

CallSite::~CallSite() {
  if (active_) site_state().site = saved_;
}

UserCodeScope::UserCodeScope() noexcept {
  SiteState& state = site_state();
  saved_site_ = state.site;
  saved_fallback_ = state.fallback;
  // The fallback is the user's line: a site jx itself opened (a default argument evaluated in a jx or
  // standard header) keeps the one before it.
  if (state.site && !is_library_file(state.site->file_name())) state.fallback = state.site;
  state.site = nullptr;
}

UserCodeScope::~UserCodeScope() {
  SiteState& state = site_state();
  state.site = saved_site_;
  state.fallback = saved_fallback_;
}

std::string format_location(const std::source_location& location) {
  std::string file = location.file_name();
  const std::size_t slash = file.rfind('/');
  if (slash != std::string::npos) file = file.substr(slash + 1);
  return file + ":" + std::to_string(location.line());
}

std::optional<std::source_location> current_call_site() {
  const SiteState& state = site_state();
  if (state.site) return *state.site;
  return std::nullopt;
}

std::string current_user_location() {
  const SiteState& state = site_state();
  // A site inside jx's headers or the standard library is a default argument evaluated there: jx
  // calling a callable of its own (a Jacobian through std::function), not the user.
  if (state.site && !is_library_file(state.site->file_name())) return format_location(*state.site);
  // A user's line from the stack is the most precise; without line tables, the enclosing
  // transformation's call (a line of the user's) says more than the name of a function.
  const UserFrame frame = symbolized_user_frame();
  if (frame.has_line) return frame.location;
  if (state.fallback) return format_location(*state.fallback);
  if (!frame.location.empty()) return frame.location;
  return "(unknown location)";
}

}  // namespace jx
