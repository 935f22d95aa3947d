// The desktop app's checkpoint inspector (File > Inspect Checkpoint…) and the Load Checkpoint dialog's
// weight sets, driven under the offscreen platform. References: what Python sees in the training-style
// checkpoints (reference/make_training.py's training.json), numpy's statistics, histograms and comparisons
// (support/tensor_stats.py), and Python's reading of exported files (support/check_export.py).

#include "InspectorModels.h"
#include "InspectorWindow.h"
#include "LoadCheckpointDialog.h"
#include "TestSupport.h"
#include "support/GapMeter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <cmath>

using namespace lens;
using namespace lens::test;

namespace {

constexpr int kTimeout = 60000;

QString trainingFile(const QString& name)
{
    return QDir(referenceDir()).filePath(QStringLiteral("training/") + name);
}

const QJsonObject& training()
{
    static const QJsonObject json = readJsonFile(QDir(referenceDir()).filePath("training/training.json"));
    return json;
}

QJsonObject python(const QStringList& arguments)
{
    QProcess process;
    process.start(qEnvironmentVariable("LENS_PYTHON"), arguments);
    if (!process.waitForFinished(120000) || process.exitCode() != 0)
        qFatal("%s failed: %s", qPrintable(arguments.join(' ')), process.readAllStandardError().constData());
    return QJsonDocument::fromJson(process.readAllStandardOutput()).object();
}

QString support(const QString& script)
{
    return QDir(qEnvironmentVariable("LENS_TEST_SUPPORT")).filePath(script);
}

/// numpy's statistics of a weight set (support/tensor_stats.py).
QJsonObject numpyStats(const QString& file, const QString& key, int bins)
{
    return python({support("tensor_stats.py"), file, key, QString::number(bins)});
}

bool near(double ours, double numpy, double relative = 1e-9)
{
    return std::abs(ours - numpy) <= relative * std::max(1.0, std::abs(numpy));
}

/// A shown inspector with the file opened and its default weight set's statistics computed.
std::unique_ptr<InspectorWindow> openInspector(const QString& file)
{
    auto window = std::make_unique<InspectorWindow>();
    window->show();
    QSignalSpy stats(window.get(), &InspectorWindow::statisticsFinished);
    window->openFile(file);
    if (!stats.wait(kTimeout) || !stats.front().front().toBool())
        return nullptr;
    return window;
}

/// The structure tree's items by key path.
void collectPaths(QTreeWidgetItem* item, QHash<QString, QTreeWidgetItem*>& out)
{
    for (int i = 0; i < item->childCount(); ++i) {
        QTreeWidgetItem* child = item->child(i);
        const QString path = child->data(0, Qt::UserRole).toString();
        if (!path.isEmpty())
            out.insert(path, child);
        collectPaths(child, out);
    }
}

} // namespace

