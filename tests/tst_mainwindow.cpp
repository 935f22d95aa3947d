// The desktop window, driven for real under the offscreen platform: opening images, the top-5 against
// torchvision, preset changes, strict and partial checkpoint loading, the device selector, the no-weights
// state, and an event loop that keeps turning while the worker loads and classifies.

#include "AppSettings.h"
#include "BatchPanel.h"
#include "CheckpointReportModel.h"
#include "CheckpointReportView.h"
#include "DeviceSelector.h"
#include "ImageView.h"
#include "LoadCheckpointDialog.h"
#include "MainWindow.h"
#include "MessageBanner.h"
#include "PredictionModel.h"
#include "PreprocessPanel.h"
#include "PresetEditor.h"
#include "TestSupport.h"
#include "ThumbnailStrip.h"
#include "labels/Labels.h"
#include "support/GapMeter.h"
#include "support/PredictionIndices.h"
#include "support/TestWindows.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDesktopServices>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMimeData>
#include <QProcess>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <QUrl>
#include <QWheelEvent>
#include <memory>
#include <thread>

using namespace lens;

namespace {

constexpr int kModelTimeout = 120000;
const auto photo = test::photoFile;
const auto checkpoint = test::referenceFile;
using test::openAndWait;
using test::referenceTop5;
using test::waitForResult;

const auto indices = test::predictionIndices;

/// torchvision's top-1 over the first n logits of arch for a photo (what a head cut to n classes predicts).
int referenceTop1Within(const QString& photoName, const QString& preset, const QString& arch, int n)
{
    const QJsonArray logits = test::reference()["photos"][photoName][preset]["logits"][arch].toArray();
    int best = 0;
    for (int i = 1; i < n; ++i)
        if (logits[i].toDouble() > logits[best].toDouble())
            best = i;
    return best;
}

/// Pillow's verdict on an image file: {"refused": bool, ...} from the reference images' manifest.
QJsonObject manifestRow(const QString& file)
{
    const QJsonObject manifest = test::readJsonFile(checkpoint(QStringLiteral("images/manifest.json")));
    for (const auto& row : manifest["images"].toArray())
        if (row.toObject()["file"].toString() == file)
            return row.toObject();
    return {};
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    test::WindowFactory m_windows;

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        test::useEmptyTorchHome(m_dir.path());
        QVERIFY(QFileInfo(checkpoint(QStringLiteral("resnet50.pth"))).isFile());
    }

    void topFiveMatchesTorchvision_data()
    {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<QString>("photoName");
        QTest::addColumn<QString>("preset");
        QTest::newRow("resnet50 grace_hopper.jpg v1") << "resnet50"
                                                      << "grace_hopper.jpg"
                                                      << "v1";
        QTest::newRow("resnet50 chelsea.png v2") << "resnet50"
                                                 << "chelsea.png"
                                                 << "v2";
        QTest::newRow("resnet18 coffee.png v1") << "resnet18"
                                                << "coffee.png"
                                                << "v1";
    }

    void topFiveMatchesTorchvision()
    {
        QFETCH(QString, arch);
        QFETCH(QString, photoName);
        QFETCH(QString, preset);
        auto window = m_windows.make(checkpoint(arch + QStringLiteral(".pth")), preset);
        QCOMPARE(window->modelArch(), arch);
        QVERIFY(openAndWait(*window, photo(photoName)));

        QCOMPARE(indices(window->predictions()), referenceTop5(photoName, preset, arch));
        const QJsonArray probs = test::reference()["photos"][photoName][preset]["top5_prob"][arch].toArray();
        for (int i = 0; i < 5; ++i)
            QVERIFY2(std::abs(window->predictions()->scores()[i].probability - probs[i].toDouble()) < 1e-3,
                     qPrintable(QStringLiteral("rank %1").arg(i + 1)));
        QCOMPARE(window->predictions()->rowCount(), 5);
        QVERIFY(window->windowTitle().contains(QStringLiteral("ResNet Lens")));
        QVERIFY(window->windowTitle().contains(photoName));
        QVERIFY(window->statusText().contains(arch));
        QVERIFY(window->statusText().contains(QStringLiteral("ms")));
        // The model card says what runs: on the CPU, the oneDNN fast path.
        auto* info = window->findChild<QLabel*>(QStringLiteral("modelInfo"));
        QVERIFY(info);
        QVERIFY2(info->text().contains(QStringLiteral("CPU (oneDNN")), qPrintable(info->text()));
    }

    void presetChangeUpdatesPreviewsAndPredictions()
    {
        auto window = m_windows.make(checkpoint(QStringLiteral("resnet50.pth")), QStringLiteral("v1"));
        const QString path = photo(QStringLiteral("grace_hopper.jpg"));
        QVERIFY(openAndWait(*window, path));
        PreprocessPanel* panel = window->preprocessPanel();
        const QJsonObject ref = test::reference()["photos"]["grace_hopper.jpg"].toObject();
        const QSize resizedV1 = panel->resizedView()->image().size();
        QCOMPARE(resizedV1.width(), ref["v1"]["resized"]["width"].toInt());
        QCOMPARE(resizedV1.height(), ref["v1"]["resized"]["height"].toInt());
        const QRectF cropV1 = panel->originalView()->overlay();
        const std::vector<ClassScore> before = window->predictions()->scores();

        // The user types 232 into the resize box: that is the v2 preset.
        auto* resize = panel->presetEditor()->findChildren<QSpinBox*>().value(0);
        QVERIFY(resize);
        quint64 before_id = window->lastResult().id;
        resize->setValue(232);
        QCOMPARE(panel->presetEditor()->presetName(), QStringLiteral("v2"));
        QVERIFY(waitForResult(*window, path, true, before_id));
        const QSize resizedV2 = panel->resizedView()->image().size();
        QCOMPARE(resizedV2.width(), ref["v2"]["resized"]["width"].toInt());
        QCOMPARE(resizedV2.height(), ref["v2"]["resized"]["height"].toInt());
        const QRectF cropV2 = panel->originalView()->overlay();
        QVERIFY(cropV2.width() > cropV1.width()); // a smaller resize maps the 224 crop to more of the photo
        QCOMPARE(panel->cropView()->image().size(), QSize(224, 224));
        QCOMPARE(indices(window->predictions()),
                 referenceTop5(QStringLiteral("grace_hopper.jpg"), "v2", "resnet50"));
        QVERIFY(window->predictions()->scores()[0].probability != before[0].probability);

        // The crop region, mapped back onto the original, is centred and scaled by original / resized.
        const QSize original = window->lastResult().originalSize;
        const double scale = double(original.width()) / resizedV2.width();
        QVERIFY(std::abs(cropV2.width() - 224 * scale) < 1e-6);
        QVERIFY(std::abs(cropV2.center().x() - original.width() / 2.0) <= scale);

        // A custom crop size changes the crop preview.
        auto* crop = panel->presetEditor()->findChildren<QSpinBox*>().value(1);
        before_id = window->lastResult().id;
        crop->setValue(160);
        QCOMPARE(panel->presetEditor()->presetName(), QStringLiteral("custom"));
        QVERIFY(waitForResult(*window, path, true, before_id));
        QCOMPARE(panel->cropView()->image().size(), QSize(160, 160));
        QVERIFY(panel->originalView()->overlay().width() < cropV2.width());
    }

