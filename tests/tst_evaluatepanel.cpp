// The evaluation panel (File > Evaluate Folder…), driven through the real window under the offscreen
// platform, on folders named after ImageNet classes holding copies of the test photos (and an unreadable
// file), with the reference resnet18: the summary, the per-class table and the heat map's cells show what
// `resnet-lens-cli evaluate -o REPORT.json` reports on the same folder (the CLI is tested against
// torchvision + numpy in tst_evaluate), and Export writes that report; a click on a cell lists exactly that
// cell's images, and a click on one shows it in the window with its prediction (and its class activation
// map when that view is on); cancelling then resuming evaluates every image exactly once (the predictions
// file as Python's csv module reads it) and gives the CLI's report; the event loop keeps turning during a
// run; unknown folders are refused by name; Ctrl+E opens the panel, Escape closes it, Ctrl+Q quits from
// it, and its choices come back in the next window.

#include "EvaluatePanel.h"
#include "EvaluationViews.h"
#include "MainWindow.h"
#include "MessageBanner.h"
#include "TestSupport.h"
#include "ThumbnailStrip.h"
#include "jobs/Evaluation.h"
#include "support/GapMeter.h"
#include "support/TestFolders.h"
#include "support/TestWindows.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProgressBar>
#include <QPushButton>
#include <QSet>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QThread>

using namespace lens;

namespace {

constexpr int kRunTimeout = 300000;
const auto checkpoint = test::referenceFile;

// Class folders named as ImageNet's classes (so the names rule maps them), each holding copies of photos.
QStringList makeLabelledFolder(const QString& root, int copies, bool withBad)
{
    const QList<QPair<QString, QStringList>> classes = {
        {"tabby", {"chelsea.png", "chelsea_rgba.png"}},
        {"espresso", {"coffee.png", "coffee_gray.jpg"}},
        {"military_uniform", {"grace_hopper.jpg", "hopper_exif_rot6.jpg"}},
        {"missile", {"rocket.jpg", "rocket_progressive.jpg"}},
        {"space shuttle", {"astronaut.png", "camera.png"}},
    };
    QStringList files;
    for (const auto& [name, photos] : classes)
        files += test::makeFolder(QDir(root).filePath(name), copies, withBad && name == "tabby", photos);
    return files;
}

QJsonObject cliReport(const QString& folder, const QString& out)
{
    const auto run = test::runCli(
        {"evaluate", folder, "--weights", checkpoint("resnet18.pth"), "--recursive", "--quiet", "-o", out});
    if (run.exitCode != 0 && run.exitCode != 3)
        qWarning("%s", run.err.constData());
    return test::readJsonFile(out);
}

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestEvaluatePanel : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    test::WindowFactory m_windows {kRunTimeout};

    // Runs the panel on folder into predictions and waits for the run to end; returns its summary.
    static EvaluateSummary runPanel(EvaluatePanel* panel, const QString& folder, const QString& predictions)
    {
        panel->setFolders({folder});
        panel->setRecursive(true);
        panel->setPredictions(predictions);
        QSignalSpy finished(panel, &EvaluatePanel::runFinished);
        if (!panel->start() || !finished.wait(kRunTimeout))
            return {};
        return finished.first().first().value<EvaluateSummary>();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        test::useEmptyTorchHome(m_dir.path());
        QVERIFY(QFileInfo(checkpoint(QStringLiteral("resnet18.pth"))).isFile());
    }

