#include "io/ModuleFiles.h"

#include <dlfcn.h>
#include <system_error>

namespace lens {

std::vector<std::filesystem::path> moduleCandidates(const std::filesystem::path& folder,
                                                    const std::string& name)
{
    if (folder.empty())
        return {};
    return {folder / name, folder / LENS_MODULE_DIR / name};
}

Result<void*> loadModuleSymbol(const std::filesystem::path& folder, const std::string& name,
                               const char* symbol)
{
    std::string problems;
    for (const std::filesystem::path& candidate : moduleCandidates(folder, name)) {
        std::error_code error;
        if (!std::filesystem::exists(candidate, error))
            continue;
        void* module = ::dlopen(candidate.c_str(), RTLD_LAZY | RTLD_LOCAL);
        if (!module) {
            problems += std::string("; ") + ::dlerror();
            continue;
        }
        if (void* address = ::dlsym(module, symbol))
            return address;
        problems += "; " + candidate.string() + " has no " + symbol;
    }
    return Error {problems.empty() ? std::string("not found next to the program") : problems.substr(2),
                  ErrorKind::NotFound, name};
}

std::filesystem::path folderOfBinary(const void* address)
{
    Dl_info info {};
    if (address && ::dladdr(address, &info) != 0 && info.dli_fname && info.dli_fname[0] == '/')
        return std::filesystem::path(info.dli_fname).parent_path();
    std::error_code error;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
    return error ? std::filesystem::path() : self.parent_path();
}

} // namespace lens
