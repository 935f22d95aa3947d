#include "inference/Devices.h"

#include <ATen/Context.h>
#include <torch/cuda.h>
#include <torch/version.h>

namespace lens {

CudaStatus cudaStatus()
{
    CudaStatus status;
    try {
        // torch::cuda::is_available() is false both without CUDA in the build and without a GPU; the CUDA
        // hooks say which.
        if (!at::hasCUDA()) {
            status.reason = "this LibTorch " TORCH_VERSION " build has no CUDA support";
            return status;
        }
        const std::size_t count = torch::cuda::device_count();
        if (count == 0 || !torch::cuda::is_available()) {
            status.reason = "no CUDA GPU found";
            return status;
        }
        status.available = true;
        status.reason = std::to_string(count) + (count == 1 ? " CUDA GPU" : " CUDA GPUs");
    } catch (const std::exception& e) {
        status.reason = std::string("CUDA could not be queried: ") + e.what();
    }
    return status;
}

} // namespace lens
