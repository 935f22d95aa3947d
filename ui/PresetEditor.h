#pragma once

// Edits the preprocessing: torchvision's v1 (resize 256) or v2 (resize 232) preset, or custom resize,
// crop, mean and std.

#include "preprocess/Preprocess.h"

#include <QWidget>
#include <array>

class QComboBox;
class QSpinBox;
class QDoubleSpinBox;

namespace lens {

class PresetEditor : public QWidget {
    Q_OBJECT

public:
    explicit PresetEditor(QWidget* parent = nullptr);

    PreprocessOptions options() const;
    /// Shows options (selecting v1/v2 when they match one) without emitting optionsChanged.
    void setOptions(const PreprocessOptions& options);
    /// "v1", "v2" or "custom".
    QString presetName() const;

Q_SIGNALS:
    void optionsChanged(const lens::PreprocessOptions& options);

private:
    void presetChosen(int index);
    void valueEdited();

    QComboBox* m_preset = nullptr;
    QSpinBox* m_resize = nullptr;
    QSpinBox* m_crop = nullptr;
    std::array<QDoubleSpinBox*, 3> m_mean {};
    std::array<QDoubleSpinBox*, 3> m_std {};
    bool m_updating = false;
};

/// "v1", "v2" or "custom" for options.
QString presetNameOf(const PreprocessOptions& options);

} // namespace lens
