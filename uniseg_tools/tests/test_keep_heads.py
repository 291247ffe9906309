"""``export --keep-heads``: a package's clNet heads are carried into a re-export only when the
encoder and the bottleneck they read are bit-identical, and then byte for byte. Tiny real ONNX
parts written with package_io.

Run: /usr/bin/python3 -m unittest uniseg_tools.tests.test_keep_heads -v
"""

import hashlib
import json
import os
import sys
import tempfile
import unittest

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))

from uniseg_tools.export_demo.keep_heads import KeepHeadsError, keep_heads  # noqa: E402
from uniseg_tools.package_io import round_fp16_, write_part  # noqa: E402

X = torch.rand(1, 1, 4, 4, 4)


def conv(seed: int, cin: int, cout: int) -> nn.Module:
    torch.manual_seed(seed)
    m = nn.Conv3d(cin, cout, 1).eval()
    round_fp16_(m)
    return m


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = conv(7, 2, 2)

    def forward(self, dec4, enc0):
        return self.conv(dec4 + enc0)


def sha(path: str) -> str:
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_package(root: str, encoder_seed: int, bottleneck_seeds, head: bool) -> dict:
    os.makedirs(os.path.join(root, 'heads'), exist_ok=True)
    parts = {}

    def part(name, module, example, inputs, outputs, file):
        write_part(module, example, os.path.join(root, file), inputs, outputs)
        parts[name] = {'file': file, 'sha256': sha(os.path.join(root, file)), 'inputs': inputs, 'outputs': outputs}

    enc = conv(encoder_seed, 1, 2)
    part('encoder', enc, (X,), ['image'], ['enc0'], 'encoder.onnx')
    enc0 = enc(X).detach()
    alts = []
    for k, seed in enumerate(bottleneck_seeds, 1):
        part(f'encoder10.{k}', conv(seed, 2, 2), (enc0,), ['enc0'], ['dec4'], f'encoder10.{k}.onnx')
        alts.append(f'encoder10.{k}')
    manifest = {'parts': parts, 'stages': [{'name': 'encoder10', 'alternatives': alts}], 'heads': {}, 'tasks': [
        {'name': 'liver', 'prompt': 'liver', 'route': {'kind': 'router', 'pathway': [1]}},
    ]}
    if head:
        part('head.Gland', Head().eval(), (enc0, enc0), ['dec4', 'enc0'], ['head.Gland'], 'heads/Gland.onnx')
        manifest['heads'] = {'Gland': {'parts': ['head.Gland'], 'output': 'head.Gland', 'labels': {'gland': 1}, 'supporting': [], 'activation': 'softmax', 'pathway': [1]}}
        manifest['tasks'].append({'name': 'gland', 'prompt': 'gland', 'route': {'kind': 'head', 'head': 'Gland'}, 'trainedOn': 'test CTs'})
    with open(os.path.join(root, 'model.json'), 'w') as f:
        json.dump(manifest, f)
    return manifest


class KeepHeadsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.old = os.path.join(self.tmp.name, 'old')
        write_package(self.old, encoder_seed=1, bottleneck_seeds=[2], head=True)

    def tearDown(self):
        self.tmp.cleanup()

    def new(self, encoder_seed, bottleneck_seeds):
        root = os.path.join(self.tmp.name, f'new-{encoder_seed}-{"-".join(map(str, bottleneck_seeds))}')
        m = write_package(root, encoder_seed, bottleneck_seeds, head=False)
        return root, m

    def test_heads_are_copied_byte_for_byte_and_follow_their_bottleneck(self):
        # The new package renumbered: the heads' bottleneck is now its alternative 2.
        root, m = self.new(1, [5, 2])
        parts, heads, tasks, record = keep_heads(self.old, root, m['parts'], m['stages'], say=lambda _: None)
        self.assertEqual(heads['Gland']['pathway'], [2])
        self.assertEqual(sha(os.path.join(root, 'heads', 'Gland.onnx')), sha(os.path.join(self.old, 'heads', 'Gland.onnx')))
        self.assertEqual(parts['head.Gland']['sha256'], sha(os.path.join(root, 'heads', 'Gland.onnx')))
        self.assertEqual([t['name'] for t in tasks], ['gland'])
        self.assertEqual(tasks[0]['trainedOn'], 'test CTs')
        self.assertEqual(record['heads']['Gland']['head.Gland'], parts['head.Gland']['sha256'])

    def test_another_encoder_is_refused(self):
        root, m = self.new(3, [2])
        with self.assertRaisesRegex(KeepHeadsError, 'new encoder differs'):
            keep_heads(self.old, root, m['parts'], m['stages'], say=lambda _: None)
        self.assertFalse(os.path.exists(os.path.join(root, 'heads', 'Gland.onnx')))

    def test_a_retrained_bottleneck_is_refused(self):
        root, m = self.new(1, [5, 6])
        with self.assertRaisesRegex(KeepHeadsError, 'no alternative of the new package has its weights'):
            keep_heads(self.old, root, m['parts'], m['stages'], say=lambda _: None)

    def test_a_package_without_heads_is_refused(self):
        root, m = self.new(1, [2])
        with self.assertRaisesRegex(KeepHeadsError, 'has no heads'):
            keep_heads(root, self.old, m['parts'], m['stages'], say=lambda _: None)


if __name__ == '__main__':
    unittest.main()