    void strictMismatchKeepsPreviousModel()
    {
        auto window = m_windows.make(checkpoint(QStringLiteral("resnet18.pth")));
        const QString path = photo(QStringLiteral("coffee.png"));
        QVERIFY(openAndWait(*window, path));
        const QList<int> before = indices(window->predictions());

        QSignalSpy loaded(window.get(), &MainWindow::modelLoadFinished);
        window->loadCheckpoint(checkpoint(QStringLiteral("resnet18.pth")), QStringLiteral("resnet34"),
                               LoadMode::Strict);
        QVERIFY(window->modelLoading());
        QVERIFY(loaded.wait(kModelTimeout));
        QCOMPARE(loaded.first().first().toBool(), false);
        const QString message = window->banner()->text();
        QVERIFY2(message.contains(QStringLiteral("Could not load resnet18.pth")), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("previous model (resnet18) is still in use")),
                 qPrintable(message));
        QCOMPARE(window->banner()->kind(), MessageBanner::Kind::Error);
        QCOMPARE(window->modelArch(), QStringLiteral("resnet18"));
        // The refused file still gets a report, from its names and shapes.
        QVERIFY(window->reportView()->model()->report().count(KeyStatus::Missing) > 0);
        QVERIFY(!window->reportView()->model()->report().loaded);

