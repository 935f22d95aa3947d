#include "LoadCheckpointDialog.h"

#include "inspect/Inspection.h"
#include "model/Architecture.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace lens {

LoadCheckpointDialog::LoadCheckpointDialog(QWidget* parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Load Checkpoint"));
    m_path = new QLineEdit(this);
    m_path->setPlaceholderText(tr("A .pth file saved with torch.save(model.state_dict())"));
    auto* browse = new QPushButton(tr("Browse…"), this);
    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(browse);

    m_arch = new QComboBox(this);
    m_arch->addItem(tr("Detect from the checkpoint"), QString());
    for (const ResNetSpec& spec : knownArchitectures())
        m_arch->addItem(QString::fromStdString(spec.name), QString::fromStdString(spec.name));

    m_weightSet = new QComboBox(this);
    m_weightSet->addItem(tr("The default weight set"), QString());
    m_weightSet->setToolTip(tr("A training checkpoint can hold several weight sets (model, model_ema, …)"));

    m_strict = new QRadioButton(tr("Strict: every key must match, or nothing is loaded"), this);
    m_partial = new QRadioButton(tr("Partial: load what matches, report the rest"), this);
    m_strict->setChecked(true);
    auto* modes = new QVBoxLayout;
    modes->addWidget(m_strict);
    modes->addWidget(m_partial);

    m_labels = new QLineEdit(this);
    m_labels->setObjectName(QStringLiteral("labelsEdit"));
    m_labels->setAccessibleName(tr("Labels file"));
    m_labels->setPlaceholderText(
        tr("Optional: class names, one a line (else the checkpoint's or ImageNet's)"));
    m_labels->setClearButtonEnabled(true);
    auto* browseLabels = new QPushButton(tr("Browse…"), this);
    browseLabels->setAccessibleName(tr("Browse for a labels file"));
    auto* labelsRow = new QHBoxLayout;
    labelsRow->addWidget(m_labels, 1);
    labelsRow->addWidget(browseLabels);
    connect(browseLabels, &QPushButton::clicked, this, &LoadCheckpointDialog::browseLabels);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Load"));
    auto* form = new QFormLayout;
    form->addRow(tr("Weights"), pathRow);
    form->addRow(tr("Weight set"), m_weightSet);
    form->addRow(tr("Architecture"), m_arch);
    form->addRow(tr("Loading"), modes);
    form->addRow(tr("Labels"), labelsRow);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);

    connect(browse, &QPushButton::clicked, this, &LoadCheckpointDialog::browse);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto updateOk = [this, buttons] {
        buttons->button(QDialogButtonBox::Ok)
            ->setEnabled(
                QFileInfo(m_path->text()).isFile()
                && (m_labels->text().trimmed().isEmpty() || QFileInfo(m_labels->text().trimmed()).isFile()));
    };
    connect(m_path, &QLineEdit::textChanged, this, updateOk);
    connect(m_path, &QLineEdit::textChanged, this, &LoadCheckpointDialog::listWeightSets);
    connect(&m_listing, &QFutureWatcher<Listing>::finished, this, [this] {
        const Listing listing = m_listing.result();
        if (listing.path != m_path->text())
            return listWeightSets(); // the path changed meanwhile
        m_weightSet->clear();
        m_weightSet->addItem(tr("The default weight set"), QString());
        for (int i = 0; i < listing.keys.size(); ++i)
            m_weightSet->addItem(listing.labels[i], listing.keys[i]);
        m_weightSet->setEnabled(listing.keys.size() > 1);
        if (!listing.problem.isEmpty())
            m_weightSet->setToolTip(listing.problem);
        Q_EMIT weightSetsListed();
    });
    connect(m_labels, &QLineEdit::textChanged, this, updateOk);
    // Another checkpoint brings back the labels file used with it.
    connect(m_path, &QLineEdit::textEdited, this, [this](const QString& path) {
        if (m_labelsLookup)
            m_labels->setText(m_labelsLookup(path));
    });
    updateOk();
    resize(560, sizeHint().height());
}

void LoadCheckpointDialog::browse()
{
    const QString start = m_path->text().isEmpty() ? QString() : QFileInfo(m_path->text()).absolutePath();
    const QString file
        = QFileDialog::getOpenFileName(this, tr("Choose a checkpoint"), start, checkpointFilter());
    if (file.isEmpty())
        return;
    m_path->setText(file);
    if (m_labelsLookup)
        m_labels->setText(m_labelsLookup(file));
}

QString LoadCheckpointDialog::checkpointFilter()
{
    return tr("Checkpoints (*.pth *.pt *.bin *.ckpt *.tar *.safetensors);;All files (*)");
}

void LoadCheckpointDialog::browseLabels()
{
    const QString start = !m_labels->text().isEmpty() ? QFileInfo(m_labels->text()).absolutePath()
        : m_path->text().isEmpty()                    ? QString()
                                                      : QFileInfo(m_path->text()).absolutePath();
    const QString file = QFileDialog::getOpenFileName(this, tr("Choose a labels file"), start,
                                                      tr("Labels (*.txt);;All files (*)"));
    if (!file.isEmpty())
        m_labels->setText(file);
}

QString LoadCheckpointDialog::labels() const
{
    return m_labels->text().trimmed();
}

void LoadCheckpointDialog::setLabels(const QString& path)
{
    m_labels->setText(path);
}

void LoadCheckpointDialog::listWeightSets()
{
    if (m_listing.isRunning() || !QFileInfo(m_path->text()).isFile())
        return;
    const QString path = m_path->text();
    // Listing parses the file (no tensor data): quick, but not for the GUI thread on a large file.
    m_listing.setFuture(QtConcurrent::run([path] {
        Listing listing;
        listing.path = path;
        InspectOptions options;
        options.path = path.toStdString();
        auto overview = overviewCheckpoint(options);
        if (!overview) {
            listing.problem = QString::fromStdString(overview.message());
            return listing;
        }
        for (const WeightSetReport& set : overview->weightSets) {
            const QString key = QString::fromStdString(set.key);
            QString label = key.isEmpty() ? tr("The whole file") : key;
            label += QStringLiteral(" (")
                + (set.architectureFound ? QString::fromStdString(set.architecture.name)
                                         : tr("architecture not recognised"))
                + QStringLiteral(", ") + QString::fromStdString(loadVerdictName(set.verdict))
                + (set.isDefault ? tr(", default") : QString()) + QLatin1Char(')');
            listing.keys << key;
            listing.labels << label;
        }
        return listing;
    }));
}

QString LoadCheckpointDialog::weightsKey() const
{
    return m_weightSet->currentData().toString();
}

QStringList LoadCheckpointDialog::weightSets() const
{
    QStringList keys;
    for (int i = 1; i < m_weightSet->count(); ++i)
        keys << m_weightSet->itemData(i).toString();
    return keys;
}

void LoadCheckpointDialog::setWeights(const QString& path)
{
    m_path->setText(path);
}

QString LoadCheckpointDialog::weights() const
{
    return m_path->text();
}

QString LoadCheckpointDialog::arch() const
{
    return m_arch->currentData().toString();
}

void LoadCheckpointDialog::setArch(const QString& arch)
{
    m_arch->setCurrentIndex(std::max(0, m_arch->findData(arch)));
}

LoadMode LoadCheckpointDialog::mode() const
{
    return m_partial->isChecked() ? LoadMode::Partial : LoadMode::Strict;
}

} // namespace lens
