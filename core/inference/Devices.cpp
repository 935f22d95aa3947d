#include "inference/Devices.h"

#include "inference/ModuleRuntime.h"

namespace lens {

CudaStatus cudaStatus()
{
    CudaStatus status;
    auto runtime = moduleRuntime();
    if (!runtime) {
        status.reason = runtime.message();
        return status;
    }
    status.available = (*runtime)->cudaAvailable(&status.reason);
    return status;
}

} // namespace lens