        // Still classifies with the old model.
        const quint64 after = window->lastResult().id;
        window->setPreprocess(PreprocessOptions::v1());
        QVERIFY(waitForResult(*window, path, true, after));
        QCOMPARE(window->lastResult().model, QStringLiteral("resnet18"));
        QCOMPARE(indices(window->predictions()), before);
    }

    // A checkpoint whose unpickling would run code in Python is refused in words that name the call, and
    // the model in use stays.
    void dangerousCheckpointIsRefused()
    {
        auto window = m_windows.make(checkpoint(QStringLiteral("resnet18.pth")));
        QVERIFY(openAndWait(*window, photo(QStringLiteral("coffee.png"))));
        QSignalSpy loaded(window.get(), &MainWindow::modelLoadFinished);
        window->loadCheckpoint(checkpoint(QStringLiteral("hostile/system_extra_key.pth")), {},
                               LoadMode::Strict, QStringLiteral("cuda"));
        QVERIFY(loaded.wait(kModelTimeout));
        QCOMPARE(loaded.first().first().toBool(), false);
        const QString message = window->banner()->text();
        QVERIFY2(message.contains(QStringLiteral("Refused system_extra_key.pth")), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("posix.system(")), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("Nothing in it was run")), qPrintable(message));
        QVERIFY2(!message.contains(QStringLiteral("--ignore")), qPrintable(message));
        QVERIFY2(!message.contains(QStringLiteral("CPU instead")),
                 "a dangerous file is not retried elsewhere");
        QCOMPARE(window->banner()->kind(), MessageBanner::Kind::Error);
        QCOMPARE(window->modelArch(), QStringLiteral("resnet18"));
        QVERIFY(!QFileInfo::exists(checkpoint(QStringLiteral("hostile/pwned"))));
    }

    void partialLoadReportsKeys_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("arch");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("key");
        QTest::newRow("resnet18.pth as resnet34: missing blocks")
            << "resnet18.pth"
            << "resnet34" << int(KeyStatus::Missing) << "layer1.2.conv1.weight";
        QTest::newRow("resnet50.pth as resnet34: unexpected conv3")
            << "resnet50.pth"
            << "resnet34" << int(KeyStatus::Unexpected) << "layer1.0.conv3.weight";
        QTest::newRow("resnet50.pth as resnet34: 1x1 vs 3x3 conv2")
            << "resnet50.pth"
            << "resnet34" << int(KeyStatus::ShapeMismatch) << "layer1.0.conv1.weight";
    }

    void partialLoadReportsKeys()
    {
        QFETCH(QString, file);
        QFETCH(QString, arch);
        QFETCH(int, status);
        QFETCH(QString, key);
        auto window = m_windows.make({});
        QSignalSpy loaded(window.get(), &MainWindow::modelLoadFinished);
        window->loadCheckpoint(checkpoint(file), arch, LoadMode::Partial);
        QVERIFY(loaded.wait(kModelTimeout));
        QCOMPARE(loaded.first().first().toBool(), true);
        QCOMPARE(window->modelArch(), arch);

        CheckpointReportView* view = window->reportView();
        const CheckpointReport& report = view->model()->report();
        QVERIFY(report.loaded);
        QVERIFY(report.count(KeyStatus::Matched) > 0);
        QVERIFY(report.count(static_cast<KeyStatus>(status)) > 0);
        QVERIFY(window->banner()->text().contains(QStringLiteral("partially")));
        QVERIFY(view->summaryText().contains(QStringLiteral("matched")));

        // The key is in the table with that status, and the filters find it.
        view->filterEdit()->setText(key);
        QSortFilterProxyModel* rows = view->filtered();
        QVERIFY(rows->rowCount() >= 1);
        bool found = false;
        for (int r = 0; r < rows->rowCount(); ++r) {
            QVERIFY(rows->index(r, CheckpointReportModel::Key).data().toString().contains(key));
            if (rows->index(r, CheckpointReportModel::Key).data().toString() == key) {
                found = true;
                QCOMPARE(rows->index(r, CheckpointReportModel::Status)
                             .data(CheckpointReportModel::StatusRole)
                             .toInt(),
                         status);
                QVERIFY(!rows->index(r, CheckpointReportModel::Shape).data().toString().isEmpty());
            }
        }
        QVERIFY(found);
        view->filterEdit()->clear();
        view->statusFilter()->setCurrentIndex(view->statusFilter()->findData(status));
        QCOMPARE(rows->rowCount(), report.count(static_cast<KeyStatus>(status)));
        if (static_cast<KeyStatus>(status) != KeyStatus::Missing)
            QCOMPARE(rows->index(0, CheckpointReportModel::DType).data().toString(),
                     QStringLiteral("float32"));
    }

    void cancelledLoadKeepsModel()
    {
        auto window = m_windows.make(checkpoint(QStringLiteral("resnet18.pth")));
        QSignalSpy loaded(window.get(), &MainWindow::modelLoadFinished);
        window->loadCheckpoint(checkpoint(QStringLiteral("resnet50.pth")));
        QVERIFY(window->modelLoading());
        window->cancelLoad();
        QVERIFY(!window->modelLoading());
        QVERIFY(window->banner()->text().contains(QStringLiteral("cancelled")));
        // The worker finishes the load, discards it, then classifies with the model it had.
        QVERIFY(openAndWait(*window, photo(QStringLiteral("coffee.png"))));
        QCOMPARE(window->lastResult().model, QStringLiteral("resnet18"));
        QCOMPARE(window->modelArch(), QStringLiteral("resnet18"));
        QCOMPARE(loaded.count(), 0);
    }

    void slowRuntimeWarnsInStatusBar()
    {
        {
            auto window = m_windows.make(checkpoint(QStringLiteral("resnet18.pth")));
            QVERIFY2(!window->statusText().contains(QStringLiteral("Slow")),
                     qPrintable(window->statusText()));
        }
        // What a user who set OMP_NUM_THREADS=1 on a multi-core machine gets.
        if (std::thread::hardware_concurrency() <= 1)
            QSKIP("one core: 1 thread is all this machine has, so no slowness warning is due");
        // The thread count is chosen when a model loads (inference/Threads.h); the next window's model
        // chooses it again without the variable.
        qputenv("OMP_NUM_THREADS", "1");
        auto window = m_windows.make(checkpoint(QStringLiteral("resnet18.pth")));
        const QString status = window->statusText();
        qunsetenv("OMP_NUM_THREADS");
        QVERIFY2(status.contains(QStringLiteral("Slow: inference runs on 1 thread")), qPrintable(status));
    }

    void unreadableImageShowsError()
    {
        auto window = m_windows.make(checkpoint(QStringLiteral("resnet18.pth")));
        const QString path = checkpoint(QStringLiteral("bad/text.jpg"));
        QVERIFY(openAndWait(*window, path, false));
        QVERIFY(!window->lastResult().error.isEmpty());
        QCOMPARE(window->banner()->kind(), MessageBanner::Kind::Error);
        QVERIFY2(window->banner()->text().contains(QStringLiteral("text.jpg")),
                 qPrintable(window->banner()->text()));
        QCOMPARE(window->predictions()->rowCount(), 0);
        // The next good image clears the way.
        QVERIFY(openAndWait(*window, photo(QStringLiteral("coffee.png"))));
        QCOMPARE(window->predictions()->rowCount(), 5);
    }

    void cudaUnavailableOnCpuBuild()
    {
        auto window = m_windows.make(checkpoint(QStringLiteral("resnet18.pth")));
        DeviceSelector* selector = window->deviceSelector();
        if (selector->cudaAvailable())
            QSKIP("this LibTorch sees a GPU");
        auto* items = qobject_cast<QStandardItemModel*>(selector->model());
        QVERIFY(items);
        QVERIFY(!items->item(selector->findData(QStringLiteral("cuda")))->isEnabled());
        QVERIFY(selector->cudaReason().contains(QStringLiteral("CUDA"))
                || selector->cudaReason().contains("GPU"));
        QVERIFY(selector->itemData(1, Qt::ToolTipRole).toString() == selector->cudaReason());

        QVERIFY(!window->selectDevice(QStringLiteral("cuda")));
        QCOMPARE(selector->device(), QStringLiteral("cpu"));
        QVERIFY(window->banner()->text().contains(QStringLiteral("CUDA is not available")));
        QCOMPARE(window->modelDevice(), QStringLiteral("cpu"));

        // Asked for CUDA anyway (as a saved setting could), the worker falls back to the CPU and says so.
        QSignalSpy loaded(window.get(), &MainWindow::modelLoadFinished);
        window->loadCheckpoint(checkpoint(QStringLiteral("resnet18.pth")), {}, LoadMode::Strict,
                               QStringLiteral("cuda"));
        QVERIFY(loaded.wait(kModelTimeout));
        QCOMPARE(loaded.first().first().toBool(), true);
        QCOMPARE(window->modelDevice(), QStringLiteral("cpu"));
        QVERIFY2(window->banner()->text().contains(QStringLiteral("using the CPU instead")),
                 qPrintable(window->banner()->text()));
    }

    void eventLoopKeepsTurning()
    {
        auto window = m_windows.make({});
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        QCOMPARE(window->workerThread()->objectName(), QStringLiteral("InferenceWorker"));
        QVERIFY(window->workerThread() != QThread::currentThread());

        test::GapMeter meter;
        QSignalSpy loaded(window.get(), &MainWindow::modelLoadFinished);
        QSignalSpy shown(window.get(), &MainWindow::resultShown);
        window->loadCheckpoint(checkpoint(QStringLiteral("resnet50.pth")));
        window->openPaths({photo(QStringLiteral("rocket.jpg"))});
        QVERIFY(loaded.wait(kModelTimeout));
        QVERIFY(waitForResult(*window, photo(QStringLiteral("rocket.jpg")), true, 0));
        const qint64 busyFor = meter.elapsed();
        const qint64 gap = meter.maxGap();
        qInfo("loading resnet50 and classifying took %lld ms; longest event-loop gap %lld ms", busyFor, gap);
        QVERIFY2(gap < 100, qPrintable(QStringLiteral("event loop stalled for %1 ms").arg(gap)));
    }

    void noWeightsOffersCheckpoint()
    {
        auto window = m_windows.make({});
        QVERIFY(window->modelArch().isEmpty());
        const QString message = window->banner()->text();
        QVERIFY2(message.contains(QStringLiteral("No model weights found")), qPrintable(message));
        QCOMPARE(window->banner()->action(), window->loadCheckpointAction());
        QVERIFY(window->loadCheckpointAction()->isEnabled());
        QVERIFY(window->windowTitle().contains(QStringLiteral("ResNet Lens")));

        // Images still open, with their preprocessing, but no predictions.
        QVERIFY(openAndWait(*window, photo(QStringLiteral("chelsea.png")), false));
        QCOMPARE(window->predictions()->rowCount(), 0);
        QCOMPARE(window->preprocessPanel()->cropView()->image().size(), QSize(224, 224));
    }

    void exifPhotoShownUpright()
    {
        auto window = m_windows.make({});
        const QString path = photo(QStringLiteral("hopper_exif_rot6.jpg"));
        QVERIFY(openAndWait(*window, path, false));
        const QSize shown = window->imageView()->image().size();
        const QSize decoded = window->lastResult().originalSize;
        // EXIF orientation 6 rotates by 90 degrees: the display swaps the sides the model sees.
        QCOMPARE(shown.width(), decoded.height());
        QCOMPARE(shown.height(), decoded.width());
    }

    void pastedImageIsClassified()
    {
        auto window = m_windows.make(checkpoint(QStringLiteral("resnet50.pth")));
        QImage image(photo(QStringLiteral("chelsea.png")));
        QVERIFY(!image.isNull());
        QGuiApplication::clipboard()->setImage(image);
        window->paste();
        QVERIFY(waitForResult(*window, QStringLiteral("Pasted image"), true, 0));
        QCOMPARE(indices(window->predictions()),
                 referenceTop5(QStringLiteral("chelsea.png"), "v1", "resnet50"));
    }

    // A file dragged from a file manager: the drag is accepted, and the drop opens and classifies it.
    void droppedFileIsClassified()
    {
        auto window = m_windows.make(checkpoint(QStringLiteral("resnet50.pth")));
        const QString path = photo(QStringLiteral("coffee.png"));
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(path)});
        const QPoint centre = window->rect().center();
        QDragEnterEvent enter(centre, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(window.get(), &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(centre, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(window.get(), &drop);
        QVERIFY(waitForResult(*window, path, true, 0));
        QCOMPARE(indices(window->predictions()),
                 referenceTop5(QStringLiteral("coffee.png"), "v1", "resnet50"));

        // Plain text is not something to open: the drag is refused.
        QMimeData text;
        text.setText(QStringLiteral("not a file"));
        QDragEnterEvent refused(centre, Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
        refused.ignore();
        QApplication::sendEvent(window.get(), &refused);
        QVERIFY(!refused.isAccepted());
    }

    void folderNavigation()
    {
        auto window = m_windows.make({});
        window->openPaths({test::dataDir()});
        ThumbnailStrip* strip = window->thumbnails();
        QTRY_VERIFY_WITH_TIMEOUT(!strip->files().isEmpty(), 20000);
        const QStringList files = strip->files();
        QVERIFY(files.size() >= 10);
        QVERIFY(waitForResult(*window, files.first(), false, 0));
        QVERIFY(window->showNext());
        QCOMPARE(strip->currentFile(), files.at(1));
        QVERIFY(waitForResult(*window, files.at(1), false, 0));
        // Keyboard: the arrow keys move through the list.
        strip->setFocus();
        QTest::keyClick(strip, Qt::Key_Down);
        QCOMPARE(strip->currentFile(), files.at(2));
        QVERIFY(waitForResult(*window, files.at(2), false, 0));
        QVERIFY(window->showPrevious());
        QVERIFY(window->showPrevious());
        QVERIFY(waitForResult(*window, files.first(), false, 0));
        QVERIFY(window->showPrevious()); // wraps around
        QVERIFY(waitForResult(*window, files.last(), false, 0));
        QTRY_VERIFY_WITH_TIMEOUT(!strip->busy(), 30000);
    }

    void settingsPersist()
    {
        const QString file = m_dir.filePath(QStringLiteral("persist.ini"));
        {
            auto window
                = m_windows.make(checkpoint(QStringLiteral("resnet18.pth")), QStringLiteral("v1"), file);
            QVERIFY(openAndWait(*window, photo(QStringLiteral("coffee.png"))));
            window->setPreprocess(PreprocessOptions::v2());
            window->close();
        }
        AppSettings settings(file);
        QCOMPARE(settings.weights(), checkpoint(QStringLiteral("resnet18.pth")));
        QCOMPARE(settings.preset().resizeShort, 232);
        QCOMPARE(settings.recentFiles().value(0), photo(QStringLiteral("coffee.png")));
        QVERIFY(!settings.geometry().isEmpty());

        // A new window starts from them: the saved weights load without being named.
        MainWindowOptions options;
        options.settingsFile = file;
        MainWindow window(options);
        QSignalSpy loaded(&window, &MainWindow::modelLoadFinished);
        QVERIFY(loaded.wait(kModelTimeout));
        QCOMPARE(window.modelArch(), QStringLiteral("resnet18"));
        QCOMPARE(window.preprocessPanel()->presetEditor()->presetName(), QStringLiteral("v2"));
    }

    // Model > Fast bf16 Inference reloads the model in bf16, the model card says so, and the choice persists.
    // Where the CPU lacks bf16 (by /proc/cpuinfo), the item is disabled and its tooltip says why.
    void bf16SettingPersists()
    {
        const QString file = m_dir.filePath(QStringLiteral("bf16.ini"));
        {
            auto window
                = m_windows.make(checkpoint(QStringLiteral("resnet18.pth")), QStringLiteral("v1"), file);
            QVERIFY(openAndWait(*window, photo(QStringLiteral("coffee.png"))));
            auto* action = window->findChild<QAction*>(QStringLiteral("bf16Action"));
            QVERIFY(action);
            auto* info = window->findChild<QLabel*>(QStringLiteral("modelInfo"));
            QVERIFY(info);
            QVERIFY2(info->text().contains(QStringLiteral("fp32 (exact)")), qPrintable(info->text()));
            if (!test::cpuHasBf16()) {
                QVERIFY(!action->isEnabled());
                QVERIFY2(action->toolTip().contains(QString(test::kBf16Refusal)),
                         qPrintable(action->toolTip()));
                return;
            }
            QVERIFY(action->isEnabled() && !action->isChecked());
            QSignalSpy loaded(window.get(), &MainWindow::modelLoadFinished);
            action->setChecked(true);
            QVERIFY(loaded.wait(kModelTimeout));
            QVERIFY2(info->text().contains(QStringLiteral("bf16")), qPrintable(info->text()));
            window->close();
        }
        QCOMPARE(AppSettings(file).precision(), Precision::Bf16);
        MainWindowOptions options;
        options.settingsFile = file;
        MainWindow window(options);
        QSignalSpy loaded(&window, &MainWindow::modelLoadFinished);
        QVERIFY(loaded.wait(kModelTimeout));
        QVERIFY(window.findChild<QAction*>(QStringLiteral("bf16Action"))->isChecked());
        QVERIFY(window.findChild<QLabel*>(QStringLiteral("modelInfo"))
                    ->text()
                    .contains(QStringLiteral("· bf16")));
    }

    void batchSelectionPersists()
    {
        const QString file = m_dir.filePath(QStringLiteral("batch.ini"));
        const QString folder = m_dir.filePath(QStringLiteral("to_label"));
        QVERIFY(QDir().mkpath(folder));
        const QString output = m_dir.filePath(QStringLiteral("labels.jsonl"));
        {
            auto window = m_windows.make({}, QStringLiteral("v1"), file);
            window->batchPanel()->setOutput(output);
            window->batchPanel()->setFolders({folder});
        }
        QCOMPARE(AppSettings(file).batchFolders(), QStringList {folder});
        QCOMPARE(AppSettings(file).batchOutput(), output);

        auto window = m_windows.make({}, QStringLiteral("v1"), file);
        window->showBatchPanel();
        QCOMPARE(window->batchPanel()->folders(), QStringList {folder});
        QCOMPARE(window->batchPanel()->output(), output);
    }

    void activationMapFollowsTheSelectedClass()
    {
        auto window = m_windows.make(checkpoint(QStringLiteral("resnet18.pth")));
        const QString path = photo(QStringLiteral("hopper_exif_rot6.jpg"));
        QVERIFY(openAndWait(*window, path));
        QVERIFY(window->imageView()->heat().isNull());
        const quint64 before = window->lastResult().id;
        window->camAction()->setChecked(true); // the maps come with a new result from the worker
        QVERIFY(waitForResult(*window, path, true, before));
        const ClassifyResult& result = window->lastResult();
        QCOMPARE(result.heat.size(), result.top.size());
        const QImage top = window->imageView()->heat();
        QVERIFY(!top.isNull());
        QCOMPARE(top.size(), window->imageView()->image().size()); // upright, as the photo is shown
        QVERIFY(!window->preprocessPanel()->cropView()->heat().isNull());

        auto* table = window->findChild<QTableView*>(QStringLiteral("predictionsView"));
        QVERIFY(table);
        table->setCurrentIndex(table->model()->index(2, 0));
        QCOMPARE(window->mapRank(), 2);
        QVERIFY(window->imageView()->heat() != top);

        window->mapOpacity()->setValue(80);
        QTemporaryDir dir;
        const QString saved = dir.filePath(QStringLiteral("overlay.png"));
        QVERIFY(window->saveOverlay(saved));
        QCOMPARE(QImage(saved).size(), window->imageView()->image().size());

        window->camAction()->setChecked(false);
        QVERIFY(window->imageView()->heat().isNull());
        QVERIFY(!window->saveOverlay(saved));
    }

    void everyShortcutIsNamedInItsTooltip()
    {
        auto window = m_windows.make({});
        int bound = 0;
        for (const QAction* action : window->findChildren<QAction*>()) {
            for (const QKeySequence& key : action->shortcuts()) {
                const QString name = key.toString(QKeySequence::NativeText);
                QVERIFY2(action->toolTip().contains(name),
                         qPrintable(action->text() + ": tooltip '" + action->toolTip() + "' lacks " + name));
                ++bound;
            }
        }
        QVERIFY2(bound >= 14, qPrintable(QString::number(bound))); // the window's own shortcuts
    }

    // Fresh settings and a torch.hub cache with torchvision's V2 resnet50 file: the preset is v2, as the CLI
    // picks, and it still is after a restart; the user's own choice of preset is what stays instead.
    void presetFollowsWeightsAcrossRestarts()
    {
        QTemporaryDir home;
        QVERIFY(QDir().mkpath(home.filePath(QStringLiteral("hub/checkpoints"))));
        QVERIFY(QFile::copy(checkpoint(QStringLiteral("resnet50.pth")),
                            home.filePath(QStringLiteral("hub/checkpoints/resnet50-11ad3fa6.pth"))));
        const QByteArray saved = qgetenv("TORCH_HOME");
        qputenv("TORCH_HOME", home.path().toUtf8());
        const QString settings = m_dir.filePath(QStringLiteral("restart.ini"));
        const QString name = QStringLiteral("grace_hopper.jpg");
        const auto run = [&](const QString& expected) {
            MainWindowOptions options;
            options.settingsFile = settings;
            MainWindow window(options);
            QSignalSpy loaded(&window, &MainWindow::modelLoadFinished);
            QVERIFY(loaded.wait(kModelTimeout));
            window.show();
            PresetEditor* editor = window.preprocessPanel()->presetEditor();
            QCOMPARE(editor->presetName(), expected);
            QVERIFY(openAndWait(window, photo(name)));
            QCOMPARE(indices(window.predictions()), referenceTop5(name, expected, "resnet50"));
            // What is shown was made with the preset shown.
            QCOMPARE(window.lastResult().options.resizeShort, editor->options().resizeShort);
            window.close();
        };
        run(QStringLiteral("v2"));
        run(QStringLiteral("v2"));
        {
            MainWindowOptions options;
            options.settingsFile = settings;
            MainWindow window(options);
            QSignalSpy loaded(&window, &MainWindow::modelLoadFinished);
            QVERIFY(loaded.wait(kModelTimeout));
            window.setPreprocess(PreprocessOptions::v1()); // the user's choice
            window.close();
        }
        run(QStringLiteral("v1"));
        qputenv("TORCH_HOME", saved);
    }

    // A prediction made with settings that are no longer on screen is never shown.
    void noPredictionWithAnotherPreset()
    {
        auto window = m_windows.make(checkpoint(QStringLiteral("resnet18.pth")));
        const QString path = photo(QStringLiteral("coffee.png"));
        QVERIFY(openAndWait(*window, path));
        window->setPreprocess(PreprocessOptions::v2());
        window->setPreprocess(PreprocessOptions::v1());
        QVERIFY(waitForResult(*window, path, true, window->lastResult().id));
        QCOMPARE(window->lastResult().options.resizeShort, 256);
        QCOMPARE(indices(window->predictions()),
                 referenceTop5(QStringLiteral("coffee.png"), "v1", "resnet18"));
    }

    // Each message goes when the state it is about does.
    void messagesGoWithTheirState()
    {
        QTemporaryDir dir;
        QVERIFY(QDir().mkpath(dir.filePath(QStringLiteral("nested/deeper"))));
        QVERIFY(QFile::copy(photo(QStringLiteral("coffee.png")),
                            dir.filePath(QStringLiteral("nested/deeper/a.png"))));
        auto window = m_windows.make({});
        QVERIFY(window->predictionsTitle()->text().startsWith(QStringLiteral("No model loaded")));

        // A folder with images only in a subfolder, then Include Subfolders: listed again, message gone.
        window->recursiveAction()->setChecked(false);
        window->openPaths({dir.filePath(QStringLiteral("nested"))});
        QTRY_VERIFY_WITH_TIMEOUT(window->banner()->text().contains(QStringLiteral("No images found")), 20000);
        window->recursiveAction()->setChecked(true);
        QTRY_COMPARE_WITH_TIMEOUT(window->thumbnails()->files().size(), 1, 20000);
        QVERIFY(waitForResult(*window, dir.filePath(QStringLiteral("nested/deeper/a.png")), false, 0));
        QVERIFY2(window->banner()->text().isEmpty(), qPrintable(window->banner()->text()));
        window->recursiveAction()->setChecked(false);

        // Nothing on the clipboard, then an image opened.
        QGuiApplication::clipboard()->setText(QStringLiteral("not a file"));
        window->paste();
        QVERIFY(window->banner()->text().contains(QStringLiteral("Nothing to open")));
        QVERIFY(openAndWait(*window, photo(QStringLiteral("chelsea.png")), false));
        QVERIFY2(window->banner()->text().isEmpty(), qPrintable(window->banner()->text()));

        // A model loaded: no "No model loaded" heading over its card.
        QSignalSpy loaded(window.get(), &MainWindow::modelLoadFinished);
        window->loadCheckpoint(checkpoint(QStringLiteral("resnet18.pth")));
        QVERIFY(loaded.wait(kModelTimeout));
        QVERIFY2(!window->predictionsTitle()->text().contains(QStringLiteral("No model")),
                 qPrintable(window->predictionsTitle()->text()));
        QVERIFY(waitForResult(*window, photo(QStringLiteral("chelsea.png")), true, 0));

        // Onto a broken image: no heading or inference time of the previous one.
        QVERIFY(openAndWait(*window, checkpoint(QStringLiteral("bad/text.jpg")), false));
        QVERIFY2(!window->predictionsTitle()->text().startsWith(QStringLiteral("Top-5 ·")),
                 qPrintable(window->predictionsTitle()->text()));
        QVERIFY2(!window->statusText().contains(QStringLiteral("ms")), qPrintable(window->statusText()));
        QCOMPARE(window->predictions()->rowCount(), 0);
    }

    // --device cuda where there is no CUDA: the fallback is said, and stays said once the model loads.
    void cudaFallbackAtStartIsSaid()
    {
        auto probe = m_windows.make({});
        if (probe->deviceSelector()->cudaAvailable())
            QSKIP("this LibTorch sees a GPU");
        MainWindowOptions options;
        options.settingsFile = m_dir.filePath(QStringLiteral("cuda.ini"));
        options.weights = checkpoint(QStringLiteral("resnet18.pth"));
        options.device = QStringLiteral("cuda");
        MainWindow window(options);
        QSignalSpy loaded(&window, &MainWindow::modelLoadFinished);
        QVERIFY(loaded.wait(kModelTimeout));
        QVERIFY2(window.banner()->text().contains(QStringLiteral("CUDA is not available")),
                 qPrintable(window.banner()->text()));
        QCOMPARE(window.modelDevice(), QStringLiteral("cpu"));
    }

    // Captions elide with the whole text as a tooltip; a double-click opens a stage at full size; the main
    // image zooms to fit, to 100% and with the wheel.
    void captionsAndZoom()
    {
        auto window = m_windows.make({});
        window->resize(900, 700);
        const QString path = photo(QStringLiteral("grace_hopper.jpg"));
        QVERIFY(openAndWait(*window, path, false));
        PreprocessPanel* panel = window->preprocessPanel();
        ImageView* channel = panel->channelView(0);
        channel->resize(60, channel->height());
        QVERIFY(channel->captionElided());
        QVERIFY(channel->shownToolTip().startsWith(channel->caption()));

        ImageView* original = panel->originalView();
        QTest::mouseDClick(original, Qt::LeftButton, {}, original->rect().center());
        QDialog* stage = nullptr;
        QTRY_VERIFY((stage = panel->findChild<QDialog*>(QStringLiteral("stageWindow"))) != nullptr);
        auto* big = stage->findChild<ImageView*>();
        QVERIFY(big);
        QCOMPARE(big->image().size(), original->image().size());
        QCOMPARE(big->scale(), 1.0);
        stage->close();

        ImageView* image = window->imageView();
        QCOMPARE(image->zoom(), 0.0);
        const double fit = image->scale();
        image->setZoom(1);
        QCOMPARE(image->scale(), 1.0);
        QWheelEvent wheel(QPointF(image->rect().center()),
                          image->mapToGlobal(QPointF(image->rect().center())), {}, QPoint(0, 120),
                          Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(image, &wheel);
        QVERIFY(image->scale() > 1.0);
        image->setZoom(0);
        QCOMPARE(image->scale(), fit);

        // EXIF orientation 6: shown upright and captioned with the upright size, which Pillow's decode
        // (EXIF ignored) has the other way round.
        const QString rotated = photo(QStringLiteral("hopper_exif_rot6.jpg"));
        QVERIFY(openAndWait(*window, rotated, false));
        const QSize decoded = window->lastResult().originalSize;
        QVERIFY2(
            image->caption().endsWith(QStringLiteral("%1×%2").arg(decoded.height()).arg(decoded.width())),
            qPrintable(image->caption()));
    }

    // A crop larger than the resize: torchvision pads; the panel says so.
    void cropLargerThanResizeIsExplained()
    {
        auto window = m_windows.make({});
        const QString path = photo(QStringLiteral("coffee.png"));
        QVERIFY(openAndWait(*window, path, false));
        PreprocessOptions options = PreprocessOptions::v1();
        options.resizeShort = 200;
        options.crop = 224;
        const quint64 before = window->lastResult().id;
        window->setPreprocess(options);
        QVERIFY(waitForResult(*window, path, false, before));
        QVERIFY(window->preprocessPanel()->noteText().contains(QStringLiteral("pads")));
        QVERIFY(window->preprocessPanel()->cropView()->caption().contains(QStringLiteral("padded")));
        window->setPreprocess(PreprocessOptions::v1());
        QVERIFY(waitForResult(*window, path, false, before + 1));
        QVERIFY(!window->preprocessPanel()->noteText().contains(QStringLiteral("pads")));
    }

    void thumbnailVerdictIsTheDecoders_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>(
            "script"); ///< Python that writes the file (argv[1]) and prints Pillow's verdict
        for (const char* file : {"images/tiff_rgb.tif", "images/tiff_rgb_jpeg.tif", "images/webp_lossy.webp",
                                 "images/webp_lossless_alpha.webp", "images/jpeg_truncated.jpg",
                                 "images/png_truncated.png", "images/webp_truncated.webp"})
            QTest::newRow(file) << QString::fromLatin1(file) << QString();
        const QString verdict
            = QStringLiteral("\ntry:\n    Image.open(sys.argv[1]).convert('RGB'); print('read')\n"
                             "except OSError:\n    print('refused')\n");
        QTest::newRow("a PNG 4000 pixels wide and 3 high")
            << QString()
            << QStringLiteral("import sys\nfrom PIL import Image\n"
                              "Image.new('RGB', (4000, 3), (200, 40, 40)).save(sys.argv[1], 'PNG')")
                + verdict;
        QTest::newRow("rocket.jpg (decoded reduced for its thumbnail) cut to two thirds")
            << QString()
            << QStringLiteral("import sys\nfrom PIL import Image\ndata = open('%1', 'rb').read()\n"
                              "open(sys.argv[1], 'wb').write(data[: len(data) * 2 // 3])")
                    .arg(photo(QStringLiteral("rocket.jpg")))
                + verdict;
    }

    // A thumbnail carries a warning exactly when Pillow refuses the file (the reference manifest, or Pillow
    // asked here), which is when classification refuses it.
    void thumbnailVerdictIsTheDecoders()
    {
        QFETCH(QString, file);
        QFETCH(QString, script);
        QTemporaryDir dir;
        QString path;
        bool refused = false;
        if (file.isEmpty()) {
            path = dir.filePath(QStringLiteral("made.img"));
            QProcess python;
            python.start(QStringLiteral("/usr/bin/python3"), {QStringLiteral("-c"), script, path});
            QVERIFY(python.waitForFinished(60000));
            const QByteArray said = python.readAllStandardOutput().trimmed();
            QVERIFY2(said == "read" || said == "refused", python.readAllStandardError().constData());
            refused = said == "refused";
        } else {
            const QJsonObject row = manifestRow(file);
            QVERIFY2(!row.isEmpty(), qPrintable(file));
            path = checkpoint(file);
            refused = row["refused"].toBool();
        }
        auto window = m_windows.make({});
        window->thumbnails()->setFiles({path});
        QTRY_VERIFY_WITH_TIMEOUT(window->thumbnails()->thumbnailReady(path), 30000);
        QCOMPARE(window->thumbnails()->flagged(path), refused);
        QTRY_VERIFY_WITH_TIMEOUT(window->lastResult().source == path, 30000);
        QCOMPARE(window->lastResult().upright.isNull(), refused);
    }

    // Every thumbnail sits in the middle of the list, whatever its name's length and picture's shape.
    void thumbnailsAreCentred()
    {
        QTemporaryDir dir;
        const QStringList files
            = {photo(QStringLiteral("rocket.jpg")), dir.filePath(QStringLiteral("a.png")),
               dir.filePath(QStringLiteral("a name far too long to fit under its thumbnail at all.png"))};
        QVERIFY(QImage(photo(QStringLiteral("rocket.jpg"))).scaled(300, 40).save(files[1]));
        QVERIFY(QImage(photo(QStringLiteral("rocket.jpg"))).scaled(40, 300).save(files[2]));
        auto window = m_windows.make({});
        ThumbnailStrip* strip = window->thumbnails();
        strip->setFiles(files);
        for (const QString& file : files)
            QTRY_VERIFY_WITH_TIMEOUT(strip->thumbnailReady(file), 30000);
        const int middle = strip->viewport()->width() / 2;
        for (int row = 0; row < files.size(); ++row) {
            const QRect cell = strip->visualRect(strip->model()->index(row, 0));
            QVERIFY2(std::abs(cell.center().x() - middle) <= 2,
                     qPrintable(QStringLiteral("%1: cell %2..%3 in a list %4 wide")
                                    .arg(files[row])
                                    .arg(cell.left())
                                    .arg(cell.right())
                                    .arg(strip->viewport()->width())));
            QVERIFY(cell.right() < strip->viewport()->width());
        }
    }

    // The report dock opens without widening the window; a new report starts unfiltered; a strict
    // mismatch says what follows its colon; a file that is no checkpoint is not "an unknown architecture".
    void checkpointReportLayoutAndWords()
    {
        auto window = m_windows.make(checkpoint(QStringLiteral("resnet18.pth")));
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        const int width = window->width();
        QAction* toggle = window->findChild<QDockWidget*>(QStringLiteral("reportDock"))->toggleViewAction();
        toggle->trigger();
        QTRY_VERIFY(window->reportView()->isVisible());
        QCOMPARE(window->width(), width);
        // The dock opens wide enough for a ResNet's longest key and its shape; the image area gives the room.
        QDockWidget* dock = window->findChild<QDockWidget*>(QStringLiteral("reportDock"));
        QTRY_VERIFY2(dock->width() >= 520,
                     qPrintable(QStringLiteral("%1 of %2").arg(dock->width()).arg(window->width())));
        // ...and the top-5 keeps room for its class names.
        QVERIFY2(window->predictionsView()->width() >= 360,
                 qPrintable(QString::number(window->predictionsView()->width())));
        toggle->trigger();
        QCOMPARE(window->width(), width);

        CheckpointReportView* view = window->reportView();
        QSignalSpy loaded(window.get(), &MainWindow::modelLoadFinished);
        window->loadCheckpoint(checkpoint(QStringLiteral("resnet18.pth")), QStringLiteral("resnet34"),
                               LoadMode::Strict);
        QVERIFY(loaded.wait(kModelTimeout));
        QVERIFY2(!view->detailsText().contains(QStringLiteral(":\n"))
                     && !view->detailsText().endsWith(QLatin1Char(':')),
                 qPrintable(view->detailsText()));
        QVERIFY2(view->detailsText().contains(QStringLiteral("missing")), qPrintable(view->detailsText()));
        // The Shape column fits its widest shape.
        QTableView* table = view->table();
        int widest = 0;
        for (int r = 0; r < table->model()->rowCount(); ++r)
            widest = std::max(widest,
                              table->fontMetrics().horizontalAdvance(
                                  table->model()->index(r, CheckpointReportModel::Shape).data().toString()));
        QVERIFY2(table->horizontalHeader()->sectionSize(CheckpointReportModel::Shape) >= widest,
                 qPrintable(QStringLiteral("%1 < %2")
                                .arg(table->horizontalHeader()->sectionSize(CheckpointReportModel::Shape))
                                .arg(widest)));
        // And so does the Key column its longest key, in a dock opened where the window has the room.
        window->resize(1800, window->height());
        toggle->trigger();
        QTRY_VERIFY(!view->isVisible());
        toggle->trigger();
        QTRY_VERIFY(view->isVisible());
        int widestKey = 0;
        for (int r = 0; r < table->model()->rowCount(); ++r)
            widestKey = std::max(widestKey,
                                 table->fontMetrics().horizontalAdvance(
                                     table->model()->index(r, CheckpointReportModel::Key).data().toString()));
        QTRY_VERIFY2(table->horizontalHeader()->sectionSize(CheckpointReportModel::Key) >= widestKey + 8,
                     qPrintable(QStringLiteral("%1 < %2 (report %3 of %4, ideal %5)")
                                    .arg(table->horizontalHeader()->sectionSize(CheckpointReportModel::Key))
                                    .arg(widestKey)
                                    .arg(view->width())
                                    .arg(window->width())
                                    .arg(view->idealWidth())));

        view->statusFilter()->setCurrentIndex(view->statusFilter()->findData(int(KeyStatus::Unexpected)));
        view->filterEdit()->setText(QStringLiteral("layer4"));
        loaded.clear();
        window->loadCheckpoint(checkpoint(QStringLiteral("bad/text.jpg")));
        QVERIFY(loaded.wait(kModelTimeout));
        QVERIFY(view->filterEdit()->text().isEmpty());
        QCOMPARE(view->statusFilter()->currentData().toInt(), -1);
        QVERIFY2(!view->summaryText().contains(QStringLiteral("unknown architecture")),
                 qPrintable(view->summaryText()));
    }

    // A labels file given in the Load Checkpoint dialog names the classes, and comes back with the
    // checkpoint after a restart.
    void labelsFileNamesClasses()
    {
        QTemporaryDir dir;
        const QString labels = dir.filePath(QStringLiteral("labels.txt"));
        QFile file(labels);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QStringList names;
        for (int i = 0; i < 10; ++i)
            names << QStringLiteral("sort %1").arg(i);
        file.write(names.join(QLatin1Char('\n')).toUtf8() + "\n");
        file.close();
        const QString weights = checkpoint(QStringLiteral("resnet18_10cls.pth"));
        const QString settings = m_dir.filePath(QStringLiteral("labels.ini"));
        const QString name = QStringLiteral("coffee.png");
        const int top1 = referenceTop1Within(name, "v1", "resnet18", 10);
        {
            auto window = m_windows.make({}, QStringLiteral("v1"), settings);
            QSignalSpy loaded(window.get(), &MainWindow::modelLoadFinished);
            window->loadCheckpoint(weights, {}, LoadMode::Strict, {}, {}, labels);
            QVERIFY(loaded.wait(kModelTimeout));
            QCOMPARE(loaded.first().first().toBool(), true);
            QVERIFY(openAndWait(*window, photo(name)));
            QCOMPARE(window->predictions()->scores().front().index, top1);
            QCOMPARE(QString::fromStdString(window->predictions()->scores().front().label), names[top1]);
            window->close();
        }
        auto window = m_windows.make({}, QStringLiteral("v1"), settings);
        QSignalSpy loaded(window.get(), &MainWindow::modelLoadFinished);
        QVERIFY(loaded.wait(kModelTimeout));
        QVERIFY(openAndWait(*window, photo(name)));
        QCOMPARE(QString::fromStdString(window->predictions()->scores().front().label), names[top1]);
    }

    // The dialog offers a labels file, remembers it per checkpoint, and lists .safetensors files.
    void loadCheckpointDialogFields()
    {
        QVERIFY(LoadCheckpointDialog::checkpointFilter().contains(QStringLiteral("*.safetensors")));
        LoadCheckpointDialog dialog;
        dialog.setLabelsLookup([](const QString& weights) {
            return weights.endsWith(QStringLiteral("a.pth")) ? QStringLiteral("/labels/a.txt") : QString();
        });
        auto* path = dialog.findChildren<QLineEdit*>().value(0);
        QVERIFY(path);
        path->setFocus();
        QTest::keyClicks(path, QStringLiteral("/x/a.pth"));
        QCOMPARE(dialog.labels(), QStringLiteral("/labels/a.txt"));
        QTest::keyClicks(path, QStringLiteral("x"));
        QCOMPARE(dialog.labels(), QString());
    }

    // torch.save of an object whose only content is an os.system call: refused in words that name the
    // callable (posix.system), not "holds no state dict".
    void maliciousPickleNamesTheCallable()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("only_system.pth"));
        const QString marker = dir.filePath(QStringLiteral("ran"));
        QProcess python;
        python.start(QStringLiteral("/usr/bin/python3"),
                     {QStringLiteral("-c"),
                      QStringLiteral("import os, sys, torch\n"
                                     "class Payload:\n"
                                     "    def __reduce__(self):\n"
                                     "        return (os.system, ('touch ' + sys.argv[2],))\n"
                                     "torch.save(Payload(), sys.argv[1])\n"),
                      path, marker});
        QVERIFY(python.waitForFinished(120000));
        QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
        auto window = m_windows.make({});
        QSignalSpy loaded(window.get(), &MainWindow::modelLoadFinished);
        window->loadCheckpoint(path);
        QVERIFY(loaded.wait(kModelTimeout));
        QVERIFY2(window->banner()->text().contains(QStringLiteral("posix.system")),
                 qPrintable(window->banner()->text()));
        QVERIFY(!QFileInfo::exists(marker));
    }

    // Copy takes the whole top-5; the context menus offer copy, JSON and the containing folder; Help has an
    // About box with the versions.
    void copyMenusAndAbout()
    {
        auto window = m_windows.make(checkpoint(QStringLiteral("resnet18.pth")));
        const QString name = QStringLiteral("coffee.png");
        QVERIFY(openAndWait(*window, photo(name)));
        QTableView* table = window->predictionsView();
        table->setFocus();
        table->setCurrentIndex(table->model()->index(2, 1));
        QGuiApplication::clipboard()->clear();
        QTest::keySequence(table, QKeySequence::Copy);
        const QStringList lines = QGuiApplication::clipboard()->text().split(QLatin1Char('\n'));
        QCOMPARE(lines.size(), 5);
        const QList<int> reference = referenceTop5(name, "v1", "resnet18");
        for (int i = 0; i < 5; ++i)
            QCOMPARE(lines[i].split(QLatin1Char('\t')).value(2).toInt(), reference[i]);
        const QJsonObject json = QJsonDocument::fromJson(window->predictionsJson().toUtf8()).object();
        QCOMPARE(json["path"].toString(), photo(name));
        QCOMPARE(json["top"].toArray().size(), 5);
        QCOMPARE(json["top"].toArray()[0].toObject()["index"].toInt(), reference[0]);
        QCOMPARE(table->contextMenuPolicy(), Qt::CustomContextMenu);
        QCOMPARE(window->imageView()->contextMenuPolicy(), Qt::CustomContextMenu);

        // The top-5's menu: Copy as JSON puts the same JSON; the classifier's keys in the report.
        std::unique_ptr<QMenu> menu(window->makePredictionsMenu());
        QGuiApplication::clipboard()->clear();
        test::menuAction(menu.get(), QStringLiteral("Copy as JSON"))->trigger();
        QCOMPARE(QGuiApplication::clipboard()->text(), window->predictionsJson());
        test::menuAction(menu.get(), QStringLiteral("Show the Classifier in the Checkpoint Report"))
            ->trigger();
        QTRY_VERIFY(window->reportView()->isVisible());
        QCOMPARE(window->reportView()->filtered()->rowCount(), 2); // fc.weight and fc.bias
        for (int r = 0; r < 2; ++r)
            QVERIFY(window->reportView()
                        ->filtered()
                        ->index(r, CheckpointReportModel::Key)
                        .data()
                        .toString()
                        .startsWith(QStringLiteral("fc.")));
        // The image's menu: the picture shown, its path, its folder.
        menu.reset(window->makeImageMenu());
        test::menuAction(menu.get(), QStringLiteral("Copy Image"))->trigger();
        QCOMPARE(QGuiApplication::clipboard()->image().size(), window->imageView()->image().size());
        test::menuAction(menu.get(), QStringLiteral("Copy Path"))->trigger();
        QCOMPARE(QGuiApplication::clipboard()->text(), photo(name));
        test::UrlCatcher desktop;
        QDesktopServices::setUrlHandler(QStringLiteral("file"), &desktop, "open");
        test::menuAction(menu.get(), QStringLiteral("Open Containing Folder"))->trigger();
        QDesktopServices::unsetUrlHandler(QStringLiteral("file"));
        QCOMPARE(desktop.urls, QList<QUrl> {QUrl::fromLocalFile(QFileInfo(photo(name)).absolutePath())});

        QDialog* about = window->showAbout();
        QVERIFY(about->isVisible());
        const QString text = window->aboutText();
        for (const QString& part :
             {QStringLiteral("LibTorch"), QStringLiteral("oneDNN"), QStringLiteral("Qt"),
              QStringLiteral("OpenCV"), QStringLiteral("CPU"), QStringLiteral("BSD"),
              QStringLiteral("Pillow"), QStringLiteral("HPND"), QString::fromLatin1(qVersion())})
            QVERIFY2(text.contains(part), qPrintable(part));
    }

    // Open Recent lists what was opened, not each image paged through.
    void openRecentListsWhatWasOpened()
    {
        auto window = m_windows.make({});
        window->openPaths({test::dataDir()});
        QTRY_VERIFY_WITH_TIMEOUT(window->thumbnails()->files().size() >= 3, 20000);
        QVERIFY(window->showNext());
        QVERIFY(window->showNext());
        QStringList listed;
        for (QAction* action : window->recentMenu()->actions())
            if (!action->isSeparator())
                listed << action->toolTip();
        QCOMPARE(listed.value(0), QFileInfo(test::dataDir()).absoluteFilePath());
        QVERIFY(!listed.contains(window->thumbnails()->files().at(1)));
        QVERIFY(!listed.contains(window->thumbnails()->files().at(2)));
    }

    // One Tab stop for the top-5, and names for what a screen reader announces.
    void keyboardAndAccessibleNames()
    {
        auto window = m_windows.make({});
        QVERIFY(!window->predictionsView()->tabKeyNavigation());
        QVERIFY(!window->predictionsView()->accessibleName().isEmpty());
        QVERIFY(!window->thumbnails()->accessibleName().isEmpty());
        for (QSpinBox* box : window->preprocessPanel()->presetEditor()->findChildren<QSpinBox*>())
            QVERIFY2(!box->accessibleName().isEmpty(), qPrintable(box->objectName()));
        for (QDoubleSpinBox* box : window->preprocessPanel()->presetEditor()->findChildren<QDoubleSpinBox*>())
            QVERIFY2(!box->accessibleName().isEmpty(), qPrintable(box->objectName()));
        for (QAbstractButton* button : window->banner()->findChildren<QAbstractButton*>())
            QVERIFY2(!button->accessibleName().isEmpty() || !button->text().isEmpty(),
                     "a banner button without a name");
    }

    // The shortcuts list is a table of two columns, one row per binding, under a title that fits; Page Down
    // past the last image says it went back to the first.
    void shortcutsDialogAndWrapNotice()
    {
        auto window = m_windows.make({});
        QDialog* dialog = window->showShortcuts();
        QVERIFY(QTest::qWaitForWindowExposed(dialog));
        QCOMPARE(dialog->windowTitle().left(18), QStringLiteral("Keyboard Shortcuts"));
        auto* table = dialog->findChild<QTableWidget*>(QStringLiteral("shortcutsTable"));
        QVERIFY(table);
        QCOMPARE(table->columnCount(), 2);
        QVERIFY(table->rowCount() >= 14);
        QVERIFY(table->item(0, 0)->text().contains(
            QKeySequence(QKeySequence::Open).toString(QKeySequence::NativeText)));
        dialog->close();

        window->openPaths({test::dataDir()});
        QTRY_VERIFY_WITH_TIMEOUT(window->thumbnails()->files().size() >= 3, 20000);
        ThumbnailStrip* strip = window->thumbnails();
        strip->selectFile(strip->files().last());
        QVERIFY(window->showNext());
        QCOMPARE(strip->currentFile(), strip->files().first());
        QVERIFY2(window->statusBar()->currentMessage().contains(QStringLiteral("first")),
                 qPrintable(window->statusBar()->currentMessage()));
        // The image list has no sideways scrolling.
        QCOMPARE(strip->horizontalScrollBarPolicy(), Qt::ScrollBarAlwaysOff);
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
