// The structure walk and the weight-set search over hand-written pickles (checkpoint/Structure.h): key
// paths and their escapes resolve back to the values they name; an optimizer's per-parameter state and
// anything inside an object that would run code are never weight sets, while inert objects are searched;
// a value shared along many paths is listed on each, and shared values cannot make either walk exponential.

#include "TestSupport.h"
#include "checkpoint/Pickle.h"
#include "checkpoint/Structure.h"

#include <QElapsedTimer>
#include <cstring>
#include <functional>
#include <string>

using namespace lens;

namespace {

/// Writes pickle protocol 2 by hand: enough to build dicts, lists, objects and tensor rebuilds.
class Pickle {
public:
    Pickle() { m_out = "\x80\x02"; }
    Pickle& raw(const std::string& bytes)
    {
        m_out += bytes;
        return *this;
    }
    Pickle& str(const std::string& text)
    {
        m_out += 'X';
        for (int i = 0; i < 4; ++i)
            m_out += static_cast<char>((text.size() >> (8 * i)) & 0xFF);
        m_out += text;
        return *this;
    }
    Pickle& integer(int value)
    {
        m_out += 'J';
        for (int i = 0; i < 4; ++i)
            m_out += static_cast<char>((static_cast<unsigned>(value) >> (8 * i)) & 0xFF);
        return *this;
    }
    Pickle& real(double value)
    {
        m_out += 'G';
        std::uint64_t bits;
        std::memcpy(&bits, &value, 8);
        for (int i = 7; i >= 0; --i)
            m_out += static_cast<char>((bits >> (8 * i)) & 0xFF);
        return *this;
    }
    Pickle& global(const std::string& module, const std::string& name)
    {
        return raw("c" + module + "\n" + name + "\n");
    }
    /// A float32 tensor of `numel` elements in storage record `key`.
    Pickle& tensor(const std::string& key, int numel = 4)
    {
        global("torch._utils", "_rebuild_tensor_v2").raw("((");
        str("storage").global("torch", "FloatStorage").str(key).str("cpu").integer(numel).raw("tQ");
        integer(0).raw("(").integer(numel).raw("t(").integer(1).raw("t\x89");
        global("collections", "OrderedDict").raw(")R");
        return raw("tR");
    }
    /// A dict: { then f() pushes key, value pairs, then SETITEMS.
    Pickle& dict(const std::function<void(Pickle&)>& items)
    {
        raw("}(");
        items(*this);
        return raw("u");
    }
    Pickle& list(const std::function<void(Pickle&)>& items)
    {
        raw("](");
        items(*this);
        return raw("e");
    }
    Pickle& put(int slot) { return raw(std::string("q") + static_cast<char>(slot)); }
    Pickle& get(int slot) { return raw(std::string("h") + static_cast<char>(slot)); }
    std::string done() const { return m_out + "."; }

private:
    std::string m_out;
};

PickleDocument parse(const std::string& bytes)
{
    UnpickleOptions options;
    options.displayName = "test";
    auto document = unpickle(bytes.data(), bytes.size(), options);
    if (!document)
        qFatal("%s", document.message().c_str());
    return std::move(*document);
}

QStringList paths(const WeightSetSearch& search)
{
    QStringList out;
    for (const auto& set : search.sets)
        out << QString::fromStdString(set.path);
    return out;
}

} // namespace

