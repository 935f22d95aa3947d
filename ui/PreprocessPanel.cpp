#include "PreprocessPanel.h"

#include "ImageView.h"
#include "PresetEditor.h"

#include <QDialog>
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
    m_defaultNote = tr("What the network sees: decode (EXIF orientation ignored, as PIL does) → resize "
                       "→ centre crop → normalise per channel. Double-click a stage to see it at full size.");
    m_note->setText(m_defaultNote);
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

    for (ImageView* view :
         {m_original, m_resized, m_crop, m_channels[0], m_channels[1], m_channels[2], m_denormalised})
        connect(view, &ImageView::activated, this, [this, view] { openStage(view); });
    m_original->setAccessibleName(tr("Decoded image"));
    m_resized->setAccessibleName(tr("Resized image"));
    m_crop->setAccessibleName(tr("Centre crop"));
    m_denormalised->setAccessibleName(tr("De-normalised tensor"));
    for (int c = 0; c < 3; ++c)
        m_channels[c]->setAccessibleName(tr("Normalised channel %1").arg(QLatin1String(names[c])));
}

QString PreprocessPanel::noteText() const
{
    return m_note->text();
}

QWidget* PreprocessPanel::openStage(ImageView* stage)
{
    if (!stage || stage->image().isNull())
        return nullptr;
    auto* window = new QDialog(this);
    window->setObjectName(QStringLiteral("stageWindow"));
    window->setAttribute(Qt::WA_DeleteOnClose);
    window->setWindowTitle(tr("%1 — ResNet Lens").arg(stage->caption()));
    auto* view = new ImageView(window);
    view->setZoomable(true);
    view->setPixelated(true);
    view->setImage(stage->image(), stage->image().size());
    view->setOverlay(stage->image().size() == stage->logicalSize() ? stage->overlay() : QRectF());
    view->setCaption(stage->caption());
    view->setAccessibleName(stage->accessibleName());
    auto* layout = new QVBoxLayout(window);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(view);
    const QSize size = stage->image().size().boundedTo(QSize(1200, 900)).expandedTo(QSize(240, 240));
    window->resize(size + QSize(8, fontMetrics().height() + 12));
    window->show();
    view->setZoom(1);
    return window;
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
    // torchvision's CenterCrop pads an image smaller than the crop with zeros: say so where it happens.
    const bool padded
        = r.cropInResized.width() > r.resized.width() || r.cropInResized.height() > r.resized.height();
    m_crop->setCaption(padded ? tr("Crop %1, padded").arg(sizeText(r.cropped.size()))
                              : tr("Crop %1").arg(sizeText(r.cropped.size())));
    m_note->setText(padded ? tr("The crop (%1) is larger than the resized image (%2): torchvision pads it "
                                "with black (zeros) on every side, as the crop shows. Choose a resize of "
                                "at least the crop size to avoid it.")
                                 .arg(r.options.crop)
                                 .arg(sizeText(r.resized.size()))
                           : m_defaultNote);
    m_note->setStyleSheet(padded ? QStringLiteral("color: #a15c00;")
                                 : QStringLiteral("color: palette(mid);"));
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
    m_note->setText(m_defaultNote);
    for (ImageView* view :
         {m_original, m_resized, m_crop, m_channels[0], m_channels[1], m_channels[2], m_denormalised})
        view->clear();
}

} // namespace lens
