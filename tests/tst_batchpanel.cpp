// The batch panel (File > Label Folder…), driven through the real window under the offscreen platform: a
// folder with photos and unreadable files gives one row per file in the table and in the output, errors
// where they belong; the label and status filters and the export; cancelling keeps only complete rows and
// resuming finishes the file with every file exactly once; the event loop keeps turning during a run; the
// panel opens over the window, locks its selection during a run, says how many rows the filters show, exports
// what the CLI writes, opens a row's image in the window, and closes with Escape.

#include "BatchPanel.h"
#include "BatchResultModel.h"
#include "MainWindow.h"
#include "MessageBanner.h"
#include "TestSupport.h"
#include "support/GapMeter.h"
#include "support/TestFolders.h"
#include "support/TestWindows.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDesktopServices>
#include <QFile>
#include <QGuiApplication>
#include <QJsonDocument>
#include <QLineEdit>
#include <QMap>
#include <QMenu>
#include <QPair>
#include <QProcess>
#include <QPushButton>
#include <QSet>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QThread>
#include <QUrl>
#include <memory>

using namespace lens;

namespace {

constexpr int kRunTimeout = 300000;
const auto checkpoint = test::referenceFile;
const auto readOutput = test::readBatchOutput;
const auto outputPaths = test::batchOutputPaths;

QStringList tablePaths(const BatchResultModel* model)
{
    QStringList paths;
    for (const BatchResultRow& row : model->rows())
        paths << row.path;
    return paths;
}

QSet<QString> toSet(const QStringList& list)
{
    return QSet<QString>(list.begin(), list.end());
}

} // namespace

