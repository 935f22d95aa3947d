#pragma once

// The class indices a window's top-k table shows, best first, to compare with torchvision's reference.

#include "PredictionModel.h"

#include <QList>

namespace lens::test {

inline QList<int> predictionIndices(const PredictionModel* model)
{
    QList<int> out;
    for (const ClassScore& s : model->scores())
        out << s.index;
    return out;
}

} // namespace lens::test
