// The desktop window, driven for real under the offscreen platform: opening images, the top-5 against
// torchvision, preset changes, strict and partial checkpoint loading, the device selector, the no-weights
// state, and an event loop that keeps turning while the worker loads and classifies.

#include "AppSettings.h"
#include "BatchPanel.h"
#include "CheckpointReportModel.h"
#include "CheckpointReportView.h"
#include "DeviceSelector.h"
#include "ImageView.h"
#include "MainWindow.h"
#include "MessageBanner.h"
#include "PredictionModel.h"
#include "PreprocessPanel.h"
#include "PresetEditor.h"
#include "TestSupport.h"
#include "ThumbnailStrip.h"
#include "support/GapMeter.h"
#include "support/PredictionIndices.h"
#include "support/TestWindows.h"

#include <ATen/Parallel.h>
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <QUrl>
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
            QSKIP("one core: LibTorch on 1 thread is all this machine has, so no slowness warning is due");
        const int threads = at::get_num_threads();
        qputenv("OMP_NUM_THREADS", "1");
        at::set_num_threads(1);
        auto window = m_windows.make(checkpoint(QStringLiteral("resnet18.pth")));
        const QString status = window->statusText();
        qunsetenv("OMP_NUM_THREADS");
        at::set_num_threads(threads);
        QVERIFY2(status.contains(QStringLiteral("Slow: LibTorch runs on 1 thread")), qPrintable(status));
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
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
