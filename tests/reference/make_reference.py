#!/usr/bin/python3
"""Generate the reference data the C++ tests compare against.

The reference is what Python's torchvision (Debian's python3-torch 1.13 and
python3-torchvision 0.14) computes for the photos in tests/data: the exact
preprocessed input tensors (PIL decode -> Resize -> CenterCrop(224) -> ToTensor
-> Normalize) and the logits of ResNet-family models on them. The C++ side must
reproduce both from the same image files and checkpoint files.

No pretrained weights are downloaded. The models are seeded random
initialisations, which on their own make poor references: with freshly
initialised BatchNorm statistics (mean 0, var 1) the activations grow from
layer to layer and the logits are dominated by one image-independent
component: every photo gets the same top-1 and nearly the same top-5. To make the outputs depend
visibly on the image, each model's BatchNorm running statistics are
recalibrated on the real photos (momentum=None, i.e. a cumulative average over
the calibration batches, forwarded in train mode under no_grad), and the fc
layer is then centred and scaled on the calibration features so that the
softmax is far from uniform. The result is a valid torchvision state dict
whose predictions differ from photo to photo, which is what the tests need.

Before calibration the last BatchNorm of every residual branch gets gamma
RESIDUAL_GAMMA (a milder form of torchvision's zero_init_residual). Without it
a random BN-ResNet is chaotic: a +-1 grey-level change of the input grows about
2.5x per stage and moves the logits by as much as the difference between two
photos. With it, a +-1 level noise on every pixel moves resnet50's logits by
about 0.3 (logit std per image about 2.5), so small preprocessing deviations
stay measurable instead of scrambling the top-5.

Written into --out DIR:
  resnet50.pth, resnet18.pth, resnext50_32x4d.pth   torch.save(model.state_dict())
  resnet18_10cls.pth   resnet18.pth with fc cut to its first 10 classes
                       (logits = the first 10 of resnet18's)
  reference.json       per photo and preset: input file, resize/crop geometry,
                       logits and top-5 per architecture
  inputs/<photo>.<preset>.npy   float32 [3, 224, 224] preprocessed inputs
  arch_shapes.json     state-dict keys and shapes, parameter counts
  bad/                 malformed inputs (see make_bad_inputs)

Usage: /usr/bin/python3 make_reference.py --out DIR [--images DIR]
"""

import argparse
import hashlib
import contextlib
import json
import os
import random
import shlex
import sys
import time

import numpy as np
import PIL
import torch
import torchvision
from PIL import Image
from torchvision import transforms as T

THREADS = 2
SEED = 0
CROP = 224
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
PRESETS = {"v1": 256, "v2": 232}
IMAGE_EXTS = (".jpg", ".jpeg", ".png")

# Checkpoints built and evaluated. resnet50 is evaluated on every photo with
# every preset; the others on a few photos with v1 to keep the run short.
CHECKPOINT_ARCHS = ["resnet50", "resnet18", "resnext50_32x4d"]
FULL_ARCH = "resnet50"
FEW_PHOTOS = ["grace_hopper.jpg", "chelsea.png", "coffee.png", "rocket.jpg"]
TARGET_LOGIT_STD = 2.5  # per-image std of the logits across classes, after fc scaling
RESIDUAL_GAMMA = 0.1    # gamma of the last BN in each residual branch

SHAPE_ARCHS = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
               "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d",
               "wide_resnet50_2", "wide_resnet101_2"]


# --------------------------------------------------------------------------
# Preprocessing (torchvision's classification preset on PIL images)
# --------------------------------------------------------------------------

def normalize_tf():
    return T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)])


