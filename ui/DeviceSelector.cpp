#include "DeviceSelector.h"

#include "inference/Devices.h"

#include <QSignalBlocker>
#include <QStandardItemModel>

namespace lens {

DeviceSelector::DeviceSelector(QWidget* parent)
    : QComboBox(parent)
{
    setObjectName(QStringLiteral("deviceSelector"));
    const CudaStatus status = cudaStatus();
    m_cudaAvailable = status.available;
    m_cudaReason = QString::fromStdString(status.reason);
    addItem(tr("CPU"), QStringLiteral("cpu"));
    addItem(m_cudaAvailable ? tr("CUDA") : tr("CUDA (unavailable)"), QStringLiteral("cuda"));
    setItemData(1, m_cudaReason, Qt::ToolTipRole);
    if (!m_cudaAvailable) {
        if (auto* items = qobject_cast<QStandardItemModel*>(model()))
            items->item(1)->setEnabled(false);
    }
    setToolTip(m_cudaAvailable ? tr("Where the model runs (%1)").arg(m_cudaReason)
                               : tr("Where the model runs. CUDA is unavailable: %1").arg(m_cudaReason));
    connect(this, &QComboBox::activated, this,
            [this](int index) { Q_EMIT deviceChosen(itemData(index).toString()); });
}

QString DeviceSelector::device() const
{
    return currentData().toString();
}

bool DeviceSelector::setDevice(const QString& device)
{
    const int index = findData(device);
    if (index < 0 || (device == QLatin1String("cuda") && !m_cudaAvailable))
        return false;
    QSignalBlocker block(this);
    setCurrentIndex(index);
    return true;
}

} // namespace lens
