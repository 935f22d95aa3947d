#pragma once

// Pretrained weights (Model > Pretrained Weights…): torchvision's ResNet-family weights from the catalog
// with their accuracy, size and cache state. "Use" loads cached weights with the preset they were trained
// with; "Download" fetches the selected entry into the torch.hub cache with progress (bytes, rate, ETA) and
// Cancel. Errors (offline, HTTP status, hash mismatch) show inline in the dialog's banner.
//
// Threading: downloads run in a DownloadWorker on the picker's own QThread ("WeightsDownload"), one at a
// time; the GUI thread only shows progress. Destroying the picker cancels a download and waits for it.

#include "weights/Catalog.h"

#include <QDialog>
#include <memory>
#include <vector>

class QLabel;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;
class QThread;

namespace lens {

class DownloadWorker;
template <typename Worker> class WorkerThread;
class MessageBanner;
class WeightsCatalogModel;

class WeightsPicker : public QDialog {
    Q_OBJECT

public:
    /// Shows entries (the whole catalog by default).
    explicit WeightsPicker(QWidget* parent = nullptr);
    explicit WeightsPicker(std::vector<WeightsInfo> entries, QWidget* parent = nullptr);
    ~WeightsPicker() override;

    /// Selects the entry with this catalog name; false when there is none.
    bool select(const QString& name);
    /// The selected entry's row in model(), -1 when none.
    int selectedRow() const;
    /// Uses the selected entry when it is cached (emits useRequested); false otherwise.
    bool use();
    /// Starts downloading the selected entry; false (with the reason) when it cannot start.
    bool download();
    void cancelDownload();
    /// Marks the weights the window classifies with (empty = none).
    void setWeightsInUse(const QString& path);
    bool downloading() const { return !m_downloading.isEmpty(); }

    WeightsCatalogModel* model() const { return m_model; }
    QTableView* view() const { return m_view; }
    MessageBanner* banner() const { return m_banner; }
    QProgressBar* progressBar() const { return m_progress; }
    QString progressText() const;
    QPushButton* useButton() const { return m_use; }
    QPushButton* downloadButton() const { return m_download; }
    QPushButton* cancelButton() const { return m_cancel; }
    QThread* workerThread() const;

Q_SIGNALS:
    /// Load these weights (a cached file) as arch, with their preset ("v1" / "v2").
    void useRequested(const QString& path, const QString& arch, const QString& preset, const QString& name);
    /// A download ended: ok = the file is in the cache.
    void downloadFinished(bool ok);

protected:
    void showEvent(QShowEvent* event) override;

private:
    void onProgress(qint64 done, qint64 total, double bytesPerSecond, double etaSeconds);
    void onFinished(const QString& name, const QString& path, const QString& error, bool cancelled,
                    double seconds, qint64 bytes);
    void updateButtons();
    void updateSource();

    std::unique_ptr<WorkerThread<DownloadWorker>> m_work;
    DownloadWorker* m_worker = nullptr; ///< m_work's
    WeightsCatalogModel* m_model = nullptr;
    QSortFilterProxyModel* m_sorted = nullptr;
    QTableView* m_view = nullptr;
    MessageBanner* m_banner = nullptr;
    QLabel* m_source = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_progressLabel = nullptr;
    QPushButton* m_use = nullptr;
    QPushButton* m_download = nullptr;
    QPushButton* m_cancel = nullptr;
    QString m_downloading; ///< catalog name of the download in progress
};

} // namespace lens
