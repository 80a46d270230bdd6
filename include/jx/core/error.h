// jx/core/error.h — the errors jx throws, and how they learn where the user called jx.
//
// Every error names the operation, the shapes and dtypes involved, and the line of user code that
// led to it. Named functions take a defaulted std::source_location; operators cannot, so for them jx
// symbolizes the stack (libdw) and reports the innermost frame outside jx, falling back to the
// location of the enclosing transformation call.
//
//   try {
//     auto z = x + y;  // shapes (3,) and (4,)
//   } catch (const jx::ShapeError& e) {
//     // e.what(): "[add] incompatible shapes for broadcasting: (3,) and (4,)\n  at demo.cpp:12"
//     // e.op() == "add", e.where() == "demo.cpp:12"
//   }
#pragma once

#include <optional>
#include <source_location>
#include <stdexcept>
#include <string>

namespace jx {

class Error : public std::runtime_error {
 public:
  // `where` is filled from the current call site when empty.
  Error(std::string op, std::string detail, std::string where = {});

  const std::string& op() const { return op_; }
  const std::string& detail() const { return detail_; }
  const std::string& where() const { return where_; }

 private:
  std::string op_, detail_, where_;
};

#define JX_DEFINE_ERROR(Name) \
  class Name : public Error { \
   public:                    \
    using Error::Error;       \
  }

JX_DEFINE_ERROR(ShapeError);              // incompatible or invalid shapes, axes out of range
JX_DEFINE_ERROR(DTypeError);              // an operation that does not accept a dtype
JX_DEFINE_ERROR(IndexError);              // a static index out of range
JX_DEFINE_ERROR(ValueError);              // an invalid argument value
JX_DEFINE_ERROR(TypeError);               // a value of the wrong kind (e.g. a non-array result)
JX_DEFINE_ERROR(ConcretizationError);     // a traced value used where a concrete one is needed
JX_DEFINE_ERROR(TracerLeakError);         // a traced value used after its trace ended
JX_DEFINE_ERROR(TreeError);               // pytrees whose structures do not match
JX_DEFINE_ERROR(ImpureFunctionError);     // check_jit saw a jitted function change between traces
JX_DEFINE_ERROR(KeyReuseError);           // a PRNG key consumed twice under debug_key_reuse
JX_DEFINE_ERROR(IOError);                 // unreadable, truncated or corrupt files
JX_DEFINE_ERROR(ResourceExhaustedError);  // memory that could not be allocated (jx keeps working afterwards)
JX_DEFINE_ERROR(FloatingPointError);      // a NaN or infinity produced under config::debug_nans/debug_infs
JX_DEFINE_ERROR(CheckifyError);           // a failed jx::checkify::check, thrown by Error::throw_if_error
JX_DEFINE_ERROR(NameError);               // a collective naming an axis no enclosing vmap/pmap/shard_map binds

#undef JX_DEFINE_ERROR

// Records where user code called into jx, for errors raised below it. Public named functions open one
// with their defaulted std::source_location; only the outermost one on the stack counts, so helper
// calls inside jx do not overwrite the user's line.
class CallSite {
 public:
  explicit CallSite(const std::source_location& location) noexcept;
  ~CallSite();
  CallSite(const CallSite&) = delete;
  CallSite& operator=(const CallSite&) = delete;

 private:
  const std::source_location* saved_;
  bool active_;
};

// Marks a return from jx into user code (a transformation calling the user's function): call sites
// opened inside it are the user's again. The enclosing call site stays the fallback for errors from
// operators when no user frame can be symbolized.
class UserCodeScope {
 public:
  UserCodeScope() noexcept;
  ~UserCodeScope();
  UserCodeScope(const UserCodeScope&) = delete;
  UserCodeScope& operator=(const UserCodeScope&) = delete;

 private:
  const std::source_location* saved_site_;
  const std::source_location* saved_fallback_;
};

// "file:line" of the user code currently calling jx, by the rules above.
std::string current_user_location();
// The innermost named jx function's caller, if one is recorded (cheap: no stack walk).
std::optional<std::source_location> current_call_site();
std::string format_location(const std::source_location& location);

}  // namespace jx
