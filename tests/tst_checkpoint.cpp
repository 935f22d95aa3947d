// Every checkpoint format and wrapper the reader accepts gives the weights of the same resnet18, and the
// classifier built on it gives torchvision's top-5; the partial file matches torch's own verdict; hostile
// files get clear errors. The files come from reference/make_checkpoints.py.

#include "TestSupport.h"
#include "checkpoint/Checkpoint.h"
#include "image/ImageDecoder.h"
#include "inference/Classifier.h"
#include "inference/TorchTensor.h"
#include "preprocess/Preprocess.h"

#include <QFileInfo>
#include <algorithm>
#include <map>
#include <set>
#include <torch/torch.h>

using namespace lens;

namespace {

const QJsonObject& checkpoints()
{
    static const QJsonObject json
        = test::readJsonFile(QDir(test::referenceDir()).filePath("checkpoints/checkpoints.json"));
    return json;
}

std::vector<int> topIndices(const std::vector<float>& logits, int k)
{
    std::vector<int> order(logits.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = static_cast<int>(i);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return logits[a] > logits[b]; });
    order.resize(k);
    return order;
}

std::vector<std::string> sorted(std::vector<std::string> keys)
{
    std::sort(keys.begin(), keys.end());
    return keys;
}

std::vector<std::string> toStrings(const QJsonArray& array)
{
    std::vector<std::string> out;
    for (const auto& v : array)
        out.push_back(v.toString().toStdString());
    return out;
}

} // namespace

class TestCheckpoint : public QObject {
    Q_OBJECT

private:
    std::map<std::string, at::Tensor> m_original;

private Q_SLOTS:
    void initTestCase()
    {
        auto original = readCheckpoint(test::referencePath("resnet18.pth"));
        QVERIFY2(original.ok(), original.message().c_str());
        for (const auto& [name, tensor] : original->tensors)
            m_original[name] = toTorch(tensor).clone();
        QCOMPARE(m_original.size(), std::size_t(122));
    }

    void variantLoads_data()
    {
        QTest::addColumn<QString>("variant");
        const QJsonObject variants = checkpoints()["variants"].toObject();
        for (auto it = variants.begin(); it != variants.end(); ++it)
            QTest::newRow(qPrintable(it.key())) << it.key();
        QVERIFY(variants.size() >= 13);
    }

    // Same tensors as the original (exactly, or after rounding for float16/bfloat16; the 10-class head is
    // fc cut to 10 rows), the expected format and fixes, and torchvision's top-5 on two photos.
    void variantLoads()
    {
        QFETCH(QString, variant);
        const QJsonObject spec = checkpoints()["variants"][variant].toObject();
        const std::string path = test::referencePath(spec["file"].toString());
        const QString expect = spec["expect"].toString();

        auto checkpoint = readCheckpoint(path);
        QVERIFY2(checkpoint.ok(), checkpoint.message().c_str());
        QCOMPARE(QString::fromStdString(checkpoint->format), spec["format"].toString());
        int compared = 0;
        for (const auto& [name, data] : checkpoint->tensors) {
            const at::Tensor tensor = toTorch(data);
            auto it = m_original.find(name);
            QVERIFY2(it != m_original.end(), name.c_str());
            at::Tensor reference = it->second;
            if (expect == "10cls" && name.rfind("fc.", 0) == 0)
                reference = reference.narrow(0, 0, 10);
            if (expect == "half" && reference.is_floating_point())
                reference = reference.to(tensor.scalar_type());
            QVERIFY2(torch::equal(tensor, reference), name.c_str());
            ++compared;
        }
        QCOMPARE(compared, 122);

        ClassifierOptions options;
        options.weights = path;
        auto classifier = Classifier::create(options);
        QVERIFY2(classifier.ok(), classifier.message().c_str());
        std::string fixes;
        for (const auto& fix : (*classifier)->fixes())
            fixes += fix + "\n";
        for (const auto& wanted : spec["fixes"].toArray())
            QVERIFY2(fixes.find(wanted.toString().toStdString()) != std::string::npos, fixes.c_str());
        if (spec["labels"].isArray())
            QCOMPARE((*classifier)->labels(), toStrings(spec["labels"].toArray()));

        auto preset = presetByName("v1");
        for (const auto& photo : checkpoints()["photos"].toArray()) {
            auto image = decodeImage(QDir(test::dataDir()).filePath(photo.toString()).toStdString());
            QVERIFY(image.ok());
            const PreprocessedImage input = preprocess(*image, *preset);
            auto results = (*classifier)->classify(input.chw.data(), 1, preset->crop, 5);
            QVERIFY2(results.ok(), results.message().c_str());
            std::vector<float> logits = test::toFloats(
                test::reference()["photos"][photo.toString()]["v1"]["logits"]["resnet18"].toArray());
            if (expect == "10cls")
                logits.resize(10);
            const std::vector<int> expected = topIndices(logits, 5);
            std::vector<int> actual;
            for (const auto& score : results->front().top)
                actual.push_back(score.index);
            if (expect == "half") // rounding may swap neighbours: the same set
                QCOMPARE(std::set<int>(actual.begin(), actual.end()),
                         std::set<int>(expected.begin(), expected.end()));
            else
                QCOMPARE(actual, expected);
        }
    }

    void partialMatchesTorch()
    {
        const QJsonObject partial = checkpoints()["partial"].toObject();
        const QJsonObject torchVerdict = partial["torch"].toObject();
        ClassifierOptions options;
        options.weights = test::referencePath(partial["file"].toString());
        options.loadMode = LoadMode::Partial;
        auto classifier = Classifier::create(options);
        QVERIFY2(classifier.ok(), classifier.message().c_str());
        const LoadReport& report = (*classifier)->loadReport();
        QCOMPARE(sorted(report.missing), toStrings(torchVerdict["missing"].toArray()));
        QCOMPARE(sorted(report.unexpected), toStrings(torchVerdict["unexpected"].toArray()));
        std::vector<std::string> mismatched;
        for (const auto& m : report.mismatched)
            mismatched.push_back(m.key);
        QCOMPARE(sorted(mismatched), toStrings(torchVerdict["mismatched"].toArray()));
        QVERIFY(!report.matched.empty());

        options.loadMode = LoadMode::Strict;
        auto strict = Classifier::create(options);
        QVERIFY(!strict.ok());
        for (const char* key : {"fc.weight", "fc.bias", "extra.weight", "layer1.0.conv1.weight"})
            QVERIFY2(strict.message().find(key) != std::string::npos, strict.message().c_str());
    }

    void hostileFile_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("mustSay");
        const QJsonObject hostile = checkpoints()["hostile"].toObject();
        for (auto it = hostile.begin(); it != hostile.end(); ++it)
            QTest::newRow(qPrintable(QFileInfo(it.key()).fileName())) << it.key() << it.value().toString();
        QVERIFY(hostile.size() >= 8);
    }

    void hostileFile()
    {
        QFETCH(QString, file);
        QFETCH(QString, mustSay);
        const std::string path = test::referencePath(file);
        auto checkpoint = readCheckpoint(path);
        QVERIFY(!checkpoint.ok());
        QVERIFY2(checkpoint.message().find(path) != std::string::npos, checkpoint.message().c_str());
        QVERIFY2(checkpoint.message().find(mustSay.toStdString()) != std::string::npos,
                 checkpoint.message().c_str());
    }
};

QTEST_GUILESS_MAIN(TestCheckpoint)
#include "tst_checkpoint.moc"