class TestBatchPanel : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    test::WindowFactory m_windows {kRunTimeout};

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        test::useEmptyTorchHome(m_dir.path());
        QVERIFY(QFileInfo(checkpoint(QStringLiteral("resnet18.pth"))).isFile());
    }

    void labelsFolderIntoTableAndOutput_data()
    {
        QTest::addColumn<QString>("output");
        QTest::newRow("labels.csv") << "labels.csv";
        QTest::newRow("labels.jsonl") << "labels.jsonl";
    }

    void labelsFolderIntoTableAndOutput()
    {
        QFETCH(QString, output);
        QTemporaryDir dir;
        const QString folder = dir.filePath("photos");
        const QStringList files = test::makeFolder(folder, 1, true);
        const QString out = dir.filePath(output);

        auto window = m_windows.make(checkpoint(QStringLiteral("resnet18.pth")));
        QCOMPARE(window->batchAction()->shortcut(), QKeySequence(QStringLiteral("Ctrl+B")));
        window->batchAction()->trigger();
        BatchPanel* panel = window->batchPanel();
        QVERIFY(panel->isVisible());
        QVERIFY(panel->startButton()->isEnabled());
        QCOMPARE(panel->workerThread()->objectName(), QStringLiteral("BatchWorker"));
        panel->setFolders({folder});
        panel->setRecursive(true);
        panel->setOutput(out);
        QVERIFY(!panel->resumeBox()->isEnabled()); // nothing to resume yet

        test::GapMeter meter;
        QSignalSpy finished(panel, &BatchPanel::runFinished);
        QVERIFY(panel->start());
        QVERIFY(panel->running());
        // What the run reads cannot change under it.
        for (QWidget* widget : panel->selectionWidgets())
            QVERIFY2(!widget->isEnabled(), qPrintable(widget->accessibleName()));
        QVERIFY(finished.wait(kRunTimeout));
        for (QWidget* widget : panel->selectionWidgets())
            QVERIFY2(widget->isEnabled(), qPrintable(widget->accessibleName()));
        const qint64 gap = meter.maxGap();
        qInfo("batch of %lld files took %lld ms; longest event-loop gap %lld ms", qlonglong(files.size()),
              meter.elapsed(), gap);
        QVERIFY2(gap < 100, qPrintable(QStringLiteral("event loop stalled for %1 ms").arg(gap)));

        const auto summary = finished.first().first().value<BatchSummary>();
        QVERIFY2(summary.ok, qPrintable(summary.error));
        QVERIFY(!summary.cancelled);
        QCOMPARE(summary.status.done, int(files.size()));
        QCOMPARE(summary.status.failed, 2);
        QVERIFY2(panel->progressText().contains(QStringLiteral("%1 of %1 files").arg(files.size())),
                 qPrintable(panel->progressText()));
        QCOMPARE(panel->banner()->kind(), MessageBanner::Kind::Warning); // 2 files could not be read

        // The table: one row per file, errors where they belong.
        const BatchResultModel* results = panel->results();
        QCOMPARE(results->rowCount(), int(files.size()));
        QCOMPARE(toSet(tablePaths(results)), toSet(files));
        for (const BatchResultRow& row : results->rows()) {
            if (row.path.contains("/sub/")) {
                QVERIFY2(row.error.contains(QFileInfo(row.path).fileName()), qPrintable(row.error));
                QVERIFY(row.label.isEmpty());
                // The Error column gives the reason; the File column already names the file.
                const QString shown = errorWithoutPath(row);
                QVERIFY2(!shown.isEmpty() && !shown.contains(row.path), qPrintable(shown));
            } else {
                QVERIFY2(row.error.isEmpty(), qPrintable(row.error));
                QVERIFY(!row.label.isEmpty());
                QVERIFY(row.probability > 0 && row.probability <= 1);
            }
        }

        // The output: the same rows, in the same order.
        const QJsonObject written = readOutput(out);
        QVERIFY(written["malformed"].toArray().isEmpty());
        QCOMPARE(outputPaths(written), tablePaths(results));
        const QJsonArray rows = written["rows"].toArray();
        for (int i = 0; i < rows.size(); ++i) {
            const QJsonObject row = rows[i].toObject();
            const BatchResultRow& shown = results->rows()[i];
            QCOMPARE(row["status"].toString(), shown.error.isEmpty() ? QString("ok") : QString("error"));
            if (shown.error.isEmpty())
                QCOMPARE(row["top"].toArray()[0].toInt(), shown.index);
        }
        const QJsonValue run = written["run"];
        QVERIFY(run.isObject() ? run["model"].toString() == "resnet18"
                               : run.toString().contains("model=resnet18"));

        // Filtering by a label narrows the rows to that label.
        BatchFilterModel* view = panel->filtered();
        QCOMPARE(view->rowCount(), int(files.size()));
        QCOMPARE(panel->rowsText(), QStringLiteral("%1 of %1 rows").arg(files.size()));
        QString label;
        for (const BatchResultRow& row : results->rows()) {
            if (row.error.isEmpty() && label.isEmpty())
                label = row.label;
        }
        panel->labelFilter()->setText(label);
        QVERIFY(view->rowCount() >= 1);
        QVERIFY(view->rowCount() < int(files.size()));
        for (int r = 0; r < view->rowCount(); ++r)
            QVERIFY(view->index(r, BatchResultModel::Label)
                        .data()
                        .toString()
                        .contains(label, Qt::CaseInsensitive));

        // Errors only.
        panel->labelFilter()->clear();
        QComboBox* status = panel->statusFilter();
        status->setCurrentIndex(status->findData(int(BatchFilterModel::StatusFilter::Errors)));
        QCOMPARE(view->rowCount(), 2);
        QCOMPARE(panel->rowsText(), QStringLiteral("2 of %1 rows").arg(files.size()));
        for (int r = 0; r < view->rowCount(); ++r)
            QVERIFY(!view->index(r, BatchResultModel::Error).data().toString().isEmpty());

        // Sorting by probability, highest first, among the labelled rows.
        status->setCurrentIndex(status->findData(int(BatchFilterModel::StatusFilter::Ok)));
        QCOMPARE(view->rowCount(), int(files.size()) - 2);
        view->sort(BatchResultModel::Probability, Qt::DescendingOrder);
        for (int r = 1; r < view->rowCount(); ++r)
            QVERIFY(
                view->index(r - 1, BatchResultModel::Probability).data(BatchResultModel::ValueRole).toDouble()
                >= view->index(r, BatchResultModel::Probability)
                       .data(BatchResultModel::ValueRole)
                       .toDouble());

        // Export writes the rows shown, in the order shown, exactly as the run (the CLI's writer) wrote
        // them: the same header and every top-k column, as Python's csv and json modules read them.
        QStringList shownPaths;
        for (int r = 0; r < view->rowCount(); ++r)
            shownPaths << view->index(r, BatchResultModel::Path).data(BatchResultModel::ValueRole).toString();
        QMap<QString, QJsonObject> byPath;
        for (const auto& row : written["rows"].toArray())
            byPath.insert(row.toObject()["path"].toString(), row.toObject());
        for (const QString& name : {QStringLiteral("export.csv"), QStringLiteral("export.jsonl")}) {
            const QString exported = dir.filePath(name);
            QVERIFY(panel->exportTo(exported));
            const QJsonObject read = readOutput(exported);
            QVERIFY(read["malformed"].toArray().isEmpty());
            QCOMPARE(outputPaths(read), shownPaths);
            if (name.endsWith(QFileInfo(out).suffix()))
                QCOMPARE(read["run"], written["run"]);
            for (const auto& value : read["rows"].toArray()) {
                const QJsonObject row = value.toObject();
                const QJsonObject original = byPath.value(row["path"].toString());
                for (const char* key : {"path", "status", "error", "top", "labels"})
                    QCOMPARE(row[key], original[key]);
            }
        }
    }

    // The panel opens over its window; a new one suggests an output outside the photos; a double-click on a
    // row shows its image in the window; Escape closes the panel and Ctrl+Q quits from it.
    void panelPlacementAndKeys()
    {
        QTemporaryDir dir;
        const QString folder = dir.filePath("photos");
        const QStringList files = test::makeFolder(folder, 1, false);
        auto window = m_windows.make(checkpoint(QStringLiteral("resnet18.pth")));
        window->move(200, 150);
        window->showBatchPanel();
        BatchPanel* panel = window->batchPanel();
        QVERIFY(QTest::qWaitForWindowExposed(panel));
        const QPoint offset = panel->frameGeometry().center() - window->frameGeometry().center();
        QVERIFY2(offset.manhattanLength() < 40,
                 qPrintable(QStringLiteral("%1, %2").arg(offset.x()).arg(offset.y())));

        panel->setOutput({});
        panel->setFolders({folder});
        const QString suggested = panel->output();
        QVERIFY2(!QFileInfo(suggested).absolutePath().startsWith(QFileInfo(folder).absoluteFilePath()),
                 qPrintable(suggested));
        QVERIFY(suggested.endsWith(QStringLiteral(".csv")));

        panel->setOutput(dir.filePath("keys.csv"));
        QSignalSpy finished(panel, &BatchPanel::runFinished);
        QVERIFY(panel->start());
        QVERIFY(finished.wait(kRunTimeout));
        QTableView* table = panel->table();
        const QModelIndex first = table->model()->index(0, BatchResultModel::Label);
        const QString path
            = table->model()->index(0, BatchResultModel::Path).data(BatchResultModel::ValueRole).toString();
        QVERIFY(files.contains(path));
        QSignalSpy open(panel, &BatchPanel::openRequested);
        // A view takes a double-click on the row it was pressed on: a click, then the double-click.
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(first).center());
        QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(first).center());
        QCOMPARE(open.count(), 1);
        QCOMPARE(open.first().first().toString(), path);
        QVERIFY(test::waitForResult(*window, path, true, 0));

        // The row's context menu: open it, its folder, copy its path and its row as the CLI writes it.
        table->selectRow(0);
        std::unique_ptr<QMenu> menu(panel->makeRowMenu(first));
        open.clear();
        test::menuAction(menu.get(), QStringLiteral("Open Image"))->trigger();
        QCOMPARE(open.count(), 1);
        QCOMPARE(open.first().first().toString(), path);
        test::UrlCatcher desktop;
        QDesktopServices::setUrlHandler(QStringLiteral("file"), &desktop, "open");
        test::menuAction(menu.get(), QStringLiteral("Open Containing Folder"))->trigger();
        QDesktopServices::unsetUrlHandler(QStringLiteral("file"));
        QCOMPARE(desktop.urls, QList<QUrl> {QUrl::fromLocalFile(QFileInfo(path).absolutePath())});
        test::menuAction(menu.get(), QStringLiteral("Copy Path"))->trigger();
        QCOMPARE(QGuiApplication::clipboard()->text(), path);
        test::menuAction(menu.get(), QStringLiteral("Copy as JSON"))->trigger();
        const QJsonObject copied
            = QJsonDocument::fromJson(QGuiApplication::clipboard()->text().toUtf8()).object();
        QCOMPARE(copied["path"].toString(), path);
        QCOMPARE(copied["top"].toArray().size(), 5);
        QCOMPARE(copied["top"].toArray()[0].toObject()["label"].toString(), first.data().toString());

        panel->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(panel));
        QTest::keyClick(panel, Qt::Key_Escape);
        QVERIFY(!panel->isVisible());

        window->showBatchPanel();
        QTRY_COMPARE(QApplication::activeWindow(), static_cast<QWidget*>(panel));
        QSignalSpy quit(window->quitAction(), &QAction::triggered);
        QTest::keySequence(panel, QKeySequence(Qt::CTRL | Qt::Key_Q));
        QCOMPARE(quit.count(), 1);
    }

    // A run labels with the model the window shows: the weight set picked inside the checkpoint and the
    // labels file given with it (top-1 as torchvision computes it with that weight set's tensors).
    void runsWithTheWindowsWeightSetAndLabels()
    {
        QTemporaryDir dir;
        const QString folder = dir.filePath("photos");
        const QStringList files = test::makeFolder(folder, 1, false);
        const QString labels = dir.filePath(QStringLiteral("labels.txt"));
        QFile file(labels);
        QVERIFY(file.open(QIODevice::WriteOnly));
        for (int i = 0; i < 1000; ++i)
            file.write(QStringLiteral("kind %1\n").arg(i).toUtf8());
        file.close();
        const QString weights = checkpoint(QStringLiteral("training/timm_style.pth"));
        const QString key = QStringLiteral("state_dict_ema");

        QProcess python;
        python.start(
            qEnvironmentVariable("LENS_PYTHON"),
            QStringList {
                QStringLiteral("-c"),
                QStringLiteral(
                    "import sys, torch, torchvision\n"
                    "from PIL import Image\n"
                    "from torchvision import transforms as T\n"
                    "sd = torch.load(sys.argv[1], map_location='cpu')[sys.argv[2]]\n"
                    "m = torchvision.models.resnet18()\n"
                    "m.load_state_dict({k: v.float() for k, v in sd.items()})\n"
                    "m.eval()\n"
                    "t = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),\n"
                    "    T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])\n"
                    "with torch.no_grad():\n"
                    "    for p in sys.argv[3:]:\n"
                    "        x = t(Image.open(p).convert('RGB'))[None]\n"
                    "        p1 = m(x).softmax(1)[0]\n"
                    "        print(p + '\\t' + str(int(p1.argmax())) + '\\t' + repr(float(p1.max())))\n"),
                weights, key}
                + files);
        QVERIFY(python.waitForFinished(120000));
        QCOMPARE(python.exitCode(), 0);
        QMap<QString, QPair<int, double>> expected; // path -> top-1 class and probability
        for (const QByteArray& line : python.readAllStandardOutput().split('\n'))
            if (!line.isEmpty())
                expected.insert(QString::fromUtf8(line.split('\t')[0]),
                                {line.split('\t')[1].toInt(), line.split('\t')[2].toDouble()});
        QCOMPARE(expected.size(), int(files.size()));

        auto window = m_windows.make({});
        QSignalSpy loaded(window.get(), &MainWindow::modelLoadFinished);
        window->loadCheckpoint(weights, {}, LoadMode::Strict, {}, key, labels);
        QVERIFY(loaded.wait(kRunTimeout));
        QCOMPARE(loaded.first().first().toBool(), true);
        window->showBatchPanel();
        BatchPanel* panel = window->batchPanel();
        panel->setFolders({folder});
        const QString out = dir.filePath(QStringLiteral("out.jsonl"));
        panel->setOutput(out);
        QSignalSpy finished(panel, &BatchPanel::runFinished);
        QVERIFY(panel->start());
        QVERIFY(finished.wait(kRunTimeout));
        const QJsonArray rows = readOutput(out)["rows"].toArray();
        QCOMPARE(rows.size(), int(files.size()));
        for (const QJsonValue& value : rows) {
            const QJsonObject row = value.toObject();
            const int top1 = expected.value(row["path"].toString(), {-1, 0.0}).first;
            QCOMPARE(row["top"].toArray()[0].toInt(), top1);
            QCOMPARE(row["labels"].toArray()[0].toString(), QStringLiteral("kind %1").arg(top1));
        }
        // The probabilities tell the weight sets apart (the EMA's differ from the model's by about 1.5
        // points).
        for (const BatchResultRow& row : panel->results()->rows())
            QVERIFY2(std::abs(row.probability - expected.value(row.path).second) < 1e-4,
                     qPrintable(QStringLiteral("%1: %2, torchvision %3")
                                    .arg(row.path)
                                    .arg(row.probability)
                                    .arg(expected.value(row.path).second)));
    }

    void cancelThenResume()
    {
        QTemporaryDir dir;
        const QString folder = dir.filePath("photos");
        const QStringList files = test::makeFolder(folder, 12, false); // 48 files
        const QString out = dir.filePath("labels.csv");

        auto window = m_windows.make(checkpoint(QStringLiteral("resnet18.pth")));
        window->showBatchPanel();
        BatchPanel* panel = window->batchPanel();
        panel->setFolders({folder});
        panel->setOutput(out);

        test::GapMeter meter;
        QSignalSpy rows(panel, &BatchPanel::rowsAdded);
        QSignalSpy finished(panel, &BatchPanel::runFinished);
        QVERIFY(panel->start());
        QVERIFY(rows.wait(kRunTimeout)); // the first rows are in
        panel->cancel();
        QVERIFY(finished.wait(kRunTimeout));
        qInfo("cancelled run: longest event-loop gap %lld ms", meter.maxGap());
        QVERIFY2(meter.maxGap() < 100,
                 qPrintable(QStringLiteral("event loop stalled for %1 ms").arg(meter.maxGap())));
        const auto cancelled = finished.first().first().value<BatchSummary>();
        QVERIFY(cancelled.ok);
        QVERIFY(cancelled.cancelled);
        QVERIFY(cancelled.status.done > 0);
        QVERIFY(cancelled.status.done < int(files.size()));
        QVERIFY(!panel->running());

        // Only complete rows: each parses, each file at most once, and the table shows the same rows.
        const QJsonObject partial = readOutput(out);
        QVERIFY(partial["malformed"].toArray().isEmpty());
        const QStringList partialPaths = outputPaths(partial);
        QCOMPARE(partialPaths.size(), cancelled.status.done);
        QCOMPARE(toSet(partialPaths).size(), partialPaths.size());
        QCOMPARE(tablePaths(panel->results()), partialPaths);

        // The file exists now: starting over it is refused unless resuming (offered, and ticked).
        QVERIFY(panel->resumeBox()->isEnabled());
        QVERIFY(panel->resumeBox()->isChecked());
        panel->setResume(false);
        QVERIFY(!panel->start());
        QVERIFY2(panel->banner()->text().contains(QStringLiteral("already exists")),
                 qPrintable(panel->banner()->text()));

        finished.clear();
        panel->setResume(true);
        QVERIFY(panel->start());
        QVERIFY(finished.wait(kRunTimeout));
        const auto resumed = finished.first().first().value<BatchSummary>();
        QVERIFY2(resumed.ok, qPrintable(resumed.error));
        QVERIFY(!resumed.cancelled);
        QCOMPARE(resumed.status.skipped, cancelled.status.done);
        QCOMPARE(resumed.status.done, int(files.size()) - cancelled.status.done);

        qInfo("cancelled and resumed run of %lld files: %lld ms; longest event-loop gap %lld ms",
              qlonglong(files.size()), meter.elapsed(), meter.maxGap());
        QVERIFY2(meter.maxGap() < 100,
                 qPrintable(QStringLiteral("event loop stalled for %1 ms").arg(meter.maxGap())));

        const QJsonObject complete = readOutput(out);
        QVERIFY(complete["malformed"].toArray().isEmpty());
        const QStringList paths = outputPaths(complete);
        QCOMPARE(paths.size(), files.size()); // every file exactly once
        QCOMPARE(toSet(paths), toSet(files));
        QCOMPARE(tablePaths(panel->results()), paths); // the table kept the first run's rows
    }

    void needsAModel()
    {
        auto window = m_windows.make({});
        BatchPanel* panel = window->batchPanel();
        QVERIFY(!panel->startButton()->isEnabled());
        panel->setFolders({test::dataDir()});
        panel->setOutput(m_dir.filePath("never.csv"));
        QVERIFY(!panel->start());
        QVERIFY(panel->banner()->text().contains(QStringLiteral("No model loaded")));
        QVERIFY(!QFileInfo::exists(m_dir.filePath("never.csv")));
    }
};

QTEST_MAIN(TestBatchPanel)
#include "tst_batchpanel.moc"
