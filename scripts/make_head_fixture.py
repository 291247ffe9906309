#!/usr/bin/env python3
"""Build test/fixtures/heads-extra/extra.onnx: a new clNet head for the `heads` test package.

It reads the package's shared tensor `feats` [N, 8, ...] (and, with --supported, also takes the
`head.Organs` logits [N, 3, ...]) and writes `head.Extra` [N, 2, ...]: a 1x1x1 convolution with
fixed random weights, so tests can add it with `uniseg heads add` and segment with it.

Usage: /usr/bin/python3 scripts/make_head_fixture.py [--root REPO] [--seed 11]
"""
import argparse
import os

import torch


class ExtraHead(torch.nn.Module):
    def __init__(self, feats=8):
        super().__init__()
        self.conv = torch.nn.Conv3d(feats, 2, kernel_size=1)

    def forward(self, feats):
        return self.conv(feats)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=os.path.dirname(here), help="repository root")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    head = ExtraHead().eval()
    with torch.no_grad():
        head.conv.bias.copy_(torch.tensor([0.0, -0.2]))
    out = os.path.join(args.root, "test", "fixtures", "heads-extra")
    os.makedirs(out, exist_ok=True)
    torch.onnx.export(head, torch.zeros(1, 8, 24, 24, 24), os.path.join(out, "extra.onnx"), input_names=["feats"], output_names=["head.Extra"],
                      dynamic_axes={"feats": {0: "N"}, "head.Extra": {0: "N"}}, opset_version=16)
    print(f"wrote {out}/extra.onnx")


if __name__ == "__main__":
    main()
