#pragma once

// Whether loading a pickle in Python would run code, decided from what the restricted unpickler recorded
// (nothing is ever executed here). Python's pickle imports every global a stream names and calls what the
// stream calls; torch.load without weights_only does exactly that. Three kinds of global:
// - data constructors this reader emulates (OrderedDict, tensor and storage rebuilds, torch.Size, ...);
// - inert data types that training scripts store and that Python builds without running user code
//   (argparse.Namespace, numpy scalars and arrays, collections types, datetime, OmegaConf and Lightning
//   containers, copyreg's helpers): reported as warnings, ignored;
// - anything else (os.system, builtins.eval, a training script's own class, a pickled model object, ...):
//   Python would import it and call it, which may run any code. A file naming one is dangerous: the
//   loaders refuse it unless the user opts in, and the inspector shows it first.
// LibTorch-free, so it is fuzzed with the unpickler.
//
// Threading: reentrant; results are plain values.

#include "checkpoint/Pickle.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lens {

enum class GlobalSafety {
    Data, ///< emulated by the unpickler as plain data
    Inert, ///< a known data type; Python builds it without running user code
    Unsafe, ///< Python would import and call it: it may run any code
};

GlobalSafety globalSafety(std::string_view name);

/// One thing a pickle would make Python do that may run code.
struct PickleDanger {
    std::string global; ///< the callable or class, "posix.system"
    /// What Python would do, as source-like text: "call posix.system('touch /tmp/x')", "create a
    /// train.Config object", "import posix.system" (a global that is named but never called).
    std::string action;
};

/// The dangers of a pickle in stream order: each unsafe call (a call nested inside another unsafe call is
/// shown as part of it), then each unsafe global that is named but never called.
std::vector<PickleDanger> pickleDangers(const PickleDocument& document);

/// The inert data types a pickle builds (argparse.Namespace, ...), unique, in stream order.
std::vector<std::string> inertGlobals(const PickleDocument& document);

/// A value as Python source text: 'text', 12, (1, 2), [..], {k: v}, posix.system('ls'), getattr(a, 'b')(c);
/// tensors as <tensor Float [3, 4]>. Bounded: long text is cut with "...". Control characters are escaped
/// as Python's repr escapes them; other text from the file stays as it is (escape it for terminals).
std::string pythonRepr(const PickleValue& value, std::size_t maxLength = 200);

/// A float as Python's repr writes it: 0.1, 1e-05, 1e+16, 100.0, inf, nan.
std::string pythonFloatRepr(double value);

/// "would call posix.system('touch x') and create a train.Config object (and 2 more) when loaded by
/// Python", for messages; empty when there are no dangers.
std::string describeDangers(const std::vector<PickleDanger>& dangers);

/// Why a file with these dangers is refused: "this file would call ... when loaded by Python; nothing was
/// run". Front ends add how their users can opt in.
std::string dangerRefusal(const std::vector<PickleDanger>& dangers);

} // namespace lens
