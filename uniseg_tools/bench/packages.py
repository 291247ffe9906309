#!/usr/bin/env python3
"""Build the packages `npm run bench -- engine` compares (not committed; cached under .tmp/bench/engine).

- `swin`: MONAI's SwinUNETR as a plain package (feature 12, depths 2,2,2,2, 4 output channels),
  with the weights of ../shared/fixtures/monai-swinunetr/state_dict.pt (random, made by MONAI),
  roi 64^3 at 3 mm, and its torch weights in torch/ so the PyTorch reference runs the same network.
- `pathways8`: a gCIS pathway network on the same encoder (K alternatives at the 7 positions,
  random weights) with 8 tasks on 8 different pathways, for the 1-vs-8-prompts comparison.

Usage: /usr/bin/python3 -m uniseg_tools bench-packages [--out .tmp/bench/engine] [--k 4] [--seed 0]
"""
import argparse
import json
import os
import random
import sys

import torch

from uniseg_tools.nets.parts import export_parts, pathway_parts, swin_unetr_parts  # noqa: E402
from uniseg_tools.paths import REPO_ROOT  # noqa: E402
from uniseg_tools.nets.pathways import PathwayNet  # noqa: E402
from uniseg_tools.nets.swin_unetr import SwinUNETR, load_monai_state  # noqa: E402

ROI = [64, 64, 64]
COMMON = {
    "format": "uniseg.model/1",
    "input": {"tensor": "image"},
    "preprocess": {"orientation": "RAS", "spacing": [3, 3, 3], "axes": "xyz",
                   "intensity": {"kind": "clip", "aMin": -1000, "aMax": 1000, "bMin": 0, "bMax": 1, "clip": True}},
    "inference": {"roi": ROI, "overlap": 0.5, "sigmaScale": 0.125, "batchSize": 1, "padValue": 0},
}


def write_manifest(out, manifest):
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


def build_swin(root, out):
    fixture = os.path.join(os.path.dirname(root), "shared", "fixtures", "monai-swinunetr")
    config = json.load(open(os.path.join(fixture, "config.json")))["kwargs"]
    kwargs = {k: config[k] for k in ("in_channels", "out_channels", "feature_size", "depths", "num_heads")}
    net = SwinUNETR(**kwargs).eval()
    load_monai_state(net, torch.load(os.path.join(fixture, "state_dict.pt"), map_location="cpu"), strict=True)
    sections = export_parts(swin_unetr_parts(net, ROI), out)
    os.makedirs(os.path.join(out, "torch"), exist_ok=True)
    torch.save(net.state_dict(), os.path.join(out, "torch", "net.pt"))
    json.dump({"format": "uniseg.torch-reference/1", "parts": {"net": {"module": "uniseg_tools.nets.swin_unetr", "class": "SwinUNETR", "kwargs": kwargs, "state": "net.pt"}}},
              open(os.path.join(out, "torch", "spec.json"), "w"), indent=1)
    tasks = [{"name": f"class{c}", "prompt": f"class {c}", "route": {"kind": "fixed"}, "output": {"tensor": "logits", "channels": [c]},
              "labels": {f"class{c}": 1}, "activation": "softmax"} for c in (1, 2, 3)]
    write_manifest(out, {**COMMON, "name": "bench-swin", "description": "MONAI SwinUNETR fixture weights", **sections, "tasks": tasks})


def build_pathways(out, k, seed):
    torch.manual_seed(seed)
    net = PathwayNet(in_channels=1, out_channels=2, feature_size=12, depths=(2, 2, 2, 2), alternatives=k).eval()
    sections = export_parts(pathway_parts(net, ROI), out)
    rng = random.Random(seed)
    pathways = set()
    while len(pathways) < 8:
        pathways.add(tuple(rng.randint(1, k) for _ in sections["stages"]))
    tasks = [{"name": f"task{i}", "prompt": f"task {i}", "route": {"kind": "pathway", "pathway": list(p)}, "output": {"tensor": "logits", "channels": [1]},
              "labels": {f"task{i}": 1}, "activation": "softmax"} for i, p in enumerate(sorted(pathways), 1)]
    write_manifest(out, {**COMMON, "name": "bench-pathways8", "description": f"random PathwayNet, K={k}", **sections, "tasks": tasks})


def main(argv=None):
    root = REPO_ROOT
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(root, ".tmp", "bench", "engine"))
    parser.add_argument("--k", type=int, default=4, help="alternatives per stage of pathways8")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for name, build in (("swin", lambda d: build_swin(root, d)), ("pathways8", lambda d: build_pathways(d, args.k, args.seed))):
        out = os.path.join(args.out, name)
        if os.path.exists(os.path.join(out, "model.json")):
            print(f"{out}: exists")
            continue
        os.makedirs(out, exist_ok=True)
        print(f"building {out} ...", flush=True)
        build(out)
    print("done")


if __name__ == "__main__":
    main()
