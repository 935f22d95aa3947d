#!/usr/bin/python3
"""Labelled folders for `evaluate`, and what torchvision + numpy say the report of each is.

Runs after make_reference.py (it reads OUT/resnet18.pth) and writes
OUT/evaluation/:
  imagenet/<class name>/...   folders named after ImageNet classes (some as "Class_Name", to check that case
                              and '_' do not matter) holding variants of the real photos in tests/data:
                              the photo, resized, cropped, rotated, mirrored, in gray; one variant of each
                              photo lies in the next photo's folder, so there are confusions; a broken file
  tencls/<name>/...           ten folders for a 10-class head, named so that sorted order (ImageFolder's
                              rule) and the checkpoint's class_to_idx give different classes
  ten.pth                     resnet18 with a 10-class head: the fc rows of the ImageNet classes the model
                              gives each of the ten folders' photos, so that most images are right
  class_to_idx10.pth          {"state_dict": ten.pth's, "class_to_idx": {...}}
  expected.json               per case ("imagenet", "tencls_class_to_idx", "tencls_imagefolder"): the
                              mapping, every image's numbers and the report's, computed here from
                              torchvision's logits with numpy (float64), never from resnet-lens's output.

The report's definitions (README, "evaluate"): top-k over the images that decode; rank of the true class
among all classes (ties: lower index first); ECE over 15 equal-width bins of the top-1 softmax probability,
bin m = [m/15, (m+1)/15) with 1.0 in the last; NLL = mean of -log_softmax(logits)[true]; Wilson intervals.

Usage: /usr/bin/python3 make_evaluation.py --out DIR [--images DIR]
"""

import argparse
import hashlib
import json
import math
import os
import shutil
import sys

import numpy as np
import torch
import torchvision
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference import PRESETS, preprocess  # noqa: E402  (torchvision's preprocessing, one home)

BINS = 15
Z95 = 1.959963984540054

# Photos of the 1000-class case, one folder each (named after the model's top-1 class of the photo).
IMAGENET_PHOTOS = ["astronaut.png", "camera.png", "chelsea.png", "coffee.png", "grace_hopper.jpg",
                   "hubble_deep_field.jpg", "rocket.jpg"]
# The 10-class head: class_to_idx order, and the photo whose variants each folder holds.
TEN_CLASSES = ["rocket", "cat", "coffee", "hopper", "astronaut", "camera", "galaxy", "zebra", "apple", "moon"]
TEN_PHOTOS = {"rocket": "rocket.jpg", "cat": "chelsea.png", "coffee": "coffee.png", "hopper": "grace_hopper.jpg",
              "astronaut": "astronaut.png", "camera": "camera.png", "galaxy": "hubble_deep_field.jpg",
              "zebra": "chelsea_rgba.png", "apple": "coffee_gray.jpg", "moon": "rocket_progressive.jpg"}
BROKEN = b"this is not an image, it only has an image's name\n"


