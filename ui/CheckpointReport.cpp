#include "CheckpointReport.h"

#include <QCoreApplication>
#include <algorithm>
#include <map>
#include <set>

namespace lens {

namespace {

QString shapeText(const std::vector<std::int64_t>& shape)
{
    return QString::fromStdString(shapeToString(shape));
}

} // namespace

QString keyStatusName(KeyStatus status)
{
    switch (status) {
    case KeyStatus::Matched:
        return QCoreApplication::translate("lens", "matched");
    case KeyStatus::Missing:
        return QCoreApplication::translate("lens", "missing");
    case KeyStatus::Unexpected:
        return QCoreApplication::translate("lens", "unexpected");
    case KeyStatus::ShapeMismatch:
        return QCoreApplication::translate("lens", "shape mismatch");
    }
    return {};
}

int CheckpointReport::count(KeyStatus status) const
{
    return static_cast<int>(std::count_if(rows.begin(), rows.end(),
                                          [status](const ReportRow& row) { return row.status == status; }));
}

std::vector<ReportRow> reportRows(const LoadReport& report, const ShapeList& checkpoint,
                                  const ShapeList& model)
{
    std::map<std::string, const KeyShape*> inFile;
    for (const auto& info : checkpoint)
        inFile[info.key] = &info;
    std::map<std::string, KeyStatus> status;
    for (const auto& key : report.matched)
        status[key] = KeyStatus::Matched;
    for (const auto& key : report.missing)
        status[key] = KeyStatus::Missing;
    for (const auto& key : report.unexpected)
        status[key] = KeyStatus::Unexpected;
    for (const auto& m : report.mismatched)
        status[m.key] = KeyStatus::ShapeMismatch;
    const std::set<std::string> converted(report.converted.begin(), report.converted.end());

    auto makeRow = [&](const std::string& key, const std::vector<std::int64_t>* modelShape) {
        ReportRow row;
        row.key = QString::fromStdString(key);
        row.status = status.count(key) ? status[key] : KeyStatus::Matched;
        const auto file = inFile.find(key);
        if (file != inFile.end()) {
            row.shape = shapeText(file->second->shape);
            row.dtype = QString::fromUtf8(dtypeName(file->second->dtype));
        } else if (modelShape) {
            row.shape = shapeText(*modelShape);
        }
        if (row.status == KeyStatus::ShapeMismatch && modelShape)
            row.note = QCoreApplication::translate("lens", "model expects %1").arg(shapeText(*modelShape));
        else if (row.status == KeyStatus::Missing && isOptionalKey(key))
            row.note = QCoreApplication::translate("lens", "optional (a counter, not a weight)");
        else if (row.status == KeyStatus::Missing)
            row.note = QCoreApplication::translate("lens", "keeps its initial value");
        else if (row.status == KeyStatus::Unexpected)
            row.note = QCoreApplication::translate("lens", "not used by the model");
        else if (converted.count(key))
            row.note = QCoreApplication::translate("lens", "converted to float32");
        return row;
    };

    std::vector<ReportRow> rows;
    std::set<std::string> seen;
    for (const auto& entry : model) {
        if (!status.count(entry.key))
            continue; // an optional key the loader did not mention
        rows.push_back(makeRow(entry.key, &entry.shape));
        seen.insert(entry.key);
    }
    for (const auto& info : checkpoint)
        if (!seen.count(info.key) && status.count(info.key))
            rows.push_back(makeRow(info.key, nullptr)), seen.insert(info.key);
    // Anything the report names that neither list has (should not happen, but never hide a key).
    for (const auto& [key, st] : status)
        if (!seen.count(key))
            rows.push_back(makeRow(key, nullptr));
    return rows;
}

} // namespace lens
