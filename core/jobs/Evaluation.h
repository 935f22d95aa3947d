#pragma once

// Evaluating a checkpoint on a labelled folder: the true class of every image comes from its subfolder
// (torchvision's ImageFolder layout), and the report says how often and where the model is wrong.
//
// The pieces, each usable alone:
// - mapClassFolders(): which class each subfolder stands for, by the first rule that applies (MappingRule).
// - EvaluationRecord: what the report needs of one image; the predictions file (a batch output with the
//   columns of kEvaluationColumns after the batch columns) holds one per row, written so that reading it
//   back gives the same values bit for bit.
// - buildReport(): the report from records. It sorts them by path first and accumulates in that order, so
//   the same records give the same report to the last bit, however they were split: the report of an
//   unsharded run equals the merge of its shards' predictions files (mergePredictions()).
// - EvaluationJob (EvaluationJob.h): the run itself, on top of BatchJob.
//
// Metrics: top-1 / top-k accuracy over the images that decoded, each with a 95% Wilson score interval; mean
// per-class accuracy (the mean of the recalls of the true classes present); per true class the images,
// correct, precision, recall, F1 and the class most often predicted instead; expected calibration error
// with 15 equal-width bins of the top-1 confidence (the largest softmax probability), bin m holding
// [m/15, (m+1)/15) and the last one 1.0 too, ECE = sum over bins of (n_m / n) * |accuracy_m - confidence_m|
// (Guo et al. 2017, torchmetrics' L1 calibration error); the mean negative log-likelihood of the true class.
// Error rows (files that did not decode) are counted and listed, never part of the fractions.
//
// LibTorch-free; everything here is reentrant and returns plain values.

#include "Result.h"
#include "batch/BatchWriter.h"
#include "batch/RowSink.h"

#include <cstddef>
#include <string>
#include <vector>

