#pragma once

// How many threads inference uses within one forward pass, process-wide, on whichever path runs (oneDNN's
// OpenMP threads for the fast path, LibTorch's intra-op threads for the modules).
//
// Threading: any thread; the setting is global.

namespace lens {

/// requested > 0: that many. 0: OMP_NUM_THREADS's first value when set, else every core (LibTorch's own
/// default counts physical cores and can pick 1 on virtual machines).
void setInferenceThreads(int requested);
/// The count setInferenceThreads() chose (every core before it is called).
int inferenceThreads();

} // namespace lens
