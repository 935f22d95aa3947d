#!/usr/bin/python3
"""Prints torchvision's own metadata for every ResNet-family ImageNet weights enum, one JSON object a line,
for tst_catalog to compare the compiled-in catalog with. With --gflops, also the multiply-adds of one
224x224 image, counted on the model (torchvision 0.14 publishes no GFLOPs)."""

import argparse
import inspect
import json

import torch
from torchvision.models import resnet


def multiply_adds(builder):
    # Random initialisation is most of the time and irrelevant to counting: skip it.
    names = ["kaiming_normal_", "kaiming_uniform_", "constant_", "normal_", "uniform_", "zeros_", "ones_"]
    saved = {n: getattr(torch.nn.init, n) for n in names}
    try:
        for n in names:
            setattr(torch.nn.init, n, lambda tensor, *a, **k: tensor)
        model = builder().eval()
    finally:
        for n, f in saved.items():
            setattr(torch.nn.init, n, f)
    total = [0]

    def hook(module, inputs, output):
        if isinstance(module, torch.nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1]
            total[0] += output.numel() * module.in_channels // module.groups * k
        elif isinstance(module, torch.nn.Linear):
            total[0] += module.in_features * module.out_features

    for m in model.modules():
        m.register_forward_hook(hook)
    with torch.no_grad():
        model(torch.zeros(1, 3, 224, 224))
    return total[0] / 1e9


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gflops", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(2)
    builders = {name: fn for name, fn in inspect.getmembers(resnet, inspect.isfunction)}
    for class_name, enum in inspect.getmembers(resnet, inspect.isclass):
        if not class_name.endswith("_Weights") or enum is resnet.WeightsEnum:
            continue
        arch = None
        gflops = None
        for weights in enum:
            # The builder whose default weights enum is this one: resnet50 -> ResNet50_Weights.
            if arch is None:
                arch = next(n for n, fn in builders.items()
                            if inspect.signature(fn).parameters.get("weights") is not None
                            and class_name in str(inspect.signature(fn).parameters["weights"].annotation))
                if args.gflops:
                    gflops = multiply_adds(builders[arch])
            t = weights.transforms()
            metrics = weights.meta["_metrics"]["ImageNet-1K"]
            print(json.dumps({
                "torchvision": f"{class_name}.{weights.name}",
                "arch": arch,
                "url": weights.url,
                "resize": t.resize_size[0],
                "crop": t.crop_size[0],
                "acc1": metrics["acc@1"],
                "acc5": metrics["acc@5"],
                "params": weights.meta["num_params"],
                "gflops": gflops,
            }))


if __name__ == "__main__":
    main()
