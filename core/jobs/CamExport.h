#pragma once

// Class activation maps saved as images: classify --cam-dir and batch --cam-dir write one overlay per image
// for its top-1 class (preprocess/CamOverlay.h), "<file name>.cam.png" in the folder. Names are assigned over
// the whole list of images in its order, so a resumed run gives every image the name it had: the k-th image
// whose name repeats an earlier one's gets "_k" before ".cam.png", as --sort-into names clashes. A map is
// written under a temporary name and renamed into place, so a killed run never leaves half an image.
//
// Threading: reentrant; a CamSink is used by its run's thread.

#include "Result.h"
#include "batch/RowSink.h"
#include "image/ImageDecoder.h"
#include "preprocess/CamOverlay.h"
#include "preprocess/Preprocess.h"

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace lens {

/// The map file name of each image (a file name, without folder), in order.
std::vector<std::string> camFileNames(const std::vector<std::string>& images);

/// Decodes image as a run did (decode; EXIF orientation is applied here for display), draws the overlay of
/// map on it and writes it to path (PNG, or JPEG for .jpg/.jpeg) through a temporary file in its folder.
Result<void> writeCamOverlay(const std::string& image, const ActivationMap& map,
                             const PreprocessOptions& preprocess, const DecodeOptions& decode,
                             const OverlayOptions& overlay, const std::string& path);

/// Creates the folder (and its parents) unless it exists; an error when it is something else.
Result<void> prepareCamFolder(const std::string& folder);

/// A batch run's maps, as a sink of its rows (BatchOptions::keepMaps must be on). It goes before the
/// output's writer, so every row the output holds has its map. Error rows get none.
class CamSink : public RowSink {
public:
    CamSink(std::string folder, const std::vector<std::string>& files, PreprocessOptions preprocess,
            DecodeOptions decode, OverlayOptions overlay);

    Result<void> write(const BatchRow& row) override;

    std::size_t written() const { return m_written; }

private:
    std::string m_folder;
    std::map<std::string, std::string> m_names; ///< image -> map file name
    PreprocessOptions m_preprocess;
    DecodeOptions m_decode;
    OverlayOptions m_overlay;
    std::size_t m_written = 0;
};

} // namespace lens