    // The summary, the per-class table and the heat map show the CLI's REPORT.json of the same folder.
    void resultsEqualTheClisReport()
    {
        QTemporaryDir dir;
        const QString folder = dir.filePath("val");
        const QStringList files = makeLabelledFolder(folder, 1, true);
        auto window = m_windows.make(checkpoint(QStringLiteral("resnet18.pth")));
        QCOMPARE(window->evaluateAction()->shortcut(), QKeySequence(QStringLiteral("Ctrl+E")));
        window->evaluateAction()->trigger();
        EvaluatePanel* panel = window->evaluatePanel();
        QVERIFY(panel->isVisible());
        QVERIFY(panel->startButton()->isEnabled());
        QCOMPARE(panel->workerThread()->objectName(), QStringLiteral("EvaluateWorker"));

        test::GapMeter meter;
        const EvaluateSummary summary = runPanel(panel, folder, dir.filePath("pred.csv"));
        const qint64 gap = meter.maxGap();
        qInfo("evaluation of %lld files took %lld ms; longest event-loop gap %lld ms",
              qlonglong(files.size()), meter.elapsed(), gap);
        QVERIFY2(gap < 100, qPrintable(QStringLiteral("event loop stalled for %1 ms").arg(gap)));
        QVERIFY2(summary.run.ok, qPrintable(summary.run.error));
        QVERIFY(panel->report());
        QVERIFY2(panel->mappingText().contains("mapped"), qPrintable(panel->mappingText()));
        QCOMPARE(panel->banner()->kind(), MessageBanner::Kind::Warning); // the unreadable files

        const QJsonObject expected = cliReport(folder, dir.filePath("report.json"));
        QCOMPARE(expected["images"].toInt() + expected["errors"].toInt(), int(files.size()));
        QVERIFY(expected["errors"].toInt() > 0);
        QCOMPARE(panel->summaryText("images"), QString::number(expected["images"].toInt()));
        QCOMPARE(panel->summaryText("errors"), QString::number(expected["errors"].toInt()));
        const QJsonObject intervals = expected["intervals"].toObject();
        for (const QString field : {"top1", "top5"}) {
            const QJsonArray ci = intervals[field].toArray();
            QCOMPARE(
                panel->summaryText(field),
                EvaluatePanel::percentText(expected[field].toDouble(), ci[0].toDouble(), ci[1].toDouble()));
        }
        QCOMPARE(panel->summaryText("mean_class_accuracy"),
                 EvaluatePanel::percentText(expected["mean_class_accuracy"].toDouble()));
        QCOMPARE(panel->summaryText("ece"), QString::number(expected["ece"].toDouble(), 'f', 4));
        QCOMPARE(panel->summaryText("nll"), QString::number(expected["nll"].toDouble(), 'f', 4));
        QCOMPARE(panel->summaryText("mapping"), expected["mapping"].toObject()["rule"].toString());
        QCOMPARE(panel->summaryText("mapping"), QStringLiteral("names"));

        // The per-class table: one row per class, as the report's "classes".
        const QJsonArray classes = expected["classes"].toArray();
        QStandardItemModel* table = panel->classModel();
        QCOMPARE(table->rowCount(), classes.size());
        QMap<int, int> rowOfIndex;
        for (int row = 0; row < table->rowCount(); ++row)
            rowOfIndex[table->item(row, EvaluatePanel::Index)->text().toInt()] = row;
        for (const auto& value : classes) {
            const QJsonObject c = value.toObject();
            QVERIFY(rowOfIndex.contains(c["index"].toInt()));
            const int row = rowOfIndex[c["index"].toInt()];
            QCOMPARE(table->item(row, EvaluatePanel::Class)->text(), c["name"].toString());
            QCOMPARE(table->item(row, EvaluatePanel::Images)->text().toInt(), c["images"].toInt());
            QCOMPARE(table->item(row, EvaluatePanel::Correct)->text().toInt(), c["correct"].toInt());
            for (const auto& [column, field] :
                 QList<QPair<int, QString>> {{EvaluatePanel::Recall, "recall"},
                                             {EvaluatePanel::Precision, "precision"},
                                             {EvaluatePanel::F1, "f1"}})
                QCOMPARE(table->item(row, column)->text(), QString::number(c[field].toDouble(), 'f', 4));
        }
        // Sorting by recall puts the worst class first.
        panel->classTable()->sortByColumn(EvaluatePanel::Recall, Qt::AscendingOrder);
        double worst = 2;
        for (const auto& value : classes)
            worst = std::min(worst, value.toObject()["recall"].toDouble());
        QCOMPARE(table->item(0, EvaluatePanel::Recall)->text(), QString::number(worst, 'f', 4));

        // The heat map's cells hold the report's confusion matrix.
        panel->tabs()->setCurrentIndex(2);
        ConfusionMatrixView* matrix = panel->confusionView();
        const QJsonObject confusion = expected["confusion"].toObject();
        const QJsonArray counts = confusion["counts"].toArray();
        QCOMPARE(matrix->rows(), counts.size());
        QCOMPARE(matrix->columns(), confusion["columns"].toArray().size());
        for (int i = 0; i < counts.size(); ++i)
            for (int j = 0; j < matrix->columns(); ++j)
                QCOMPARE(qlonglong(matrix->count(i, j)), qlonglong(counts[i].toArray()[j].toInt()));
        // Hovering names the classes and the count.
        const QString tip = matrix->cellToolTip(0, 0);
        QVERIFY2(tip.contains(classes[0].toObject()["name"].toString()), qPrintable(tip));
        QVERIFY2(tip.contains(confusion["column_names"].toArray()[0].toString()), qPrintable(tip));

        // Export writes what the CLI writes.
        QVERIFY(panel->exportReport(dir.filePath("exported.json")));
        QCOMPARE(test::readJsonFile(dir.filePath("exported.json")), expected);
        QVERIFY(panel->exportPlots(dir.filePath("plots")));
        for (const QString name : {"confusion.svg", "confusion.png", "reliability.svg", "reliability.png"})
            QVERIFY(QFileInfo(QDir(dir.filePath("plots")).filePath(name)).size() > 0);
        QVERIFY(panel->exportConfusion(dir.filePath("confusion.csv")));
        QVERIFY(readAll(dir.filePath("confusion.csv")).startsWith("true_index,true_label,"));
    }