def preprocess(path, resize):
    """Return (tensor [3,224,224], info dict) exactly as torchvision does it."""
    src = Image.open(path)
    mode, size = src.mode, src.size
    img = src.convert("RGB")
    resized = T.Resize(resize, interpolation=T.InterpolationMode.BILINEAR)(img)
    w, h = resized.size
    # torchvision.transforms.functional.center_crop: int(round(...)), Python's
    # round-half-to-even.
    top = int(round((h - CROP) / 2.0))
    left = int(round((w - CROP) / 2.0))
    cropped = T.CenterCrop(CROP)(resized)
    assert np.array_equal(np.asarray(cropped),
                          np.asarray(resized.crop((left, top, left + CROP, top + CROP))))
    x = normalize_tf()(cropped).contiguous()
    info = {
        "source_mode": mode,
        "source_size": {"width": size[0], "height": size[1]},
        "resize": resize,
        "resized": {"width": w, "height": h},
        "crop_box": {"left": left, "top": top, "width": CROP, "height": CROP},
    }
    return x, info


def list_photos(images_dir):
    names = sorted(n for n in os.listdir(images_dir)
                   if n.lower().endswith(IMAGE_EXTS) and os.path.isfile(os.path.join(images_dir, n)))
    if not names:
        sys.exit(f"no photos found in {images_dir}")
    return names


def calibration_batch(images_dir, photos, rng):
    """v1 centre crops, their mirror images, and two seeded random crops per photo."""
    tf_random = T.Compose([
        T.RandomResizedCrop(CROP, scale=(0.25, 1.0)),
        T.RandomHorizontalFlip(),
    ])
    samples = []
    for name in photos:
        path = os.path.join(images_dir, name)
        x, _ = preprocess(path, PRESETS["v1"])
        samples.append(x)
        samples.append(torch.flip(x, dims=[2]))
        img = Image.open(path).convert("RGB")
        for _ in range(2):
            samples.append(normalize_tf()(tf_random(img)))
    # Shuffle so every batch mixes photos.
    order = list(range(len(samples)))
    rng.shuffle(order)
    return torch.stack([samples[i] for i in order])


# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------

@contextlib.contextmanager
def skip_weight_init():
    """Turn torch.nn.init's fill functions into no-ops (shapes only, much faster)."""
    names = ["kaiming_normal_", "kaiming_uniform_", "uniform_", "normal_",
             "constant_", "zeros_", "ones_", "xavier_uniform_", "xavier_normal_"]
    saved = {n: getattr(torch.nn.init, n) for n in names}
    for n in names:
        setattr(torch.nn.init, n, lambda t, *a, **k: t)
    try:
        yield
    finally:
        for n, f in saved.items():
            setattr(torch.nn.init, n, f)


def build_calibrated(arch, calib, batch_size=16):
    """Seeded torchvision model with BN statistics and fc calibrated on `calib`."""
    torch.manual_seed(SEED)
    model = getattr(torchvision.models, arch)()
    with torch.no_grad():
        for block in model.modules():
            if isinstance(block, torchvision.models.resnet.Bottleneck):
                block.bn3.weight.fill_(RESIDUAL_GAMMA)
            elif isinstance(block, torchvision.models.resnet.BasicBlock):
                block.bn2.weight.fill_(RESIDUAL_GAMMA)
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    for bn in bns:
        bn.momentum = None  # cumulative moving average
        bn.reset_running_stats()
    model.train()
    with torch.no_grad():
        for i in range(0, len(calib), batch_size):
            model(calib[i:i + batch_size])
    model.eval()

    # Centre and scale fc on the pooled calibration features so the logits are
    # image-dependent and the softmax is peaked.
    feats = []
    hook = model.fc.register_forward_hook(lambda m, inp, out: feats.append(inp[0].detach()))
    with torch.no_grad():
        for i in range(0, len(calib), batch_size):
            model(calib[i:i + batch_size])
    hook.remove()
    f = torch.cat(feats)
    with torch.no_grad():
        w = model.fc.weight
        centred = (f - f.mean(0)) @ w.t()
        scale = TARGET_LOGIT_STD / centred.std(dim=1).mean().item()
        w.mul_(scale)
        model.fc.bias.copy_(-(f.mean(0) @ w.t()))
    return model


