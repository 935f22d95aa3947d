#include "convert/Export.h"

#include "io/AtomicFile.h"
#include "io/FileChecks.h"
#include "io/Json.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace lens {

namespace {

std::string lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

bool endsWith(const std::string& text, const std::string& suffix)
{
    return text.size() >= suffix.size()
        && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class FileSink : public ByteSink {
public:
    explicit FileSink(AtomicFile& file)
        : m_file(file)
    { }
    Result<void> write(const void* data, std::size_t size) override { return m_file.write(data, size); }

private:
    AtomicFile& m_file;
};

/// A JSON list of strings, for the "classes" metadata entry the safetensors reader understands.
std::string jsonList(const std::vector<std::string>& names)
{
    std::string text = "[";
    for (std::size_t i = 0; i < names.size(); ++i)
        text += (i ? ", " : "") + JsonWriter::escape(names[i]);
    return text + "]";
}

} // namespace

const char* exportFormatName(ExportFormat format)
{
    return format == ExportFormat::SafeTensors ? "safetensors" : "torch.save zip";
}

Result<ExportFormat> exportFormatFor(const std::string& output)
{
    const std::string name = lower(std::filesystem::path(output).filename().string());
    if (endsWith(name, ".safetensors"))
        return ExportFormat::SafeTensors;
    for (const char* ext : {".pth", ".pt", ".bin"}) {
        if (endsWith(name, ext))
            return ExportFormat::TorchZip;
    }
    return Error {output
                      + ": the output's name must end in .safetensors (safetensors) or .pth, .pt or .bin "
                        "(torch.save's format)",
                  ErrorKind::Usage, output};
}

Result<DType> exportDtypeFor(const std::string& name)
{
    const std::string n = lower(name);
    if (n == "float32" || n == "fp32" || n == "float")
        return DType::Float32;
    if (n == "float16" || n == "fp16" || n == "half")
        return DType::Float16;
    if (n == "bfloat16" || n == "bf16")
        return DType::BFloat16;
    return Error {"the dtype must be float32, float16 or bfloat16, got '" + name + "'", ErrorKind::Usage};
}

Result<ExportResult> exportWeights(const ExportOptions& options, const WriteProgress& progress)
{
    auto format = exportFormatFor(options.output);
    if (!format)
        return format.error();
    ReadOptions read;
    read.allowUnsafeObjects = options.allowUnsafeObjects;
    read.weightsKey = options.weightsKey;
    auto checkpoint = readCheckpoint(options.input, read);
    if (!checkpoint)
        return checkpoint.error();
    return exportCheckpoint(*checkpoint, options, progress);
}

Result<ExportResult> exportCheckpoint(const Checkpoint& checkpoint, const ExportOptions& options,
                                      const WriteProgress& progress)
{
    auto format = exportFormatFor(options.output);
    if (!format)
        return format.error();
    if (!checkpoint.dangers.empty() && !options.allowUnsafeObjects)
        return Error {checkpoint.path + ": " + dangerRefusal(checkpoint.dangers), ErrorKind::Dangerous,
                      checkpoint.path};
    if (checkpoint.tensors.empty())
        return Error {checkpoint.path + ": holds no tensors to export"
                          + (checkpoint.problem.empty() ? std::string() : " (" + checkpoint.problem + ")"),
                      ErrorKind::Failed, checkpoint.path};
    auto target = outputFilePath(options.output);
    if (!target)
        return target.error();
    std::error_code error;
    if (std::filesystem::exists(*target, error)
        && std::filesystem::equivalent(*target, checkpoint.path, error))
        return Error {options.output + ": is the checkpoint being exported; name another output file",
                      ErrorKind::Usage, options.output};

    ExportResult result;
    result.output = *target;
    result.format = *format;
    result.tensors = checkpoint.tensors.size();
    result.weightsKey = checkpoint.weightsKey;
    result.fixes = checkpoint.fixes;
    result.warnings = checkpoint.warnings;

    const ShapeList shapes = keyShapes(checkpoint.tensors);
    std::vector<std::string> detection;
    if (auto spec = resolveArchitecture(shapes, options.arch, detection)) {
        result.architectureFound = true;
        result.architecture = *spec;
        const LoadReport report = matchStateDict(expectedShapes(*spec), shapes);
        // Strict loading accepts other floating dtypes (load_state_dict copies with a cast): what matters is
        // that every key and shape matches.
        result.loadsStrictly = report.complete();
        if (!report.complete())
            result.problem = "does not load strictly into " + spec->name + ":" + report.describeProblems();
        result.fixes.insert(result.fixes.end(), detection.begin(), detection.end());
    } else {
        result.problem = spec.message();
    }

    std::vector<ExportTensor> tensors;
    std::size_t cast = 0;
    for (const auto& [name, tensor] : checkpoint.tensors) {
        DType type = tensor.dtype;
        if (options.dtype && dtypeInfo(tensor.dtype).floating && tensor.dtype != *options.dtype) {
            type = *options.dtype;
            ++cast;
        }
        tensors.push_back({name, &tensor, type});
    }
    if (cast > 0)
        result.fixes.push_back("cast " + std::to_string(cast) + " floating-point tensors to "
                               + dtypeName(*options.dtype));

    auto file = AtomicFile::create(*target);
    if (!file)
        return file.error();
    FileSink sink(*file);
    Result<void> written;
    if (*format == ExportFormat::SafeTensors) {
        std::vector<std::pair<std::string, std::string>> metadata {{"format", "pt"}};
        if (result.loadsStrictly) {
            metadata.emplace_back("architecture", result.architecture.name);
            metadata.emplace_back("num_classes", std::to_string(result.architecture.numClasses));
        }
        if (!checkpoint.labels.empty())
            metadata.emplace_back("classes", jsonList(checkpoint.labels));
        written = writeSafeTensors(sink, tensors, metadata, progress);
    } else {
        if (!checkpoint.labels.empty())
            result.warnings.push_back(
                "the checkpoint's class names are not kept: a state dict in torch.save's "
                "format holds tensors only (.safetensors keeps them in its metadata)");
        written = writeTorchZip(sink, tensors, progress);
    }
    if (!written) {
        Error failure = written.error();
        if (failure.kind != ErrorKind::Cancelled)
            failure.message = options.output + ": " + failure.message;
        return failure;
    }
    result.bytes = file->size();
    if (auto committed = file->commit(); !committed)
        return committed.error();
    return result;
}

} // namespace lens
