#pragma once

// Every stage the model sees for the selected image: the decoded original with the crop region, the
// resized image, the centre crop, the normalised tensor per channel and the tensor de-normalised, each
// with its size; and the preset editor that drives them. A double-click on a stage opens it at full size
// in a window of its own.

#include "WorkerTypes.h"

#include <QWidget>
#include <array>

class QLabel;

namespace lens {

class ImageView;
class PresetEditor;

class PreprocessPanel : public QWidget {
    Q_OBJECT

public:
    explicit PreprocessPanel(QWidget* parent = nullptr);

    PresetEditor* presetEditor() const { return m_editor; }
    void showStages(const ClassifyResult& result);
    void clear();

    ImageView* originalView() const { return m_original; }
    ImageView* resizedView() const { return m_resized; }
    ImageView* cropView() const { return m_crop; }
    ImageView* channelView(int c) const { return m_channels.at(std::size_t(c)); }
    /// Opens a stage at full size (100%, zoomable) in a window; returns it.
    QWidget* openStage(ImageView* stage);
    /// The note under the preset, e.g. that a crop larger than the resize is padded.
    QString noteText() const;

private:
    PresetEditor* m_editor = nullptr;
    QLabel* m_note = nullptr;
    ImageView* m_original = nullptr;
    ImageView* m_resized = nullptr;
    ImageView* m_crop = nullptr;
    std::array<ImageView*, 3> m_channels {};
    ImageView* m_denormalised = nullptr;
    QString m_defaultNote;
};

} // namespace lens
