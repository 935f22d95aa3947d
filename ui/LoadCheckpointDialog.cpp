#include "LoadCheckpointDialog.h"

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

    m_strict = new QRadioButton(tr("Strict: every key must match, or nothing is loaded"), this);
    m_partial = new QRadioButton(tr("Partial: load what matches, report the rest"), this);
    m_strict->setChecked(true);
    auto* modes = new QVBoxLayout;
    modes->addWidget(m_strict);
    modes->addWidget(m_partial);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Load"));
    auto* form = new QFormLayout;
    form->addRow(tr("Weights"), pathRow);
    form->addRow(tr("Architecture"), m_arch);
    form->addRow(tr("Loading"), modes);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);

    connect(browse, &QPushButton::clicked, this, &LoadCheckpointDialog::browse);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto updateOk = [this, buttons] {
        buttons->button(QDialogButtonBox::Ok)->setEnabled(QFileInfo(m_path->text()).isFile());
    };
    connect(m_path, &QLineEdit::textChanged, this, updateOk);
    updateOk();
    resize(560, sizeHint().height());
}

void LoadCheckpointDialog::browse()
{
    const QString start = m_path->text().isEmpty() ? QString() : QFileInfo(m_path->text()).absolutePath();
    const QString file = QFileDialog::getOpenFileName(
        this, tr("Choose a checkpoint"), start,
        tr("PyTorch checkpoints (*.pth *.pt *.bin *.ckpt *.tar);;All files (*)"));
    if (!file.isEmpty())
        m_path->setText(file);
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
