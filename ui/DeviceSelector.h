#pragma once

// Chooses where the model runs: CPU, or CUDA when LibTorch sees a GPU. Without one the CUDA entry is
// shown disabled, with the reason as its tooltip and in reason().

#include <QComboBox>

namespace lens {

class DeviceSelector : public QComboBox {
    Q_OBJECT

public:
    explicit DeviceSelector(QWidget* parent = nullptr);

    /// "cpu" or "cuda".
    QString device() const;
    /// Selects device without emitting deviceChosen; false if it is not available.
    bool setDevice(const QString& device);
    bool cudaAvailable() const { return m_cudaAvailable; }
    /// Why CUDA is unavailable (or how many GPUs there are).
    QString cudaReason() const { return m_cudaReason; }

Q_SIGNALS:
    /// The user chose a device.
    void deviceChosen(const QString& device);

private:
    bool m_cudaAvailable = false;
    QString m_cudaReason;
};

} // namespace lens