def cams_of(model, x, ranks=(0, 2)):
    """Class activation maps as torchvision computes them: a forward hook on layer4 (after its last ReLU,
    before pooling), then sum_k fc.weight[c, k] * A[k, y, x] for the classes at these ranks of the logits."""
    captured = {}
    handle = model.layer4.register_forward_hook(lambda m, i, o: captured.setdefault("a", o.detach()))
    with torch.no_grad():
        logits = model(x.unsqueeze(0))[0]
    handle.remove()
    a = captured["a"][0].double()
    order = torch.argsort(logits, descending=True)
    out = []
    for rank in ranks:
        c = int(order[rank])
        with torch.no_grad():
            cam = torch.einsum("k,khw->hw", model.fc.weight[c].double(), a)
        out.append((rank, c, cam.float().numpy(), float(model.fc.bias[c]), float(logits[c])))
    return out


def logits_of(model, x):
    with torch.no_grad():
        return model(x.unsqueeze(0))[0]


def arch_shapes():
    out = {}
    variants = [(a, a, 1000) for a in SHAPE_ARCHS] + [("resnet18_num_classes10", "resnet18", 10)]
    for key, arch, num_classes in variants:
        if not hasattr(torchvision.models, arch):
            print(f"  torchvision {torchvision.__version__} has no {arch}; skipped")
            continue
        with skip_weight_init():
            model = getattr(torchvision.models, arch)(num_classes=num_classes)
        sd = model.state_dict()
        out[key] = {
            "arch": arch,
            "num_classes": num_classes,
            "params": sum(p.numel() for p in model.parameters()),
            "num_entries": len(sd),
            "state_dict": [[k, list(v.shape), str(v.dtype).replace("torch.", "")] for k, v in sd.items()],
        }
    return out


# --------------------------------------------------------------------------
# Malformed inputs
# --------------------------------------------------------------------------

