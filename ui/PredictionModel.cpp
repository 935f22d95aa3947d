#include "PredictionModel.h"

namespace lens {

void PredictionModel::setScores(std::vector<ClassScore> scores)
{
    beginResetModel();
    m_scores = std::move(scores);
    endResetModel();
}

int PredictionModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_scores.size());
}

int PredictionModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant PredictionModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const ClassScore& score = m_scores[index.row()];
    if (role == ProbabilityRole)
        return double(score.probability);
    if (role == Qt::TextAlignmentRole)
        return index.column() == Label ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                       : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole)
        return tr("%1 (class %2): probability %3, logit %4")
            .arg(QString::fromStdString(score.label))
            .arg(score.index)
            .arg(double(score.probability), 0, 'g', 6)
            .arg(double(score.logit), 0, 'f', 3);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Rank:
        return score.rank;
    case Label:
        return QString::fromStdString(score.label);
    case Index:
        return score.index;
    case Probability:
        return QStringLiteral("%1 %").arg(double(score.probability) * 100.0, 0, 'f', 1);
    }
    return {};
}

QVariant PredictionModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Rank:
        return tr("#");
    case Label:
        return tr("Class");
    case Index:
        return tr("Index");
    case Probability:
        return tr("Probability");
    }
    return {};
}

} // namespace lens