def variants(img):
    """Several images of one photo: (name, PIL image or None for the file itself)."""
    w, h = img.size
    rgb = img.convert("RGB")
    return [
        ("orig", None),
        ("small", rgb.resize((max(1, w * 3 // 5), max(1, h * 3 // 5)), Image.BILINEAR)),
        ("crop", rgb.crop((w // 6, h // 6, w - w // 6, h - h // 6))),
        ("rot90", rgb.transpose(Image.ROTATE_90)),
        ("mirror", rgb.transpose(Image.FLIP_LEFT_RIGHT)),
        ("gray", rgb.convert("L")),
    ]


def write_variant(src, name, image, folder, stem):
    os.makedirs(folder, exist_ok=True)
    if image is None:
        dst = os.path.join(folder, f"{stem}_{name}{os.path.splitext(src)[1]}")
        shutil.copyfile(src, dst)
    else:
        dst = os.path.join(folder, f"{stem}_{name}.png")
        image.save(dst)
    return dst


def logits_of(model, path):
    x, _ = preprocess(path, PRESETS["v1"])
    with torch.no_grad():
        return model(x.unsqueeze(0))[0].numpy().astype(np.float32)


def robust(lg):
    """A variant whose answer does not hinge on float rounding: a clear top-1 and a confidence away from a
    bin edge (the C++ logits may differ from these in the last bits)."""
    s = np.sort(lg.astype(np.float64))[::-1]
    p = np.exp(lg.astype(np.float64) - lg.max())
    conf = p.max() / p.sum()
    edge = abs(conf * BINS - round(conf * BINS))
    return s[0] - s[1] > 1e-3 and edge > 1e-4


def wilson(hits, n):
    if n == 0:
        return [0.0, 0.0]
    phat = hits / n
    den = 1 + Z95 * Z95 / n
    centre = (phat + Z95 * Z95 / (2 * n)) / den
    half = Z95 * math.sqrt(phat * (1 - phat) / n + Z95 * Z95 / (4 * n * n)) / den
    return [0.0 if hits == 0 else max(0.0, centre - half), 1.0 if hits == n else min(1.0, centre + half)]


def report(images, topk=5):
    """images: [(relpath, true_index, logits or None)] -> the expected report."""
    rows, failed = [], []
    for rel, t, lg in sorted(images):
        if lg is None:
            failed.append(rel)
            continue
        l64 = lg.astype(np.float64)
        lsm = l64 - l64.max() - np.log(np.exp(l64 - l64.max()).sum())
        prob = np.exp(lsm)
        order = sorted(range(len(lg)), key=lambda j: (-float(lg[j]), j))
        rows.append({"path": rel, "true_index": t, "predicted": order[0], "rank_of_true": order.index(t) + 1,
                     "true_prob": float(prob[t]), "true_log_prob": float(lsm[t]), "confidence": float(prob.max())})
    n = len(rows)
    rank = np.array([r["rank_of_true"] for r in rows])
    true = np.array([r["true_index"] for r in rows])
    pred = np.array([r["predicted"] for r in rows])
    conf = np.array([r["confidence"] for r in rows])
    correct = (pred == true).astype(np.float64)
    bins = np.minimum((conf * BINS).astype(np.int64), BINS - 1)
    reliability, ece = [], 0.0
    for b in range(BINS):
        inside = bins == b
        count = int(inside.sum())
        c = float(conf[inside].mean()) if count else 0.0
        a = float(correct[inside].mean()) if count else 0.0
        ece += count / n * abs(a - c)
        reliability.append({"count": count, "confidence": c, "accuracy": a})
    classes = sorted(set(t for _, t, _ in images))
    columns = sorted(set(pred.tolist()))
    confusion = [[int(((true == t) & (pred == p)).sum()) for p in columns] for t in classes]
    per_class = []
    for t in classes:
        imgs = int((true == t).sum())
        ok = int(((true == t) & (pred == t)).sum())
        predicted = int((pred == t).sum())
        precision = ok / predicted if predicted else 0.0
        recall = ok / imgs if imgs else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        wrong = [(int(((true == t) & (pred == p)).sum()), -p) for p in columns if p != t]
        wrong = [w for w in wrong if w[0] > 0]
        confused = -max(wrong)[1] if wrong else -1
        errors = sum(1 for _, tt, lg in images if tt == t and lg is None)
        per_class.append({"index": t, "images": imgs, "correct": ok, "predicted": predicted,
                          "precision": precision, "recall": recall, "f1": f1, "confused_with": confused,
                          "errors": errors})
    with_images = [c for c in per_class if c["images"]]
    return {
        "images": n, "errors": len(failed), "failed": failed,
        "top1": float((rank <= 1).mean()), "top5": float((rank <= 5).mean()),
        "topk": topk, "top_k": float((rank <= topk).mean()),
        "top1_interval": wilson(int((rank <= 1).sum()), n), "top5_interval": wilson(int((rank <= 5).sum()), n),
        "mean_class_accuracy": float(np.mean([c["recall"] for c in with_images])),
        "ece": ece, "nll": float(-np.mean([r["true_log_prob"] for r in rows])),
        "reliability": reliability, "classes": per_class,
        "confusion": {"rows": classes, "columns": columns, "counts": confusion}, "records": rows,
    }


def stamp_of(out_dir, images_dir):
    h = hashlib.sha256(open(__file__, "rb").read())
    for name in ("resnet18.pth",):
        st = os.stat(os.path.join(out_dir, name))
        h.update(f"{name}:{st.st_size}:{st.st_mtime_ns}".encode())
    for name in sorted(set(IMAGENET_PHOTOS) | set(TEN_PHOTOS.values())):
        h.update(open(os.path.join(images_dir, name), "rb").read())
    return h.hexdigest()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--images", default=os.path.normpath(os.path.join(here, "..", "data")))
    args = parser.parse_args()
    out_dir = os.path.abspath(args.out)
    images_dir = os.path.abspath(args.images)
    root = os.path.join(out_dir, "evaluation")
    stamp = stamp_of(out_dir, images_dir)
    stamp_file = os.path.join(root, "stamp")
    if os.path.exists(stamp_file) and open(stamp_file).read() == stamp:
        print(f"evaluation reference in {root} is up to date")
        return
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(root)
    torch.set_num_threads(2)

    model = torchvision.models.resnet18()
    model.load_state_dict(torch.load(os.path.join(out_dir, "resnet18.pth")))
    model.eval()
    # The 10-class head: for each class the fc row of its photo's best ImageNet class not taken yet.
    rows = []
    for name in TEN_CLASSES:
        order = np.argsort(-logits_of(model, os.path.join(images_dir, TEN_PHOTOS[name])), kind="stable")
        rows.append(int(next(c for c in order if int(c) not in rows)))
    sd10 = {k: v.clone() for k, v in model.state_dict().items()}
    sd10["fc.weight"] = sd10["fc.weight"][rows].clone()
    sd10["fc.bias"] = sd10["fc.bias"][rows].clone()
    torch.save(sd10, os.path.join(root, "ten.pth"))
    ten = torchvision.models.resnet18(num_classes=10)
    ten.load_state_dict(sd10)
    ten.eval()
    torch.save({"state_dict": sd10, "class_to_idx": {c: i for i, c in enumerate(TEN_CLASSES)}},
               os.path.join(root, "class_to_idx10.pth"))
    names = torchvision.models.ResNet18_Weights.IMAGENET1K_V1.meta["categories"]

    # 1000 classes, folders named after the classes.
    base = os.path.join(root, "imagenet")
    folder_of = {}
    for i, photo in enumerate(IMAGENET_PHOTOS):
        top = int(np.argmax(logits_of(model, os.path.join(images_dir, photo))))
        name = names[top]
        folder_of[photo] = (name.replace(" ", "_").title() if i % 2 else name, top)
    cases = {}
    images = []
    for i, photo in enumerate(IMAGENET_PHOTOS):
        src = os.path.join(images_dir, photo)
        stem = os.path.splitext(photo)[0]
        for k, (vname, vimg) in enumerate(variants(Image.open(src))):
            # One variant of each photo in the next photo's folder: a confusion.
            owner = IMAGENET_PHOTOS[(i + 1) % len(IMAGENET_PHOTOS)] if k == 4 else photo
            folder, index = folder_of[owner]
            path = write_variant(src, vname, vimg, os.path.join(base, folder), stem)
            lg = logits_of(model, path)
            if not robust(lg):
                os.remove(path)
                continue
            images.append((os.path.relpath(path, base), index, lg))
    broken_folder, broken_index = folder_of[IMAGENET_PHOTOS[2]]
    with open(os.path.join(base, broken_folder, "broken.jpg"), "wb") as fh:
        fh.write(BROKEN)
    images.append((os.path.join(broken_folder, "broken.jpg"), broken_index, None))
    mapping = {folder: index for folder, index in folder_of.values()}
    cases["imagenet"] = dict(report(images), folder="imagenet", weights="resnet18.pth", rule="names",
                             mapping=mapping)

    # Ten classes: by class_to_idx, and by ImageFolder's rule (sorted names).
    base = os.path.join(root, "tencls")
    sorted_index = {name: i for i, name in enumerate(sorted(TEN_CLASSES))}
    files = []
    for name in TEN_CLASSES:
        src = os.path.join(images_dir, TEN_PHOTOS[name])
        stem = os.path.splitext(TEN_PHOTOS[name])[0]
        for vname, vimg in variants(Image.open(src))[:4]:
            path = write_variant(src, vname, vimg, os.path.join(base, name), stem)
            lg = logits_of(ten, path)
            if not robust(lg):
                os.remove(path)
                continue
            files.append((name, path, lg))
    with open(os.path.join(base, "cat", "broken.png"), "wb") as fh:
        fh.write(BROKEN)
    files.append(("cat", os.path.join(base, "cat", "broken.png"), None))
    for case, index_of, rule, weights in (
            ("tencls_class_to_idx", {c: i for i, c in enumerate(TEN_CLASSES)}, "checkpoint",
             "evaluation/class_to_idx10.pth"),
            ("tencls_imagefolder", sorted_index, "imagefolder", "evaluation/ten.pth")):
        images = [(os.path.relpath(path, base), index_of[name], lg) for name, path, lg in files]
        cases[case] = dict(report(images), folder="tencls", weights=weights, rule=rule, mapping=index_of)

    with open(os.path.join(root, "expected.json"), "w") as fh:
        json.dump({"generator": "tests/reference/make_evaluation.py", "cases": cases}, fh, indent=1)
    with open(stamp_file, "w") as fh:
        fh.write(stamp)
    print(f"wrote {root}: " + ", ".join(f"{k} {v['images']} images" for k, v in cases.items()))


if __name__ == "__main__":
    main()