class _Evil:
    """Unpickling this runs a shell command; a safe loader must refuse it."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def make_bad_inputs(out_dir, images_dir, resnet18_pth):
    bad = os.path.join(out_dir, "bad")
    os.makedirs(bad, exist_ok=True)
    marker = os.path.join(out_dir, "pwned")

    open(os.path.join(bad, "empty.pth"), "wb").close()

    torch.manual_seed(SEED)
    torch.save(torchvision.models.resnet18(), os.path.join(bad, "module.pth"))

    torch.save(_Evil("touch " + shlex.quote(marker)), os.path.join(bad, "evil.pth"))

    rng = random.Random(SEED)
    words = ["weights", "tensor", "layer", "checkpoint", "model", "lorem", "ipsum", "resnet"]
    with open(os.path.join(bad, "not_a_checkpoint.pth"), "w") as fh:
        for _ in range(200):
            fh.write(" ".join(rng.choice(words) for _ in range(10)) + "\n")

    with open(resnet18_pth, "rb") as fh:
        data = fh.read()
    with open(os.path.join(bad, "truncated.pth"), "wb") as fh:
        fh.write(data[: len(data) // 2])

    with open(os.path.join(bad, "text.jpg"), "w") as fh:
        fh.write("This is a plain text file with a .jpg name, not an image.\n")

    with open(os.path.join(images_dir, "grace_hopper.jpg"), "rb") as fh:
        data = fh.read()
    with open(os.path.join(bad, "truncated.jpg"), "wb") as fh:
        fh.write(data[: len(data) * 6 // 10])

    missing = os.path.join(bad, "missing.jpg")
    if os.path.exists(missing):
        os.remove(missing)
    return sorted(os.listdir(bad))


# --------------------------------------------------------------------------

def top_k(logits, k=5):
    probs = torch.softmax(logits.double(), dim=0)
    p, i = probs.topk(k)
    return [int(v) for v in i], [float(v) for v in p]


def input_stamp(images_dir, photos):
    """A digest of everything the reference depends on: this script, the photos and the library versions."""
    digest = hashlib.sha256()
    with open(os.path.abspath(__file__), "rb") as f:
        digest.update(f.read())
    for name in photos:
        with open(os.path.join(images_dir, name), "rb") as f:
            digest.update(name.encode() + hashlib.sha256(f.read()).digest())
    digest.update(f"{torch.__version__} {torchvision.__version__} {PIL.__version__}".encode())
    return digest.hexdigest()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description="Generate reference data for the C++ tests.")
    parser.add_argument("--out", required=True, help="output folder (created)")
    parser.add_argument("--images", default=os.path.normpath(os.path.join(here, "..", "data")),
                        help="folder of test photos (default: tests/data)")
    args = parser.parse_args()

    t0 = time.time()
    torch.set_num_threads(THREADS)
    torch.manual_seed(SEED)
    out_dir = os.path.abspath(args.out)
    images_dir = os.path.abspath(args.images)
    os.makedirs(os.path.join(out_dir, "inputs"), exist_ok=True)
    marker = os.path.join(out_dir, "pwned")
    if os.path.exists(marker):
        os.remove(marker)  # left over from an earlier run; tests check it never reappears

    photos = list_photos(images_dir)
    stamp = input_stamp(images_dir, photos)
    stamp_file = os.path.join(out_dir, "stamp")
    if os.path.exists(stamp_file) and open(stamp_file).read() == stamp:
        print(f"reference in {out_dir} is up to date")
        return
    few = [p for p in FEW_PHOTOS if p in photos] or photos[:3]

    # Inputs.
    inputs = {}
    ref = {
        "format": 1,
        "generator": "tests/reference/make_reference.py",
        "versions": {"torch": torch.__version__, "torchvision": torchvision.__version__,
                     "pillow": PIL.__version__, "numpy": np.__version__},
        "images_dir": images_dir,
        "crop": CROP, "mean": list(MEAN), "std": list(STD),
        "presets": {name: {"resize": s, "interpolation": "bilinear"} for name, s in PRESETS.items()},
        "checkpoints": {},
        "photos": {},
    }
    for name in photos:
        entry = {"file": name}
        for preset, size in PRESETS.items():
            x, info = preprocess(os.path.join(images_dir, name), size)
            rel = f"inputs/{name}.{preset}.npy"
            np.save(os.path.join(out_dir, rel), x.numpy().astype(np.float32))
            inputs[(name, preset)] = x
            entry["source_mode"] = info.pop("source_mode")
            entry["source_size"] = info.pop("source_size")
            entry[preset] = dict(info, input=rel, logits={}, top5={}, top5_prob={})
        ref["photos"][name] = entry
    t_inputs = time.time() - t0

    # Checkpoints and logits.
    calib = calibration_batch(images_dir, photos, random.Random(SEED))
    torch.manual_seed(SEED)
    timings = {}
    for arch in CHECKPOINT_ARCHS:
        t = time.time()
        model = build_calibrated(arch, calib)
        pth = f"{arch}.pth"
        torch.save(model.state_dict(), os.path.join(out_dir, pth))
        ref["checkpoints"][arch] = pth
        jobs = ([(p, s) for p in photos for s in PRESETS] if arch == FULL_ARCH
                else [(p, "v1") for p in few])
        for photo, preset in jobs:
            lg = logits_of(model, inputs[(photo, preset)])
            idx, prob = top_k(lg)
            slot = ref["photos"][photo][preset]
            slot["logits"][arch] = [float(v) for v in lg]
            slot["top5"][arch] = idx
            slot["top5_prob"][arch] = prob
        os.makedirs(os.path.join(out_dir, "cams"), exist_ok=True)
        for photo in few[:2]:
            for preset in PRESETS:
                for rank, c, cam, bias, logit in cams_of(model, inputs[(photo, preset)]):
                    rel = f"cams/{photo}.{preset}.{arch}.{c}.npy"
                    np.save(os.path.join(out_dir, rel), cam)
                    ref.setdefault("cams", []).append(
                        {"photo": photo, "preset": preset, "checkpoint": arch, "rank": rank + 1, "class": c,
                         "map": rel, "bias": bias, "logit": logit})
        if arch == "resnet18":
            sd = model.state_dict()
            sd["fc.weight"] = sd["fc.weight"][:10].clone()
            sd["fc.bias"] = sd["fc.bias"][:10].clone()
            torch.save(sd, os.path.join(out_dir, "resnet18_10cls.pth"))
            ref["checkpoints"]["resnet18_10cls"] = "resnet18_10cls.pth"
            ten = torchvision.models.resnet18(num_classes=10)
            ten.load_state_dict(sd)
            ten.eval()
            for photo in few[:2]:
                for preset in PRESETS:
                    for rank, c, cam, bias, logit in cams_of(ten, inputs[(photo, preset)]):
                        rel = f"cams/{photo}.{preset}.resnet18_10cls.{c}.npy"
                        np.save(os.path.join(out_dir, rel), cam)
                        ref["cams"].append({"photo": photo, "preset": preset, "checkpoint": "resnet18_10cls",
                                            "rank": rank + 1, "class": c, "map": rel, "bias": bias,
                                            "logit": logit})
        timings[arch] = time.time() - t
        del model

    ref["evaluated"] = {
        arch: ({"photos": photos, "presets": list(PRESETS)} if arch == FULL_ARCH
               else {"photos": few, "presets": ["v1"]})
        for arch in CHECKPOINT_ARCHS}
    ref["derived_checkpoints"] = {
        "resnet18_10cls": {"from": "resnet18", "num_classes": 10,
                           "logits": "the first 10 of resnet18's logits"}}
    with open(os.path.join(out_dir, "reference.json"), "w") as fh:
        json.dump(ref, fh, indent=1)

    # Architecture shapes.
    t = time.time()
    shapes = arch_shapes()
    with open(os.path.join(out_dir, "arch_shapes.json"), "w") as fh:
        json.dump({"versions": ref["versions"], "archs": shapes}, fh, indent=1)
    timings["arch_shapes"] = time.time() - t

    bad = make_bad_inputs(out_dir, images_dir, os.path.join(out_dir, "resnet18.pth"))

    # Summary.
    cats = torchvision.models.ResNet50_Weights.IMAGENET1K_V1.meta["categories"]
    print(f"photos: {len(photos)} from {images_dir}")
    print(f"{FULL_ARCH} top-5 (v1):")
    distinct = set()
    for name in photos:
        slot = ref["photos"][name]["v1"]
        idx = slot["top5"][FULL_ARCH]
        distinct.add(tuple(idx))
        lg = sorted(slot["logits"][FULL_ARCH], reverse=True)[:6]
        gap = min(a - b for a, b in zip(lg, lg[1:]))
        print(f"  {name:24s} {str(idx):26s} p1={slot['top5_prob'][FULL_ARCH][0]:.3f} "
              f"min gap top-6={gap:.3f} ({cats[idx[0]]})")
    print(f"  distinct top-5 lists: {len(distinct)} of {len(photos)}")
    for arch in CHECKPOINT_ARCHS:
        if arch != FULL_ARCH:
            tops = [tuple(ref['photos'][p]['v1']['top5'][arch]) for p in few]
            print(f"{arch}: distinct top-5 on {len(few)} photos: {len(set(tops))}")
    for key, v in shapes.items():
        print(f"  shapes {key:24s} entries={v['num_entries']:4d} params={v['params']:,}")
    print("bad/: " + ", ".join(bad))
    print("timings: inputs %.1fs, " % t_inputs
          + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
    assert not os.path.exists(marker)
    with open(stamp_file, "w") as f:
        f.write(stamp)
    print(f"wrote {out_dir} in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
