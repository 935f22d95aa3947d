// resnet-lens-cli: classify images, inspect checkpoints and label folders from the command line. The
// commands that run a model are in a module loaded only for them (cli/EngineModule.h).

#include "EngineLoader.h"
#include "LensVersion.h"
#include "OpenMpSetup.h"
#include "cli/Commands.h"
#include "cli/EngineModule.h"

#include <iostream>
#include <string>

namespace {

const char* kUsage = R"(usage: resnet-lens-cli COMMAND [OPTIONS]
       resnet-lens-cli --help | --version
Classifies images, inspects PyTorch checkpoints and labels folders with torchvision's ResNet family, giving
the answers torchvision gives.

Commands:
  classify [--weights FILE|NAME] [--arch A] [--preset v1|v2] [--topk K] [--device cpu|cuda] [--json] IMAGE...
      Top-k ImageNet predictions for each image. NAME: catalog weights such as resnet50.v2.
  inspect CHECKPOINT [--arch A] [--strict|--partial] [--json] [--weights-key PATH] [--against OTHER]
        [--labels FILE]
      The whole file as a tree, every weight set in it, and every tensor of one with its statistics, the
      architecture, the fixes applied and whether it loads (exit 0 strictly, 3 only partially, 2 not at
      all); --against compares with another checkpoint.
  convert CHECKPOINT OUT.safetensors|OUT.pth [--weights-key PATH] [--dtype float32|float16|bfloat16]
      Writes one weight set as a clean state dict that Python loads with torch.load(weights_only=True).
  cam IMAGE -o OUT.npy|OUT.png [--weights FILE|NAME] [--class K | --rank R] [--colormap NAME] [--alpha A]
      Where in the picture the model saw a class: its class activation map, raw or over the photo.
  preprocess IMAGE -o OUT.npy [--preset v1|v2]
      Writes the exact float32 input tensor the model sees, shape (1, 3, 224, 224).
  batch DIR... -o OUT.csv|OUT.jsonl [--weights FILE] [--preset v1|v2] [--recursive] [--resume]
        [--batch-size N] [--topk K] [--threads N] [--shard I/N] [--quiet]
      Labels every file in the folders, one row per file; resumable after any interruption.
  evaluate DIR... [-o REPORT.json] [--predictions OUT.csv] [--confusion OUT.csv] [--plots DIR] [--shard I/N]
        [--resume] [--class-map FILE] | evaluate --merge PRED.csv... -o REPORT.json
      Accuracy, per-class results, confusion matrix and calibration on folders with one subfolder per class.
  weights list [--json] | weights path NAME | weights download NAME|URL
      torchvision's pretrained weights: the catalog, where they are cached, and a verified download
      (from https://download.pytorch.org/models/, or the base URL in RESNET_LENS_WEIGHTS_URL).

Run 'resnet-lens-cli COMMAND --help' for a command's options.
Exit codes: 0 success, 1 usage error, 2 failure, 3 partial success (some inputs failed).
)";

} // namespace

int main(int argc, char** argv)
{
    using namespace lens::cli;
    std::vector<std::string> words(argv + 1, argv + argc);
    if (words.empty() || words[0] == "--help" || words[0] == "-h" || words[0] == "help") {
        std::cout << kUsage;
        return words.empty() ? Usage : Success;
    }
    if (words[0] == "--version") {
        std::cout << "resnet-lens-cli " << RESNET_LENS_VERSION << "\n";
        return Success;
    }
    const std::string command = words[0];
    words.erase(words.begin());
    if (isEngineCommand(command)) {
        // Spinning threads only cost a long run's decoding threads their CPU; a single image is no faster.
        if (command == "batch" || command == "evaluate")
            lens::preferPassiveOpenMpThreads();
        return runEngineCommand(command, words);
    }
    try {
        if (command == "inspect")
            return inspectCommand(words);
        if (command == "convert")
            return convertCommand(words);
        if (command == "weights")
            return weightsCommand(words);
    } catch (const std::exception& e) {
        // Core returns errors as values; this is the last line of defence against a crash.
        printError(std::string("internal error: ") + e.what());
        return Failure;
    }
    printError("unknown command '" + command + "'\n" + kUsage);
    return Usage;
}