    // A click on a cell lists exactly its images; a click on one shows it in the window with its prediction.
    void cellClickListsItsImagesAndOpensOne()
    {
        QTemporaryDir dir;
        const QString folder = dir.filePath("val");
        makeLabelledFolder(folder, 1, false);
        auto window = m_windows.make(checkpoint(QStringLiteral("resnet18.pth")));
        window->showEvaluatePanel();
        EvaluatePanel* panel = window->evaluatePanel();
        const EvaluateSummary summary = runPanel(panel, folder, dir.filePath("pred.jsonl"));
        QVERIFY2(summary.run.ok, qPrintable(summary.run.error));
        const auto report = panel->report();
        panel->tabs()->setCurrentIndex(2);
        ConfusionMatrixView* matrix = panel->confusionView();
        QTRY_VERIFY(matrix->isVisible());
        int clicked = 0;
        for (int i = 0; i < matrix->rows(); ++i) {
            for (int j = 0; j < matrix->columns(); ++j) {
                QTest::mouseClick(matrix, Qt::LeftButton, {}, matrix->cellRect(i, j).center());
                QCOMPARE(matrix->currentCell(), QPoint(i, j));
                QStringList expected;
                for (const std::string& path : cellImages(*report, report->classes[std::size_t(i)].index,
                                                          report->predictedClasses[std::size_t(j)]))
                    expected << QString::fromStdString(path);
                QCOMPARE(panel->cellFiles(), expected);
                QCOMPARE(qlonglong(expected.size()), qlonglong(matrix->count(i, j)));
                ++clicked;
            }
        }
        QVERIFY(clicked > 0);

        // Open the first image of a cell with images, by a click on its thumbnail.
        int row = -1, column = -1;
        for (int i = 0; i < matrix->rows() && row < 0; ++i)
            for (int j = 0; j < matrix->columns() && row < 0; ++j)
                if (matrix->count(i, j) > 0)
                    row = i, column = j;
        QVERIFY(row >= 0);
        QTest::mouseClick(matrix, Qt::LeftButton, {}, matrix->cellRect(row, column).center());
        const QString path = panel->cellFiles().first();
        ThumbnailStrip* strip = panel->cellStrip();
        QTRY_VERIFY(strip->isVisible());
        window->camAction()->setChecked(true); // View > Class Activation Map: the opened image shows its map
        const quint64 after = window->lastResult().id;
        QSignalSpy open(panel, &EvaluatePanel::openRequested);
        const QModelIndex first = strip->model()->index(0, 0);
        QTest::mouseClick(strip->viewport(), Qt::LeftButton, {}, strip->visualRect(first).center());
        QCOMPARE(open.count(), 1);
        QCOMPARE(open.first().first().toString(), path);
        QVERIFY(test::waitForResult(*window, path, true, after));
        const auto record
            = std::find_if(report->records.begin(), report->records.end(),
                           [&](const EvaluationRecord& r) { return QString::fromStdString(r.path) == path; });
        QVERIFY(record != report->records.end());
        QVERIFY(!window->lastResult().top.empty());
        QCOMPARE(window->lastResult().top.front().index, record->predicted);
        QVERIFY(!window->lastResult().heat.empty());
    }

