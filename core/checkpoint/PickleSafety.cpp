#include "checkpoint/PickleSafety.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>
#include <unordered_set>

namespace lens {

namespace {

bool startsWith(std::string_view text, std::string_view prefix)
{
    return text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

// Types Python builds from a pickle without running code of the file's choosing: their constructors and
// __setstate__/__reduce__ only store data.
const char* const kInert[] = {
    // copyreg's helpers only carry the class they build, which is judged on its own.
    "copyreg._reconstructor",
    "copyreg.__newobj__",
    "copyreg.__newobj_ex__",
    "builtins.object",
    "builtins.set",
    "builtins.frozenset",
    "builtins.bytes",
    "builtins.bytearray",
    "builtins.complex",
    "builtins.slice",
    "builtins.range",
    "builtins.list",
    "builtins.dict",
    "builtins.tuple",
    "builtins.int",
    "builtins.float",
    "builtins.str",
    "builtins.bool",
    "collections.OrderedDict",
    "collections.defaultdict",
    "collections.deque",
    "collections.Counter",
    "collections.ChainMap",
    "argparse.Namespace",
    "datetime.datetime",
    "datetime.date",
    "datetime.time",
    "datetime.timedelta",
    "datetime.timezone",
    "decimal.Decimal",
    "fractions.Fraction",
    "uuid.UUID",
    "pathlib.Path",
    "pathlib.PosixPath",
    "pathlib.WindowsPath",
    "pathlib.PurePath",
    "pathlib.PurePosixPath",
    "pathlib.PureWindowsPath",
    "typing.Any",
    // numpy arrays, dtypes and scalars (numpy 1.x and 2.x module names)
    "numpy.ndarray",
    "numpy.dtype",
    "numpy.core.multiarray._reconstruct",
    "numpy.core.multiarray.scalar",
    "numpy.core.numeric._frombuffer",
    "numpy._core.multiarray._reconstruct",
    "numpy._core.multiarray.scalar",
    "numpy._core.numeric._frombuffer",
    // OmegaConf (Hydra) configurations
    "omegaconf.dictconfig.DictConfig",
    "omegaconf.listconfig.ListConfig",
    "omegaconf.base.ContainerMetadata",
    "omegaconf.base.Metadata",
    "omegaconf.nodes.AnyNode",
    "omegaconf.nodes.StringNode",
    "omegaconf.nodes.IntegerNode",
    "omegaconf.nodes.FloatNode",
    "omegaconf.nodes.BooleanNode",
    "omegaconf.nodes.BytesNode",
    "omegaconf.nodes.PathNode",
    "omegaconf.nodes.ValueNode",
    // PyTorch Lightning's hyper-parameter dict
    "pytorch_lightning.utilities.parsing.AttributeDict",
    "lightning.pytorch.utilities.parsing.AttributeDict",
    "lightning.fabric.utilities.data.AttributeDict",
    "lightning_fabric.utilities.data.AttributeDict",
    // torch's own rebuild helpers for tensors this reader does not load, and layout/qscheme names
    "torch._utils._rebuild_device_tensor_from_numpy",
    "torch._utils._rebuild_qtensor",
    "torch._utils._rebuild_sparse_tensor",
    "torch._utils._rebuild_meta_tensor_no_storage",
    "torch._utils._rebuild_nested_tensor",
    "torch.serialization._get_layout",
    "torch.strided",
    "torch.sparse_coo",
    "torch.per_tensor_affine",
    "torch.per_channel_affine",
    // TorchScript archives: the pickled module tree and its tensor helpers
    "torch.jit._pickle.build_tensor_from_id",
    "torch.jit._pickle.restore_type_tag",
    "torch.jit._pickle.build_intlist",
    "torch.jit._pickle.build_doublelist",
    "torch.jit._pickle.build_boollist",
    "torch.jit._pickle.build_tensorlist",
};

bool isTorchScriptClass(std::string_view name)
{
    // TorchScript's pickler names the classes of scripted modules "__torch__.<qualified name>"; they refer
    // to the archive's TorchScript code, which this reader never compiles or runs.
    return startsWith(name, "__torch__.");
}

struct Renderer {
    std::size_t maxLength;
    std::string out;
    bool full = false;

    void put(std::string_view text)
    {
        if (full)
            return;
        if (out.size() + text.size() > maxLength) {
            out.append(text.substr(0, maxLength - std::min(maxLength, out.size())));
            out += "...";
            full = true;
            return;
        }
        out.append(text);
    }

    void quoted(const std::string& text, bool bytes)
    {
        // Python's repr: single quotes unless the text holds one and no double quote.
        const char quote
            = text.find('\'') != std::string::npos && text.find('"') == std::string::npos ? '"' : '\'';
        std::string s = bytes ? "b" : "";
        s += quote;
        for (const char ch : text) {
            const auto c = static_cast<unsigned char>(ch);
            char escape[8];
            if (c == '\\' || c == static_cast<unsigned char>(quote)) {
                s += '\\';
                s += ch;
            } else if (c == '\n') {
                s += "\\n";
            } else if (c == '\r') {
                s += "\\r";
            } else if (c == '\t') {
                s += "\\t";
            } else if (c < 0x20 || c == 0x7F || (bytes && c >= 0x80)) {
                std::snprintf(escape, sizeof escape, "\\x%02x", c);
                s += escape;
            } else {
                s += ch;
            }
            if (s.size() > maxLength)
                break;
        }
        s += quote;
        put(s);
    }

    void sequence(const std::vector<const PickleValue*>& items, int depth, const char* open,
                  const char* close, bool tuple)
    {
        put(open);
        for (std::size_t i = 0; i < items.size() && !full; ++i) {
            if (i)
                put(", ");
            if (i == 8) {
                put("...");
                break;
            }
            value(*items[i], depth + 1);
        }
        if (tuple && items.size() == 1)
            put(",");
        put(close);
    }

    void call(const PickleValue& object, int depth)
    {
        if (object.callee)
            value(*object.callee, depth + 1);
        else
            put(object.text);
        std::vector<const PickleValue*> args = object.items;
        // copyreg._reconstructor(cls, base, state) builds cls: show it as cls().
        if (!object.callee && !args.empty() && args[0]->kind == PickleKind::Global
            && args[0]->text == object.text)
            args.clear();
        put("(");
        for (std::size_t i = 0; i < args.size() && !full; ++i) {
            if (i)
                put(", ");
            if (i == 8) {
                put("...");
                break;
            }
            value(*args[i], depth + 1);
        }
        if (object.kwargs) {
            bool first = args.empty();
            for (const auto& [key, item] : object.kwargs->entries) {
                if (!first)
                    put(", ");
                first = false;
                put(key->kind == PickleKind::String ? key->text : "?");
                put("=");
                value(*item, depth + 1);
            }
        }
        put(")");
    }

    void value(const PickleValue& v, int depth)
    {
        if (full)
            return;
        if (depth > 6) {
            put("...");
            return;
        }
        char number[64];
        switch (v.kind) {
        case PickleKind::None:
            put("None");
            break;
        case PickleKind::Bool:
            put(v.boolean ? "True" : "False");
            break;
        case PickleKind::Int:
            put(std::to_string(v.integer));
            break;
        case PickleKind::BigInt:
            put("<int of " + std::to_string(v.text.size()) + " bytes>");
            break;
        case PickleKind::Float:
            put(pythonFloatRepr(v.real));
            break;
        case PickleKind::String:
            quoted(v.text, false);
            break;
        case PickleKind::Bytes:
            quoted(v.text, true);
            break;
        case PickleKind::Tuple:
            sequence(v.items, depth, "(", ")", true);
            break;
        case PickleKind::List:
            sequence(v.items, depth, "[", "]", false);
            break;
        case PickleKind::Set:
            if (v.items.empty())
                put("set()");
            else
                sequence(v.items, depth, "{", "}", false);
            break;
        case PickleKind::Dict:
            put("{");
            for (std::size_t i = 0; i < v.entries.size() && !full; ++i) {
                if (i)
                    put(", ");
                if (i == 8) {
                    put("...");
                    break;
                }
                value(*v.entries[i].first, depth + 1);
                put(": ");
                value(*v.entries[i].second, depth + 1);
            }
            put("}");
            break;
        case PickleKind::Tensor:
        case PickleKind::Storage: {
            std::string shape;
            if (v.tensor) {
                for (std::size_t i = 0; i < v.tensor->sizes.size(); ++i)
                    shape += (i ? ", " : "") + std::to_string(v.tensor->sizes[i]);
            }
            put(std::string(v.kind == PickleKind::Tensor ? "<tensor " : "<storage ")
                + (v.tensor ? v.tensor->dtype : std::string()) + " [" + shape + "]>");
            break;
        }
        case PickleKind::Global:
            put(v.text);
            break;
        case PickleKind::Object:
            call(v, depth);
            break;
        }
    }
};

bool looksLikeClass(const std::string& name)
{
    const auto dot = name.rfind('.');
    const char first = name[dot == std::string::npos ? 0 : dot + 1];
    return std::isupper(static_cast<unsigned char>(first)) != 0;
}

} // namespace

GlobalSafety globalSafety(std::string_view name)
{
    if (isDataGlobal(name))
        return GlobalSafety::Data;
    if (isTorchScriptClass(name) || std::any_of(std::begin(kInert), std::end(kInert), [&](const char* inert) {
            return name == inert;
        }))
        return GlobalSafety::Inert;
    return GlobalSafety::Unsafe;
}

std::string pythonFloatRepr(double value)
{
    if (std::isnan(value))
        return "nan";
    if (std::isinf(value))
        return value < 0 ? "-inf" : "inf";
    // The shortest digits that read back as the value, laid out as Python's repr does: positional for
    // decimal exponents from -4 to 15, else d.ddde+XX.
    char buffer[64];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific).ptr;
    const std::string text(buffer, end);
    const auto e = text.find('e');
    std::string digits;
    bool negative = false;
    for (std::size_t i = 0; i < e; ++i) {
        if (text[i] == '-')
            negative = true;
        else if (std::isdigit(static_cast<unsigned char>(text[i])))
            digits += text[i];
    }
    const int exponent = std::stoi(text.substr(e + 1));
    std::string out = negative ? "-" : "";
    if (exponent < -4 || exponent >= 16) {
        out += digits.substr(0, 1);
        if (digits.size() > 1)
            out += "." + digits.substr(1);
        char tail[8];
        std::snprintf(tail, sizeof tail, "e%c%02d", exponent < 0 ? '-' : '+',
                      exponent < 0 ? -exponent : exponent);
        return out + tail;
    }
    if (exponent < 0)
        return out + "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
    const auto whole = static_cast<std::size_t>(exponent) + 1;
    if (digits.size() <= whole)
        return out + digits + std::string(whole - digits.size(), '0') + ".0";
    return out + digits.substr(0, whole) + "." + digits.substr(whole);
}

std::string pythonRepr(const PickleValue& value, std::size_t maxLength)
{
    Renderer renderer {maxLength, {}, false};
    renderer.value(value, 0);
    return renderer.out;
}

std::vector<PickleDanger> pickleDangers(const PickleDocument& document)
{
    std::vector<const PickleValue*> unsafe;
    for (const PickleValue* call : document.calls()) {
        if (globalSafety(call->text) == GlobalSafety::Unsafe)
            unsafe.push_back(call);
    }
    // A call that feeds another unsafe call (as its callee or an argument) is shown inside that one.
    std::unordered_set<const PickleValue*> nested;
    for (const PickleValue* call : unsafe) {
        if (call->callee)
            nested.insert(call->callee);
        for (const PickleValue* arg : call->items)
            nested.insert(arg);
    }
    std::vector<PickleDanger> dangers;
    std::set<std::string> covered; // one danger per callable: its first call
    for (const PickleValue* call : unsafe) {
        if (nested.count(call) || !covered.insert(call->text).second)
            continue;
        PickleDanger danger;
        danger.global = call->text;
        const std::string text = pythonRepr(*call);
        const bool bareObject = looksLikeClass(call->text) && text == call->text + "()";
        danger.action = bareObject ? "create a " + call->text + " object" : "call " + text;
        dangers.push_back(std::move(danger));
        if (dangers.size() >= 64)
            break;
    }
    for (const std::string& name : document.globals()) {
        if (globalSafety(name) != GlobalSafety::Unsafe)
            continue;
        const bool shown = std::any_of(dangers.begin(), dangers.end(), [&](const PickleDanger& danger) {
            return danger.global == name || danger.action.find(name) != std::string::npos;
        });
        if (!shown && dangers.size() < 64)
            dangers.push_back({name, "import " + name});
    }
    return dangers;
}

std::vector<std::string> inertGlobals(const PickleDocument& document)
{
    std::vector<std::string> inert;
    for (const std::string& name : document.globals()) {
        if (globalSafety(name) != GlobalSafety::Inert || isTorchScriptClass(name)
            || startsWith(name, "copyreg.") || name == "builtins.object")
            continue;
        inert.push_back(name);
    }
    return inert;
}

std::string describeDangers(const std::vector<PickleDanger>& dangers)
{
    if (dangers.empty())
        return {};
    std::string text = "would " + dangers.front().action;
    if (dangers.size() >= 2)
        text += (dangers.size() == 2 ? " and " : ", ") + dangers[1].action;
    if (dangers.size() > 2)
        text += " (and " + std::to_string(dangers.size() - 2) + " more)";
    return text + " when loaded by Python";
}

std::string dangerRefusal(const std::vector<PickleDanger>& dangers)
{
    return "this file " + describeDangers(dangers) + "; nothing was run";
}

} // namespace lens