class TestInspector : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!training()["files"].toObject().isEmpty(), "training.json holds no files");
    }

    void structureAndWeightSets_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("torchvision train.py: model, model_ema, SGD momentum, Namespace args")
            << "torchvision_style.pth";
        QTest::newRow("timm train.py: state_dict, state_dict_ema, Adam, metric") << "timm_style.pth";
        QTest::newRow("nested wrappers, a teacher, dict args, no top-level weights") << "nested.pth";
        QTest::newRow("a list of weight sets, a key holding a slash") << "ensemble.pth";
    }

    // The tree shows every container, scalar and weight set Python sees, with Python's values; the weight
    // set list is Python's, the default one first by the documented order.
    void structureAndWeightSets()
    {
        QFETCH(QString, file);
        const QJsonObject expected = training()["files"].toObject()["training/" + file].toObject();
        QVERIFY(!expected.isEmpty());
        auto window = openInspector(trainingFile(file));
        QVERIFY(window);

        QHash<QString, QTreeWidgetItem*> items;
        QVERIFY(window->structureTree()->topLevelItemCount() == 1);
        collectPaths(window->structureTree()->topLevelItem(0), items);
        const QJsonObject structure = expected["structure"].toObject();
        int scalars = 0;
        int pythonScalars = 0;
        for (auto it = structure.begin(); it != structure.end(); ++it) {
            if (it.key().isEmpty())
                continue;
            const QJsonObject node = it.value().toObject();
            QTreeWidgetItem* item = items.value(it.key());
            QVERIFY2(item, qPrintable("no tree item for " + it.key()));
            const QString kind = node["kind"].toString();
            pythonScalars += kind == "scalar" && (node["value"].isDouble() || node["value"].isString());
            if (kind == "scalar" && node["value"].isDouble()) {
                // 12, 0.1, 79.3: the value as Python has it.
                QVERIFY2(near(item->text(2).toDouble(), node["value"].toDouble(), 1e-15),
                         qPrintable(it.key() + ": " + item->text(2)));
                ++scalars;
            } else if (kind == "scalar" && node["value"].isString()) {
                QCOMPARE(item->text(2), "'" + node["value"].toString() + "'");
                ++scalars;
            } else if (kind == "weights") {
                QVERIFY2(item->text(2).contains(QString::number(node["tensors"].toInt()) + " tensors"),
                         qPrintable(item->text(2)));
            } else if (kind == "optimizer") {
                const QJsonObject optimizer = node["optimizer"].toObject();
                QCOMPARE(item->childCount(),
                         optimizer["param_group_count"].toInt()
                             + static_cast<int>(optimizer["state"].toArray().size()));
            }
        }
        QCOMPARE(scalars, pythonScalars);

        const QJsonArray sets = expected["weight_sets"].toArray();
        QTableWidget* table = window->weightSetTable();
        QCOMPARE(table->rowCount(), static_cast<int>(sets.size()));
        for (int row = 0; row < table->rowCount(); ++row) {
            const QJsonObject set = sets[row].toObject();
            QCOMPARE(table->item(row, 0)->data(Qt::UserRole).toString(), set["key"].toString());
            if (!set["arch"].isNull())
                QVERIFY2(table->item(row, 1)->text().startsWith(set["arch"].toString()),
                         qPrintable(table->item(row, 1)->text()));
            QCOMPARE(table->item(row, 4)->text().isEmpty(), set["key"] != expected["default"]);
        }
        // The statistics shown are those of the default weight set (else the first).
        const QString shown = expected["default"].isNull() ? sets[0].toObject()["key"].toString()
                                                           : expected["default"].toString();
        QCOMPARE(window->weightsKey(), shown);
    }

    // Every tensor's statistics as numpy computes them over the finite values; NaN and Inf rows flagged;
    // sorting and filtering work on the table.
    void statisticsAndFlags()
    {
        auto window = openInspector(trainingFile("cast_edges.pth"));
        QVERIFY(window);
        const QJsonObject numpy = numpyStats(trainingFile("cast_edges.pth"), "state_dict", 8);
        TensorTableModel* model = window->tensorModel();
        QCOMPARE(model->rowCount(), static_cast<int>(numpy.size()));
        int flagged = 0;
        for (const TensorSummary& t : model->tensors()) {
            const QJsonObject row = numpy[QString::fromStdString(t.name)].toObject();
            QVERIFY2(!row.isEmpty(), t.name.c_str());
            QCOMPARE(t.nanCount, row["nan"].toInteger());
            QCOMPARE(t.infCount, row["inf"].toInteger());
            QVERIFY(near(t.min, row["min"].toDouble()) && near(t.max, row["max"].toDouble()));
            QVERIFY2(near(t.mean, row["mean"].toDouble(), 1e-6) && near(t.std, row["std"].toDouble(), 1e-6),
                     t.name.c_str());
            flagged += row["nan"].toInt() + row["inf"].toInt() > 0;
        }
        QVERIFY(flagged > 0);
        QCOMPARE(model->flaggedCount(), flagged);

        // Most NaNs first: the first row is flagged, and painted as such.
        QSortFilterProxyModel* proxy = window->tensorProxy();
        window->tensorView()->sortByColumn(TensorTableModel::NaNs, Qt::DescendingOrder);
        QVERIFY(proxy->index(0, 0).data(TensorTableModel::FlaggedRole).toBool());
        QVERIFY(proxy->index(0, 0).data(Qt::BackgroundRole).isValid());
        for (int row = 1; row < proxy->rowCount(); ++row)
            QVERIFY(proxy->index(row - 1, TensorTableModel::NaNs).data().toLongLong()
                    >= proxy->index(row, TensorTableModel::NaNs).data().toLongLong());

        window->filterEdit()->setText(QStringLiteral("F16"));
        QVERIFY(proxy->rowCount() > 0 && proxy->rowCount() < model->rowCount());
        for (int row = 0; row < proxy->rowCount(); ++row)
            QVERIFY(proxy->index(row, 0).data().toString().contains("f16", Qt::CaseInsensitive));
    }

    // The selected tensor's histogram is numpy.histogram's of its finite values.
    void histogramOfSelection()
    {
        auto window = openInspector(trainingFile("torchvision_style.pth"));
        QVERIFY(window);
        const QJsonObject numpy = numpyStats(trainingFile("torchvision_style.pth"), "model", 64);
        QSortFilterProxyModel* proxy = window->tensorProxy();
        window->filterEdit()->setText(QStringLiteral("layer4.1.conv2.weight"));
        QCOMPARE(proxy->rowCount(), 1);
        QSignalSpy shown(window.get(), &InspectorWindow::histogramShown);
        window->tensorView()->selectRow(0);
        QVERIFY(shown.wait(kTimeout));
        QCOMPARE(window->histogramName(), QStringLiteral("layer4.1.conv2.weight"));
        const QJsonObject row = numpy["layer4.1.conv2.weight"].toObject();
        const QJsonArray counts = row["counts"].toArray();
        const QJsonArray edges = row["edges"].toArray();
        const Histogram& histogram = window->histogram();
        QCOMPARE(histogram.counts.size(), static_cast<std::size_t>(counts.size()));
        for (int i = 0; i < counts.size(); ++i) {
            QCOMPARE(histogram.counts[i], counts[i].toInteger());
            QVERIFY(near(histogram.edges[i], edges[i].toDouble(), 1e-12));
        }
    }

    void comparison_data()
    {
        QTest::addColumn<QString>("first");
        QTest::addColumn<QString>("firstKey");
        QTest::addColumn<QString>("second");
        QTest::addColumn<QString>("secondKey");
        QTest::newRow("model against its EMA copy in the same file") << "torchvision_style.pth"
                                                                     << "model"
                                                                     << "torchvision_style.pth"
                                                                     << "model_ema";
        QTest::newRow("two trainings of the same architecture") << "torchvision_style.pth"
                                                                << "model"
                                                                << "timm_style.pth"
                                                                << "state_dict";
        QTest::newRow("a 10-class teacher against a 1000-class model: fc changes shape")
            << "nested.pth"
            << "teacher/state_dict"
            << "torchvision_style.pth"
            << "model";
    }

    // Keys only in one, changed shapes, the max absolute difference per common tensor and the identical
    // count, as numpy finds them; the table sorts by difference.
    void comparison()
    {
        QFETCH(QString, first);
        QFETCH(QString, firstKey);
        QFETCH(QString, second);
        QFETCH(QString, secondKey);
        auto window = openInspector(trainingFile(first));
        QVERIFY(window);
        if (window->weightsKey() != firstKey) {
            QSignalSpy stats(window.get(), &InspectorWindow::statisticsFinished);
            window->showWeightSet(firstKey);
            QVERIFY(stats.wait(kTimeout));
        }
        QCOMPARE(window->weightsKey(), firstKey);
        QSignalSpy done(window.get(), &InspectorWindow::comparisonFinished);
        window->compareWith(trainingFile(second), secondKey);
        QVERIFY(done.wait(kTimeout));
        QVERIFY2(done.front().front().toBool(), qPrintable(window->statusText()));
        const QJsonObject numpy = python({support("tensor_stats.py"), "--compare", trainingFile(first),
                                          firstKey, trainingFile(second), secondKey});

        ComparisonModel* model = window->comparisonModel();
        QHash<QString, ComparisonModel::Row> rows;
        for (const auto& row : model->rows())
            rows.insert(row.key, row);
        const auto countStatus = [&](ComparisonModel::RowStatus status) {
            int n = 0;
            for (const auto& row : model->rows())
                n += row.status == status;
            return n;
        };
        QCOMPARE(countStatus(ComparisonModel::RowStatus::OnlyInFirst),
                 numpy["only_in_first"].toArray().size());
        QCOMPARE(countStatus(ComparisonModel::RowStatus::OnlyInSecond),
                 numpy["only_in_second"].toArray().size());
        for (const auto& key : numpy["shape_changes"].toArray())
            QCOMPARE(rows.value(key.toString()).status, ComparisonModel::RowStatus::ShapeChanged);
        QCOMPARE(countStatus(ComparisonModel::RowStatus::ShapeChanged),
                 numpy["shape_changes"].toArray().size());
        const QJsonObject diffs = numpy["max_abs_diff"].toObject();
        for (auto it = diffs.begin(); it != diffs.end(); ++it) {
            QVERIFY2(rows.contains(it.key()), qPrintable(it.key()));
            QVERIFY2(near(rows.value(it.key()).maxAbsDiff, it.value().toDouble(), 1e-12),
                     qPrintable(it.key()));
        }
        const int identical = static_cast<int>(numpy["identical"].toArray().size());
        QCOMPARE(countStatus(ComparisonModel::RowStatus::Identical), identical);
        QVERIFY2(window->comparisonSummary().contains(QString("of which %1 identical").arg(identical)),
                 qPrintable(window->comparisonSummary()));

        QSortFilterProxyModel* proxy = window->comparisonProxy();
        proxy->sort(ComparisonModel::MaxAbsDiff, Qt::DescendingOrder);
        double largest = 0;
        for (auto it = diffs.begin(); it != diffs.end(); ++it)
            largest = std::max(largest, it.value().toDouble());
        QVERIFY(near(proxy->index(0, ComparisonModel::MaxAbsDiff).data(ComparisonModel::SortRole).toDouble(),
                     largest, 1e-12));
    }

    void exportWeights_data()
    {
        QTest::addColumn<QString>("output");
        QTest::addColumn<QString>("dtype");
        QTest::newRow("safetensors, float16") << "ema.safetensors"
                                              << "float16";
        QTest::newRow("torch.save zip, bfloat16") << "ema.pth"
                                                  << "bfloat16";
    }

    // Export… writes what convert writes: Python reads it with weights_only=True and the EMA weights load
    // strictly into torchvision's resnet18, equal to the source after the cast.
    void exportWeights()
    {
        QFETCH(QString, output);
        QFETCH(QString, dtype);
        auto window = openInspector(trainingFile("torchvision_style.pth"));
        QVERIFY(window);
        QSignalSpy stats(window.get(), &InspectorWindow::statisticsFinished);
        window->showWeightSet(QStringLiteral("model_ema"));
        QVERIFY(stats.wait(kTimeout));
        QTemporaryDir dir;
        const QString out = dir.filePath(output);
        QSignalSpy exported(window.get(), &InspectorWindow::exportFinished);
        window->exportTo(out, dtype);
        QVERIFY(exported.wait(kTimeout));
        QVERIFY2(exported.front().front().toBool(), qPrintable(window->statusText()));
        const QJsonObject check = python(
            {support("check_export.py"), "--source", trainingFile("torchvision_style.pth"), "--key",
             "model_ema", "--output", out, "--dtype", dtype, "--arch", "resnet18", "--num-classes", "1000"});
        QVERIFY2(check["ok"].toBool(), qPrintable(check["error"].toString()));
    }

    // "Use these weights" hands the selected weight set and its file to the model.
    void useTheseWeights()
    {
        auto window = openInspector(trainingFile("timm_style.pth"));
        QVERIFY(window);
        QTableWidget* table = window->weightSetTable();
        int row = -1;
        for (int i = 0; i < table->rowCount(); ++i) {
            if (table->item(i, 0)->data(Qt::UserRole).toString() == "state_dict_ema")
                row = i;
        }
        QVERIFY(row >= 0);
        table->selectRow(row);
        QSignalSpy use(window.get(), &InspectorWindow::useWeights);
        QPushButton* button = nullptr;
        for (auto* candidate : window->findChildren<QPushButton*>()) {
            if (candidate->text() == "Use These Weights")
                button = candidate;
        }
        QVERIFY(button && button->isEnabled());
        QTest::mouseClick(button, Qt::LeftButton);
        QCOMPARE(use.size(), 1);
        QCOMPARE(use.front()[0].toString(), trainingFile("timm_style.pth"));
        QCOMPARE(use.front()[1].toString(), QStringLiteral("state_dict_ema"));
    }

    // Opening, the statistics of every tensor and a comparison of a 100 MB checkpoint run off the GUI
    // thread: its event loop never stalls, and the progress bar counts the tensors. LENS_INSPECTOR_FILE
    // names a larger file to measure instead (wide_resnet101_2's 500 MB).
    void staysResponsive()
    {
        const QString file = qEnvironmentVariableIsSet("LENS_INSPECTOR_FILE")
            ? qEnvironmentVariable("LENS_INSPECTOR_FILE")
            : QDir(referenceDir()).filePath("resnet50.pth");
        InspectorWindow window;
        window.show();
        auto* progress = window.findChild<QProgressBar*>();
        QVERIFY(progress);
        int highest = 0;
        connect(progress, &QProgressBar::valueChanged, this,
                [&](int value) { highest = std::max(highest, value); });
        QSignalSpy stats(&window, &InspectorWindow::statisticsFinished);
        lens::test::GapMeter meter;
        window.openFile(file);
        QVERIFY(stats.wait(kTimeout));
        QVERIFY(stats.front().front().toBool());
        const qint64 statsMs = meter.elapsed();
        QSignalSpy compared(&window, &InspectorWindow::comparisonFinished);
        window.compareWith(file);
        QVERIFY(compared.wait(kTimeout));
        qInfo("%s: statistics of %d tensors in %lld ms, compared with itself in %lld ms; longest event-loop "
              "gap "
              "%lld ms",
              qPrintable(QFileInfo(file).fileName()), window.tensorModel()->rowCount(), statsMs,
              meter.elapsed() - statsMs, meter.maxGap());
        QCOMPARE(highest, window.tensorModel()->rowCount());
        QVERIFY2(meter.maxGap() < 100,
                 qPrintable(QStringLiteral("event loop stalled for %1 ms").arg(meter.maxGap())));
    }

    // A file that is not a checkpoint: its error, no crash, nothing to export.
    void unreadableFile()
    {
        QTemporaryDir dir;
        QFile junk(dir.filePath("junk.pth"));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("not a checkpoint at all");
        junk.close();
        InspectorWindow window;
        QSignalSpy opened(&window, &InspectorWindow::fileOpened);
        window.openFile(junk.fileName());
        QVERIFY(opened.wait(kTimeout));
        QCOMPARE(opened.front().front().toBool(), false);
        QVERIFY(window.statusText().contains("junk.pth"));
        QCOMPARE(window.tensorModel()->rowCount(), 0);
    }

    // The Load Checkpoint dialog offers the file's weight sets, as Python finds them.
    void loadDialogListsWeightSets()
    {
        const QJsonObject expected = training()["files"].toObject()["training/nested.pth"].toObject();
        LoadCheckpointDialog dialog;
        QSignalSpy listed(&dialog, &LoadCheckpointDialog::weightSetsListed);
        dialog.setWeights(trainingFile("nested.pth"));
        QVERIFY(listed.wait(kTimeout));
        QStringList keys;
        for (const auto& set : expected["weight_sets"].toArray())
            keys << set.toObject()["key"].toString();
        QCOMPARE(dialog.weightSets(), keys);
        QCOMPARE(dialog.weightsKey(), QString()); // the default until one is picked
    }
};

QTEST_MAIN(TestInspector)
#include "tst_inspector.moc"