class TestStructure : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void keyPaths_data()
    {
        QTest::addColumn<QByteArray>("pickle");
        QTest::addColumn<QStringList>("expected");
        const auto weights = [](Pickle& p) { p.dict([](Pickle& d) { d.str("w").tensor("0"); }); };
        QTest::newRow("the whole file")
            << QByteArray::fromStdString(Pickle().dict([](Pickle& d) { d.str("w").tensor("0"); }).done())
            << QStringList {""};
        QTest::newRow("'/' and '~' escaped") << QByteArray::fromStdString(
            Pickle()
                .dict([&](Pickle& d) {
                    d.str("run/1").dict(
                        [&](Pickle& e) { e.str("a~b").dict([](Pickle& f) { f.str("w").tensor("0"); }); });
                })
                .done()) << QStringList {"run~11/a~0b"};
        QTest::newRow("integer keys and list indices")
            << QByteArray::fromStdString(Pickle()
                                             .dict([&](Pickle& d) {
                                                 d.integer(7).list([&](Pickle& l) {
                                                     weights(l);
                                                     weights(l);
                                                 });
                                             })
                                             .done())
            << QStringList {"7/0", "7/1"};
        QTest::newRow("a shared state dict, listed on each path")
            << QByteArray::fromStdString(Pickle()
                                             .dict([&](Pickle& d) {
                                                 d.str("model");
                                                 weights(d);
                                                 d.put(9).str("model_ema").get(9);
                                             })
                                             .done())
            << QStringList {"model", "model_ema"};
        QTest::newRow("an optimizer's state is not weights") << QByteArray::fromStdString(
            Pickle()
                .dict([&](Pickle& d) {
                    d.str("optimizer").dict([](Pickle& o) {
                        o.str("state").dict([](Pickle& s) {
                            s.integer(0).dict([](Pickle& m) { m.str("momentum_buffer").tensor("1"); });
                        });
                        o.str("param_groups").list([](Pickle& g) {
                            g.dict([](Pickle& group) {
                                group.str("lr").real(0.1).str("params").list([](Pickle& p) { p.integer(0); });
                            });
                        });
                    });
                    d.str("model");
                    weights(d);
                })
                .done()) << QStringList {"model"};
        QTest::newRow("inside an argparse.Namespace")
            << QByteArray::fromStdString(Pickle()
                                             .dict([&](Pickle& d) {
                                                 d.str("args").global("argparse", "Namespace").raw(")\x81");
                                                 d.dict([&](Pickle& state) {
                                                     state.str("ema");
                                                     weights(state);
                                                 });
                                                 d.raw("b");
                                             })
                                             .done())
            << QStringList {"args/ema"};
        QTest::newRow("never inside an object that would run code")
            << QByteArray::fromStdString(Pickle()
                                             .dict([&](Pickle& d) {
                                                 d.str("model").global("train", "Net").raw(")\x81");
                                                 d.dict([&](Pickle& state) {
                                                     state.str("_buffers");
                                                     weights(state);
                                                 });
                                                 d.raw("b");
                                             })
                                             .done())
            << QStringList {};
    }

    void keyPaths()
    {
        QFETCH(QByteArray, pickle);
        QFETCH(QStringList, expected);
        const PickleDocument document = parse(pickle.toStdString());
        const WeightSetSearch search = findWeightSets(document);
        QVERIFY(!search.incomplete);
        QCOMPARE(paths(search), expected);
        for (const auto& set : search.sets) {
            QCOMPARE(resolveKeyPath(document.root(), set.path), set.dict);
            QCOMPARE(set.group.tensors, 1);
            QVERIFY(isStateDict(set.dict));
        }
    }

    void segments_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("plain") << "model_ema";
        QTest::newRow("slash") << "a/b";
        QTest::newRow("tilde") << "~0~1";
        QTest::newRow("both") << "/~/";
    }

    void segments()
    {
        QFETCH(QString, text);
        PickleValue key;
        key.kind = PickleKind::String;
        key.text = text.toStdString();
        const std::string segment = keySegment(key);
        QVERIFY(segment.find('/') == std::string::npos);
        QCOMPARE(QString::fromStdString(unescapeSegment(segment)), text);
    }

    void optimizerSummary()
    {
        const std::string bytes = Pickle()
                                      .dict([](Pickle& o) {
                                          o.str("state").dict([](Pickle& s) {
                                              for (int i = 0; i < 3; ++i)
                                                  s.integer(i).dict([&](Pickle& m) {
                                                      m.str("exp_avg").tensor("a" + std::to_string(i), 10);
                                                      m.str("exp_avg_sq").tensor("b" + std::to_string(i), 10);
                                                      m.str("step").real(4.0);
                                                  });
                                          });
                                          o.str("param_groups").list([](Pickle& g) {
                                              g.dict([](Pickle& group) {
                                                  group.str("lr").real(0.001).str("params").list(
                                                      [](Pickle& p) { p.integer(0).integer(1).integer(2); });
                                                  group.str("amsgrad").raw("\x89");
                                              });
                                          });
                                      })
                                      .done();
        const PickleDocument document = parse(bytes);
        const Structure structure = describeStructure(document);
        QCOMPARE(structure.root.kind, StructureNode::Kind::Optimizer);
        const OptimizerSummary& o = structure.root.optimizer;
        QCOMPARE(QString::fromStdString(o.guess), QString("Adam or AdamW"));
        QCOMPARE(o.groupCount, std::size_t(1));
        QCOMPARE(o.groups[0].params, 3);
        QCOMPARE(o.groups[0].hyperparameters.size(), std::size_t(2));
        QCOMPARE(QString::fromStdString(o.groups[0].hyperparameters[0].second.repr), QString("0.001"));
        QCOMPARE(o.stateEntries, std::size_t(3));
        QCOMPARE(o.kinds.size(), std::size_t(3));
        QCOMPARE(o.kinds[0].tensors.tensors, 3);
        QCOMPARE(o.kinds[0].tensors.elements, 30);
        QCOMPARE(o.kinds[2].scalars, 3);
        QVERIFY(findWeightSets(document).sets.empty());
    }

    // {"a": d, "b": d} forty levels deep over one state dict: 2^40 paths, each walk bounded.
    void sharedValuesStayBounded()
    {
        Pickle p;
        p.dict([](Pickle& d) { d.str("w").tensor("0"); }).put(0);
        for (int level = 1; level <= 40; ++level) {
            p.raw("}(").str("a").get((level - 1) % 2).str("b").get((level - 1) % 2).raw("u");
            p.put(level % 2);
        }
        const PickleDocument document = parse(p.done());
        QElapsedTimer timer;
        timer.start();
        const WeightSetSearch search = findWeightSets(document);
        const Structure structure = describeStructure(document);
        QVERIFY(search.incomplete);
        QVERIFY(!search.sets.empty() && search.sets.size() <= kMaxWeightSets);
        QVERIFY(structure.nodes <= kMaxStructureNodes);
        QVERIFY(structure.truncated);
        QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
    }

    // A container's children beyond kMaxChildrenShown are counted, not described.
    void wideContainers()
    {
        Pickle p;
        p.raw("](");
        for (int i = 0; i < 500; ++i)
            p.dict([&](Pickle& d) { d.str("epoch").integer(i).str("note").str("x"); });
        p.raw("e");
        const Structure structure = describeStructure(parse(p.done()));
        QCOMPARE(structure.root.childCount, std::size_t(500));
        QCOMPARE(structure.root.children.size(), kMaxChildrenShown);
        QCOMPARE(QString::fromStdString(structure.root.children[3].children[0].path), QString("3/epoch"));
        QCOMPARE(structure.root.children[3].children[0].value.integer, 3);
    }
};

QTEST_GUILESS_MAIN(TestStructure)
#include "tst_structure.moc"
