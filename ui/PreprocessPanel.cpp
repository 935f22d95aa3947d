#include "PreprocessPanel.h"

#include "ImageView.h"
#include "PresetEditor.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace lens {

namespace {

QString sizeText(QSize size)
{
    return QStringLiteral("%1×%2").arg(size.width()).arg(size.height());
}

} // namespace

PreprocessPanel::PreprocessPanel(QWidget* parent)
    : QWidget(parent)
{
    m_editor = new PresetEditor(this);
    m_note = new QLabel(this);
    m_note->setWordWrap(true);
    m_note->setText(tr("What the network sees: decode (EXIF orientation ignored, as PIL does) → resize "
                       "→ centre crop → normalise per channel."));
    m_note->setStyleSheet(QStringLiteral("color: palette(mid);"));

    auto* left = new QVBoxLayout;
    left->addWidget(m_editor);
    left->addWidget(m_note);
    left->addStretch(1);

    m_original = new ImageView(this);
    m_resized = new ImageView(this);
    m_crop = new ImageView(this);
    m_denormalised = new ImageView(this);
    m_crop->setPixelated(true);
    m_denormalised->setPixelated(true);
    m_original->setPlaceholder(tr("Original"));
    m_resized->setPlaceholder(tr("Resized"));
    m_crop->setPlaceholder(tr("Centre crop"));
    m_denormalised->setPlaceholder(tr("De-normalised"));

    auto* stages = new QHBoxLayout;
    stages->setSpacing(6);
    stages->addWidget(m_original, 3);
    stages->addWidget(m_resized, 3);
    stages->addWidget(m_crop, 2);
    const char* names[] = {"R", "G", "B"};
    for (int c = 0; c < 3; ++c) {
        m_channels[c] = new ImageView(this);
        m_channels[c]->setPixelated(true);
        m_channels[c]->setPlaceholder(tr("Tensor %1").arg(QLatin1String(names[c])));
        stages->addWidget(m_channels[c], 2);
    }
    stages->addWidget(m_denormalised, 2);

    auto* layout = new QHBoxLayout(this);
    layout->addLayout(left, 0);
    layout->addLayout(stages, 1);
}

void PreprocessPanel::showStages(const ClassifyResult& r)
{
    m_original->setImage(r.original, r.originalSize);
    m_original->setOverlay(r.cropInOriginal);
    m_original->setCaption(tr("Decoded %1").arg(sizeText(r.originalSize)));
    m_resized->setImage(r.resized);
    m_resized->setOverlay(r.cropInResized);
    m_resized->setCaption(tr("Resized %1").arg(sizeText(r.resized.size())));
    m_crop->setImage(r.cropped);
    m_crop->setCaption(tr("Crop %1").arg(sizeText(r.cropped.size())));
    const char* names[] = {"R", "G", "B"};
    for (int c = 0; c < 3; ++c) {
        m_channels[c]->setImage(r.channels[c]);
        m_channels[c]->setCaption(tr("%1 [%2, %3]")
                                      .arg(QLatin1String(names[c]))
                                      .arg(double(r.channelMin[c]), 0, 'f', 2)
                                      .arg(double(r.channelMax[c]), 0, 'f', 2));
        m_channels[c]->setToolTip(tr("Normalised channel %1, %2 floats; black = %3, white = %4")
                                      .arg(QLatin1String(names[c]))
                                      .arg(sizeText(r.channels[c].size()))
                                      .arg(double(r.channelMin[c]))
                                      .arg(double(r.channelMax[c])));
    }
    m_denormalised->setImage(r.denormalised);
    m_denormalised->setCaption(tr("× std + mean"));
    m_denormalised->setToolTip(tr("The tensor mapped back to pixels: it equals the crop"));
}

void PreprocessPanel::clear()
{
    for (ImageView* view :
         {m_original, m_resized, m_crop, m_channels[0], m_channels[1], m_channels[2], m_denormalised})
        view->clear();
}

} // namespace lens
