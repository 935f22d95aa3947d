#include "jobs/CamExport.h"

#include "image/ImageEncoder.h"
#include "io/AtomicFile.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>

namespace lens {

namespace fs = std::filesystem;

std::vector<std::string> camFileNames(const std::vector<std::string>& images)
{
    std::map<std::string, int> seen;
    std::vector<std::string> names;
    names.reserve(images.size());
    for (const std::string& image : images) {
        const std::string name = fs::path(image).filename().string();
        const int repeat = seen[name]++;
        names.push_back(repeat == 0 ? name + ".cam.png" : name + "_" + std::to_string(repeat) + ".cam.png");
    }
    return names;
}

Result<void> prepareCamFolder(const std::string& folder)
{
    std::error_code error;
    if (fs::is_directory(folder, error))
        return {};
    if (fs::exists(folder, error))
        return Error {folder + ": exists and is not a folder; name a folder for the maps", ErrorKind::Usage,
                      folder};
    if (!fs::create_directories(folder, error) && !fs::is_directory(folder))
        return Error {folder + ": cannot create the folder (" + error.message() + ")", ErrorKind::Failed,
                      folder};
    return {};
}

Result<void> writeCamOverlay(const std::string& image, const ActivationMap& map,
                             const PreprocessOptions& preprocess, const DecodeOptions& decode,
                             const OverlayOptions& overlay, const std::string& path)
{
    std::string extension = fs::path(path).extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    const bool jpeg = extension == ".jpg" || extension == ".jpeg";
    if (!jpeg && extension != ".png")
        return Error {path + ": cannot write the map (name it .png, .jpg or .jpeg)", ErrorKind::Usage, path};
    DecodeOptions asRun = decode;
    asRun.applyExifOrientation = false;
    int orientation = 1;
    auto rgb = decodeImage(image, asRun, &orientation);
    if (!rgb)
        return rgb.error();
    const cv::Mat drawn = orientForDisplay(renderOverlay(*rgb, preprocess, map, overlay), orientation);
    auto encoded = jpeg ? encodeJpeg(drawn) : encodePng(drawn);
    if (!encoded)
        return Error {path + ": cannot write the map (" + encoded.message() + ")", encoded.error().kind,
                      path};
    // Through a temporary file renamed into place: a killed run never leaves half an image.
    return writeFileAtomically(path, std::string(encoded->begin(), encoded->end()));
}

CamSink::CamSink(std::string folder, const std::vector<std::string>& files, PreprocessOptions preprocess,
                 DecodeOptions decode, OverlayOptions overlay)
    : m_folder(std::move(folder))
    , m_preprocess(preprocess)
    , m_decode(decode)
    , m_overlay(overlay)
{
    const std::vector<std::string> names = camFileNames(files);
    for (std::size_t i = 0; i < files.size(); ++i)
        m_names.emplace(files[i], names[i]);
}

Result<void> CamSink::write(const BatchRow& row)
{
    if (!row.error.empty() || row.map.values.empty())
        return {};
    const auto name = m_names.find(row.path);
    const std::string file = name != m_names.end() ? name->second : camFileNames({row.path}).front();
    if (auto written = writeCamOverlay(row.path, row.map, m_preprocess, m_decode, m_overlay,
                                       (fs::path(m_folder) / file).string());
        !written)
        return written.error();
    ++m_written;
    return {};
}

} // namespace lens
