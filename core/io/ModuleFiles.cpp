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
