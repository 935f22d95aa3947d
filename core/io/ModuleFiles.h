#pragma once

// Where resnet-lens finds its own modules (shared objects it loads at run time): beside the binary that loads
// them, which is where they lie in the build tree and, for modules loaded by another module, once installed;
// then in the installed private folder relative to an executable in bin/ (lib/<multiarch>/resnet-lens).
// Never the current directory or LD_LIBRARY_PATH's folders: a module is found only where it was built or
// installed.
//
// Threading: any thread (the dynamic loader serialises loading).

#include "Result.h"

#include <filesystem>
#include <string>
#include <vector>

namespace lens {

/// The candidate paths of the module `name` for a binary in `folder`, most likely first; none for an empty
/// folder.
std::vector<std::filesystem::path> moduleCandidates(const std::filesystem::path& folder,
                                                    const std::string& name);

/// Loads the first candidate module (moduleCandidates) that exports `symbol` and returns the symbol's
/// address; an Error naming each candidate's problem when none does. The module stays loaded, its symbols
/// kept to itself (RTLD_LOCAL), bound lazily as a linked library's are.
Result<void*> loadModuleSymbol(const std::filesystem::path& folder, const std::string& name,
                               const char* symbol);

/// The folder of the executable or shared object that holds `address` (a function of the caller's), or
/// the running executable's folder when that cannot be told; empty when neither can.
std::filesystem::path folderOfBinary(const void* address);

} // namespace lens
