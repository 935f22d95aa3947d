#pragma once

// Asks for a checkpoint file, the architecture (detected or forced) and strict or partial loading.

#include "model/LoadReport.h"

#include <QDialog>

class QComboBox;
class QLineEdit;
class QRadioButton;

namespace lens {

class LoadCheckpointDialog : public QDialog {
    Q_OBJECT

public:
    explicit LoadCheckpointDialog(QWidget* parent = nullptr);

    void setWeights(const QString& path);
    QString weights() const;
    /// Empty = detect from the checkpoint.
    QString arch() const;
    void setArch(const QString& arch);
    LoadMode mode() const;

private:
    void browse();

    QLineEdit* m_path = nullptr;
    QComboBox* m_arch = nullptr;
    QRadioButton* m_strict = nullptr;
    QRadioButton* m_partial = nullptr;
};

} // namespace lens
