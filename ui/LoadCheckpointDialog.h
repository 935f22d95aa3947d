#pragma once

// Asks for a checkpoint file, the weight set inside it (a training checkpoint holds several: model,
// model_ema, ...; listed off the GUI thread once a file is chosen), the architecture (detected or forced),
// strict or partial loading, and a labels file (class names, one a line, as the CLI's --labels), which is
// remembered per checkpoint.

#include "model/LoadReport.h"

#include <QDialog>
#include <QFutureWatcher>
#include <QStringList>
#include <functional>

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
    /// The weight set chosen, by key path; empty = the default one.
    QString weightsKey() const;
    /// The file's weight sets as offered (for tests): key paths, the default one first.
    QStringList weightSets() const;
    /// A labels file; empty = the checkpoint's names, else ImageNet's.
    QString labels() const;
    void setLabels(const QString& path);
    /// Where the dialog looks up the labels file last used with a checkpoint, when one is chosen.
    void setLabelsLookup(std::function<QString(const QString&)> lookup)
    {
        m_labelsLookup = std::move(lookup);
    }

    /// The file dialog's filter for checkpoints.
    static QString checkpointFilter();

Q_SIGNALS:
    /// The weight sets of the file named have been listed.
    void weightSetsListed();

private:
    void browse();
    void browseLabels();
    void listWeightSets();

    struct Listing {
        QString path;
        QStringList keys;
        QStringList labels;
        QString problem;
    };

    QLineEdit* m_path = nullptr;
    QComboBox* m_arch = nullptr;
    QRadioButton* m_strict = nullptr;
    QRadioButton* m_partial = nullptr;
    QComboBox* m_weightSet = nullptr;
    QFutureWatcher<Listing> m_listing;
    QLineEdit* m_labels = nullptr;
    std::function<QString(const QString&)> m_labelsLookup;
};

} // namespace lens