namespace lens {

/// How the true class of a subfolder was found, in the order the rules are tried.
enum class MappingRule {
    Checkpoint, ///< the folder's name is one of the checkpoint's classes (class_to_idx / classes)
    ClassMap, ///< a line of the --class-map file names the folder
    Names, ///< the folder's name is the model's class name (ImageNet's or --labels), ignoring case, '_', ' '
    ImageFolder ///< ImageFolder's rule: the sorted folder names are the classes 0..N-1 (exactly N folders)
};

/// "checkpoint", "class-map", "names" or "imagefolder" (as reports and predictions files write it).
const char* mappingRuleName(MappingRule rule);

/// One subfolder name of the DIRs; the same name under several DIRs is one class.
struct ClassFolder {
    std::string name; ///< the subfolder's name (bytes as on disk)
    std::vector<std::string> paths; ///< that subfolder under each DIR holding it
    int index = -1; ///< the true class
    MappingRule rule = MappingRule::ImageFolder;
};

struct MappingOptions {
    /// Class names stored in the checkpoint (dense class_to_idx or classes), index = position; may be empty.
    std::vector<std::string> checkpointLabels;
    /// The names the model's classes go by (ImageNet's, the checkpoint's or a --labels file), one per class.
    std::vector<std::string> modelLabels;
    /// A --class-map file: lines "folder<TAB>index" or "folder<TAB>class name"; "" for none. Blank lines
    /// and lines starting with '#' are skipped.
    std::string classMapFile;
    /// Leave folders that map to no class out (listed in ClassMapping::ignored) instead of an error.
    bool ignoreUnknown = false;
};

struct ClassMapping {
    std::vector<ClassFolder> folders; ///< mapped folders, sorted by name
    std::vector<std::string> ignored; ///< folder names left out (only with ignoreUnknown)
    /// The rule every folder was mapped by, or "mixed" when the first rules each mapped some of them.
    std::string rule;
    /// A sentence for the user: "12 folders mapped by their names to the model's classes".
    std::string description;
};

/// Maps the subfolders of roots (hidden ones skipped; files directly in a root are not images of any
/// class and are left out, counted in looseFiles). Each folder tries Checkpoint, ClassMap, then Names;
/// when none of them maps any folder, ImageFolder's rule (an error unless there are exactly as many folders
/// as classes). Folders left unmapped are an error naming them, unless ignoreUnknown. A class-map line that
/// is malformed, names a class the model lacks, or two folders of which one class is claimed twice by the
/// same line are errors naming the file and line.
Result<ClassMapping> mapClassFolders(const std::vector<std::string>& roots, const MappingOptions& options,
                                     std::size_t* looseFiles = nullptr);

/// What the report needs of one image.
struct EvaluationRecord {
    std::string path;
    int trueIndex = -1;
    std::string trueLabel;
    std::string folder; ///< the class folder's name
    std::string rule; ///< mappingRuleName() of that folder
    std::string error; ///< non-empty: the file did not decode (the fields below are unset)
    int predicted = -1; ///< top-1 class
    std::string predictedLabel;
    int rankOfTrue
        = 0; ///< 1 = the true class is the top-1; ranks among all classes (ties: lower index first)
    float trueProbability = 0; ///< softmax probability of the true class
    float trueLogProbability = 0; ///< its log (from log-softmax, finite even when the probability underflows)
    float confidence = 0; ///< top-1 probability
};

/// The columns an evaluation's predictions file adds after the batch columns, in order:
/// true_index, true_label, true_folder, mapped_by, correct (1/0), rank_of_true, true_prob, true_log_prob,
/// confidence. Floats are written with 9 significant digits, so they read back as the same float.
const std::vector<std::string>& evaluationColumns();

/// The values of those columns for a record (empty cells for an error row, apart from the true class).
std::vector<ExtraCell> evaluationCells(const EvaluationRecord& record);

/// A fraction with its 95% Wilson score interval.
struct Proportion {
    std::size_t hits = 0;
    std::size_t total = 0;
    double value = 0; ///< hits / total (0 when total is 0)
    double low = 0;
    double high = 0;
};

struct ClassResult {
    int index = 0;
    std::string name; ///< the model's name for the class
    std::string folder;
    std::size_t images = 0; ///< decoded images of this true class
    std::size_t correct = 0;
    std::size_t predicted = 0; ///< images of any true class predicted as this one
    double precision = 0; ///< correct / predicted (0 when never predicted)
    double recall = 0; ///< correct / images: the class's accuracy
    double f1 = 0; ///< 0 when precision + recall is 0
    int confusedWith = -1; ///< the wrong class most often predicted for it (ties: lower index), -1 if none
    std::string confusedWithName;
    std::size_t confusedCount = 0;
    std::size_t errors = 0; ///< files of this class that did not decode
};

struct ReliabilityBin {
    double lower = 0, upper = 0; ///< [lower, upper) of the top-1 confidence (the last bin includes 1)
    std::size_t count = 0;
    double confidence = 0; ///< mean confidence in the bin (0 when empty)
    double accuracy = 0; ///< fraction correct in the bin (0 when empty)
};

struct FailedImage {
    std::string path;
    std::string error;
};

constexpr int kCalibrationBins = 15;

struct EvaluationReport {
    RunInfo run; ///< model, weights, preset, device, topk of the predictions
    std::string mappingRule; ///< the rule of every folder with images, or "mixed"
    std::vector<ClassFolder> mapping; ///< the folders with images -> class, sorted by name (paths empty)
    std::size_t images = 0; ///< images that decoded: the denominator of every fraction
    std::size_t errors = 0; ///< files that did not
    std::vector<FailedImage> failed; ///< those files, sorted by path
    int topk = 5; ///< the k of `topK`
    Proportion top1, top5, topK;
    double meanClassAccuracy = 0;
    double ece = 0;
    double nll = 0; ///< mean of -log p(true class)
    std::vector<ReliabilityBin> reliability; ///< kCalibrationBins bins
    std::vector<ClassResult> classes; ///< the true classes present, by index
    /// The confusion matrix: rows are classes[i], columns predictedClasses[j] (the classes predicted at
    /// least once, by index), counts of decoded images.
    std::vector<int> predictedClasses;
    std::vector<std::string> predictedNames;
    std::vector<std::vector<std::size_t>> confusion;
    std::vector<EvaluationRecord> records; ///< every image, sorted by path
};

/// The report of records (in any order, each path once). topk is the k reported beside top-1 and top-5.
/// The mapping is that of the folders the records come from (so a merge of shards reports the same).
EvaluationReport buildReport(std::vector<EvaluationRecord> records, const RunInfo& run, int topk);

/// The record of one batch row (BatchOptions::keepLogits on) whose image lies in folder; labels are the
/// model's class names.
EvaluationRecord evaluationRecord(const BatchRow& row, const ClassFolder& folder,
                                  const std::vector<std::string>& labels);

/// The images of one confusion cell (true class, predicted class), sorted by path.
std::vector<std::string> cellImages(const EvaluationReport& report, int trueIndex, int predictedIndex);

/// The classes ordered worst first (by recall, then more images first, then index): the summary's list.
std::vector<const ClassResult*> worstClasses(const EvaluationReport& report, std::size_t count);

/// Reads an evaluation's predictions file (CSV or JSON Lines, as EvaluationJob writes it): its run info and
/// records. Errors name the file and line.
struct PredictionsFile {
    RunInfo run;
    std::vector<EvaluationRecord> records;
};
Result<PredictionsFile> readPredictions(const std::string& path);

/// The report of several predictions files (the shards of one evaluation): they must have the same model,
/// weights, preset and topk, and no image twice. Equal to the report of the unsharded run.
Result<EvaluationReport> mergePredictions(const std::vector<std::string>& files);

/// REPORT.json: the report as one JSON document (schema in README, "evaluate").
std::string reportJson(const EvaluationReport& report);

/// The confusion matrix as CSV: a header row "true_index,true_label," then one column per predicted class,
/// named "<index> <label>", then one row per true class present: its index, its label and the counts.
std::string confusionCsv(const EvaluationReport& report);

} // namespace lens
