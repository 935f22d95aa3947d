#include "jobs/EvaluationPlots.h"

namespace lens {

Result<void> writeEvaluationPlots(const EvaluationReport&, const std::string& folder)
{
    return Error {folder + ": plots are not built yet"};
}

std::string confusionSvg(const EvaluationReport&)
{
    return {};
}

std::string reliabilitySvg(const EvaluationReport&)
{
    return {};
}

} // namespace lens
