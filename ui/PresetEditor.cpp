#include "PresetEditor.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QGridLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>

namespace lens {

namespace {

bool sameOptions(const PreprocessOptions& a, const PreprocessOptions& b)
{
    auto close = [](const std::array<float, 3>& x, const std::array<float, 3>& y) {
        for (int i = 0; i < 3; ++i)
            if (std::abs(x[i] - y[i]) > 5e-5f)
                return false;
        return true;
    };
    return a.resizeShort == b.resizeShort && a.crop == b.crop && close(a.mean, b.mean) && close(a.std, b.std);
}

QDoubleSpinBox* channelBox(double min, QWidget* parent)
{
    auto* box = new QDoubleSpinBox(parent);
    box->setDecimals(3);
    box->setRange(min, 1.0);
    box->setSingleStep(0.005);
    return box;
}

} // namespace

QString presetNameOf(const PreprocessOptions& options)
{
    if (sameOptions(options, PreprocessOptions::v1()))
        return QStringLiteral("v1");
    if (sameOptions(options, PreprocessOptions::v2()))
        return QStringLiteral("v2");
    return QStringLiteral("custom");
}

PresetEditor::PresetEditor(QWidget* parent)
    : QWidget(parent)
{
    m_preset = new QComboBox(this);
    m_preset->setObjectName(QStringLiteral("presetCombo"));
    m_preset->addItem(tr("v1: resize 256, crop 224"), QStringLiteral("v1"));
    m_preset->addItem(tr("v2: resize 232, crop 224"), QStringLiteral("v2"));
    m_preset->addItem(tr("Custom"), QStringLiteral("custom"));
    m_preset->setToolTip(tr("torchvision's transforms for IMAGENET1K_V1 (resize 256) or IMAGENET1K_V2 "
                            "(resize 232) weights"));
    m_resize = new QSpinBox(this);
    m_resize->setRange(16, 2048);
    m_resize->setToolTip(tr("Resize: the short side becomes this many pixels"));
    m_resize->setAccessibleName(tr("Resize short side"));
    m_preset->setAccessibleName(tr("Preset"));
    m_crop = new QSpinBox(this);
    m_crop->setRange(16, 1024);
    m_crop->setToolTip(tr("Centre crop: a square of this many pixels"));
    m_crop->setAccessibleName(tr("Centre crop size"));

    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->addWidget(new QLabel(tr("Preset"), this), 0, 0);
    grid->addWidget(m_preset, 0, 1, 1, 3);
    grid->addWidget(new QLabel(tr("Resize"), this), 1, 0);
    grid->addWidget(m_resize, 1, 1);
    grid->addWidget(new QLabel(tr("Crop"), this), 1, 2);
    grid->addWidget(m_crop, 1, 3);
    grid->addWidget(new QLabel(tr("Mean"), this), 2, 0);
    grid->addWidget(new QLabel(tr("Std"), this), 3, 0);
    for (int c = 0; c < 3; ++c) {
        m_mean[c] = channelBox(0.0, this);
        m_std[c] = channelBox(0.001, this);
        const QString channel = QStringLiteral("RGB").mid(c, 1);
        m_mean[c]->setPrefix(channel + QLatin1Char(' '));
        m_std[c]->setPrefix(channel + QLatin1Char(' '));
        m_mean[c]->setAccessibleName(tr("Mean of channel %1").arg(channel));
        m_std[c]->setAccessibleName(tr("Standard deviation of channel %1").arg(channel));
        grid->addWidget(m_mean[c], 2, 1 + c);
        grid->addWidget(m_std[c], 3, 1 + c);
        connect(m_mean[c], &QDoubleSpinBox::valueChanged, this, &PresetEditor::valueEdited);
        connect(m_std[c], &QDoubleSpinBox::valueChanged, this, &PresetEditor::valueEdited);
    }
    connect(m_resize, &QSpinBox::valueChanged, this, &PresetEditor::valueEdited);
    connect(m_crop, &QSpinBox::valueChanged, this, &PresetEditor::valueEdited);
    connect(m_preset, &QComboBox::activated, this, &PresetEditor::presetChosen);
    setOptions(PreprocessOptions::v1());
}

PreprocessOptions PresetEditor::options() const
{
    PreprocessOptions options;
    options.resizeShort = m_resize->value();
    options.crop = m_crop->value();
    for (int c = 0; c < 3; ++c) {
        options.mean[c] = static_cast<float>(m_mean[c]->value());
        options.std[c] = static_cast<float>(m_std[c]->value());
    }
    // Keep the presets' exact float values (the spin boxes round to 3 decimals).
    if (presetNameOf(options) == QLatin1String("v1"))
        return PreprocessOptions::v1();
    if (presetNameOf(options) == QLatin1String("v2"))
        return PreprocessOptions::v2();
    return options;
}

QString PresetEditor::presetName() const
{
    return presetNameOf(options());
}

void PresetEditor::setOptions(const PreprocessOptions& options)
{
    m_updating = true;
    m_resize->setValue(options.resizeShort);
    m_crop->setValue(options.crop);
    for (int c = 0; c < 3; ++c) {
        m_mean[c]->setValue(options.mean[c]);
        m_std[c]->setValue(options.std[c]);
    }
    m_preset->setCurrentIndex(m_preset->findData(presetNameOf(options)));
    m_updating = false;
}

void PresetEditor::presetChosen(int index)
{
    const QString name = m_preset->itemData(index).toString();
    if (name == QLatin1String("custom"))
        return;
    setOptions(name == QLatin1String("v2") ? PreprocessOptions::v2() : PreprocessOptions::v1());
    Q_EMIT optionsChanged(options());
}

void PresetEditor::valueEdited()
{
    if (m_updating)
        return;
    m_preset->setCurrentIndex(m_preset->findData(presetName()));
    Q_EMIT optionsChanged(options());
}

} // namespace lens
