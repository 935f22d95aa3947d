#!/usr/bin/env python3
"""Reference for the GPU check: seeded torchvision models saved with this machine's torch.save, a random
input batch, and torch's own logits for it on the CPU, all as raw little-endian float32 files in OUT."""

import os
import sys

import torch
import torchvision

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
x = torch.randn(4, 3, 224, 224)
x.numpy().tofile(os.path.join(out, "input.f32"))
for arch in ("resnet18", "resnet50"):
    model = torchvision.models.__dict__[arch]().eval()
    torch.save(model.state_dict(), os.path.join(out, f"{arch}.pth"))
    with torch.no_grad():
        model(x).numpy().tofile(os.path.join(out, f"{arch}.cpu.f32"))
print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, cuda {torch.cuda.is_available()}")