    // Cancel, then resume: every image exactly once in the predictions file, and the CLI's report.
    void cancelThenResume()
    {
        QTemporaryDir dir;
        const QString folder = dir.filePath("val");
        const QStringList files = makeLabelledFolder(folder, 6, true);
        const QString predictions = dir.filePath("pred.csv");
        auto window = m_windows.make(checkpoint(QStringLiteral("resnet18.pth")));
        EvaluatePanel* panel = window->evaluatePanel();
        panel->setFolders({folder});
        panel->setRecursive(true);
        panel->setPredictions(predictions);

        test::GapMeter meter;
        QSignalSpy finished(panel, &EvaluatePanel::runFinished);
        QVERIFY(panel->start());
        // Cancel once some rows are written.
        QTRY_VERIFY_WITH_TIMEOUT(panel->progressBar()->value() > 0, kRunTimeout);
        panel->cancel();
        QVERIFY(finished.wait(kRunTimeout));
        QVERIFY2(meter.maxGap() < 100,
                 qPrintable(QStringLiteral("event loop stalled for %1 ms").arg(meter.maxGap())));
        const auto cancelled = finished.first().first().value<EvaluateSummary>();
        QVERIFY2(cancelled.run.ok, qPrintable(cancelled.run.error));
        QVERIFY(cancelled.run.cancelled);
        QVERIFY(cancelled.report);
        const int before = int(cancelled.report->images + cancelled.report->errors);
        QVERIFY(before > 0);
        QVERIFY(before < files.size());
        QVERIFY(panel->resumeBox()->isChecked());

        finished.clear();
        QVERIFY(panel->start());
        QVERIFY(finished.wait(kRunTimeout));
        const auto resumed = finished.first().first().value<EvaluateSummary>();
        QVERIFY2(resumed.run.ok, qPrintable(resumed.run.error));
        QVERIFY(!resumed.run.cancelled);
        QCOMPARE(resumed.run.status.skipped, before);

        const QStringList rows = test::batchOutputPaths(test::readBatchOutput(predictions));
        QCOMPARE(QSet<QString>(rows.begin(), rows.end()).size(), rows.size()); // none twice
        QStringList sortedRows = rows, sortedFiles = files;
        sortedRows.sort();
        sortedFiles.sort();
        QCOMPARE(sortedRows, sortedFiles); // every one
        const QJsonObject expected = cliReport(folder, dir.filePath("report.json"));
        QVERIFY(panel->exportReport(dir.filePath("panel.json")));
        QCOMPARE(test::readJsonFile(dir.filePath("panel.json")), expected);
    }

    // Folders that name no class are refused by name; Ignore unknown folders leaves them out.
    void unknownFoldersAreNamed()
    {
        QTemporaryDir dir;
        const QString folder = dir.filePath("val");
        test::makeFolder(QDir(folder).filePath("tabby"), 1, false, {"chelsea.png"});
        test::makeFolder(QDir(folder).filePath("not a class"), 1, false, {"chelsea.png"});
        auto window = m_windows.make(checkpoint(QStringLiteral("resnet18.pth")));
        EvaluatePanel* panel = window->evaluatePanel();
        const EvaluateSummary refused = runPanel(panel, folder, dir.filePath("pred.csv"));
        QVERIFY(!refused.run.ok);
        QVERIFY2(refused.run.error.contains("'not a class'"), qPrintable(refused.run.error));
        QCOMPARE(panel->banner()->kind(), MessageBanner::Kind::Error);
        QVERIFY(panel->banner()->text().contains("'not a class'"));

        panel->setIgnoreUnknown(true);
        const EvaluateSummary ignored = runPanel(panel, folder, dir.filePath("pred2.csv"));
        QVERIFY2(ignored.run.ok, qPrintable(ignored.run.error));
        QCOMPARE(ignored.ignored, QStringList {"not a class"});
        QCOMPARE(panel->summaryText("images"), QStringLiteral("1"));
    }

    // Keyboard: Escape closes the panel, Ctrl+Q quits from it; the panel's choices come back.
    void keyboardAndSettings()
    {
        QTemporaryDir dir;
        const QString settings = dir.filePath("settings.ini");
        const QString folder = dir.filePath("val");
        QDir().mkpath(folder);
        {
            auto window = m_windows.make({}, QStringLiteral("v1"), settings);
            window->showEvaluatePanel();
            EvaluatePanel* panel = window->evaluatePanel();
            QVERIFY(!panel->startButton()->isEnabled()); // no model
            panel->setFolders({folder});
            panel->setClassMap(dir.filePath("map.tsv"));
            panel->setPredictions(dir.filePath("p.jsonl"));
            panel->activateWindow();
            QVERIFY(QTest::qWaitForWindowActive(panel));
            QTest::keyClick(panel, Qt::Key_Escape);
            QVERIFY(!panel->isVisible());
            window->showEvaluatePanel();
            QTRY_COMPARE(QApplication::activeWindow(), static_cast<QWidget*>(panel));
            QSignalSpy quit(window->quitAction(), &QAction::triggered);
            QTest::keySequence(panel, QKeySequence(Qt::CTRL | Qt::Key_Q));
            QCOMPARE(quit.count(), 1);
        }
        auto again = m_windows.make({}, QStringLiteral("v1"), settings);
        EvaluatePanel* panel = again->evaluatePanel();
        QCOMPARE(panel->folders(), QStringList {folder});
        QCOMPARE(panel->classMap(), dir.filePath("map.tsv"));
        QCOMPARE(panel->predictions(), dir.filePath("p.jsonl"));
    }
};

QTEST_MAIN(TestEvaluatePanel)
#include "tst_evaluatepanel.moc"
