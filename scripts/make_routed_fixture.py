#!/usr/bin/env python3
"""Build test/fixtures/models/routed: the `pathways` test package plus a text encoder and a router.

The router is one linear layer, text embedding [N, 16] -> pathway logits [N, stages, K], with fixed
random weights (written beside it as router_weights.json so tests can recompute its choices).
The text encoder is a copy of test/fixtures/clip-tiny. Tasks `liver` and `spleen` become
router-routed (gCIS automatic pathways); `kidney` and `lesions` keep fixed pathways. CLIP-tiny has
random weights and embeds every templated prompt at ~0.99 cosine similarity to every other, so the
threshold is 0.999: only prompts that normalise to a task's text route by similarity.

Usage: /usr/bin/python3 scripts/make_routed_fixture.py [--root REPO] [--seed 3]
"""
import argparse
import hashlib
import json
import os
import shutil

import torch


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Router(torch.nn.Module):
    def __init__(self, dim, stages, k):
        super().__init__()
        self.stages, self.k = stages, k
        self.linear = torch.nn.Linear(dim, stages * k)

    def forward(self, embedding):
        return self.linear(embedding).reshape(-1, self.stages, self.k)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=os.path.dirname(here), help="repository root (default: this script's parent)")
    parser.add_argument("--seed", type=int, default=3, help="seed of the router weights")
    args = parser.parse_args()

    models = os.path.join(args.root, "test", "fixtures", "models")
    source, out = os.path.join(models, "pathways"), os.path.join(models, "routed")
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(source, out, ignore=shutil.ignore_patterns("torch"))
    text = os.path.join(out, "text")
    clip = os.path.join(args.root, "test", "fixtures", "clip-tiny")
    os.makedirs(os.path.join(text, "onnx"))
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json", os.path.join("onnx", "text_model.onnx")):
        shutil.copyfile(os.path.join(clip, name), os.path.join(text, name))

    with open(os.path.join(out, "model.json")) as f:
        manifest = json.load(f)
    stages = len(manifest["stages"])
    k = min(len(s["alternatives"]) for s in manifest["stages"])
    dim = json.load(open(os.path.join(clip, "config.json")))["projection_dim"]

    torch.manual_seed(args.seed)
    router = Router(dim, stages, k).eval()
    path = os.path.join(out, "router.onnx")
    torch.onnx.export(router, torch.zeros(1, dim), path, input_names=["text_embedding"], output_names=["pathway_logits"],
                      dynamic_axes={"text_embedding": {0: "N"}, "pathway_logits": {0: "N"}}, opset_version=16)
    with open(os.path.join(out, "router_weights.json"), "w") as f:
        json.dump({"weight": router.linear.weight.tolist(), "bias": router.linear.bias.tolist(), "stages": stages, "k": k}, f)

    manifest["name"] = "routed"
    manifest["description"] = "test package: pathways + CLIP-tiny text encoder + linear router"
    manifest["parts"]["router"] = {"file": "router.onnx", "sha256": sha256(path), "inputs": ["text_embedding"], "outputs": ["pathway_logits"]}
    manifest["prompting"] = {
        "textEncoder": {"dir": "text", "template": "a computerized tomography of a {}"},
        "router": {"part": "router", "input": "text_embedding", "output": "pathway_logits"},
        "minSimilarity": 0.999,
    }
    for task in manifest["tasks"]:
        if task["name"] in ("liver", "spleen"):
            task["route"] = {"kind": "router", "pathway": task["route"]["pathway"]}
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
