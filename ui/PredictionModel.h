#pragma once

// The top-k predictions for the selected image as a table: rank, class name, class index, probability.

#include "inference/Classifier.h"

#include <QAbstractTableModel>
#include <vector>

namespace lens {

class PredictionModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { Rank, Label, Index, Probability, ColumnCount };
    /// Role of the Probability column holding the probability as a double in 0..1.
    static constexpr int ProbabilityRole = Qt::UserRole + 1;

    using QAbstractTableModel::QAbstractTableModel;

    void setScores(std::vector<ClassScore> scores);
    const std::vector<ClassScore>& scores() const { return m_scores; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<ClassScore> m_scores;
};

} // namespace lens
