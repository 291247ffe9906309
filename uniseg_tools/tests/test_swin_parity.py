"""SwinUNETR parity with MONAI 1.5.0 (fixture made by MONAI itself: state_dict, input, logits).

Run: /usr/bin/python3 -m unittest discover -s uniseg_tools/tests -t . -v
The fixture directory defaults to /work/shared/fixtures/monai-swinunetr (override with
UNISEG_MONAI_FIXTURE); the tests skip when it is absent.
"""

import json
import os
import sys
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))

from uniseg_tools.nets import SwinUNETR  # noqa: E402
from uniseg_tools.nets.swin import MERGE_OFFSETS, relative_position_index  # noqa: E402

FIXTURE = os.environ.get('UNISEG_MONAI_FIXTURE', '/work/shared/fixtures/monai-swinunetr')
HAVE_FIXTURE = os.path.exists(os.path.join(FIXTURE, 'state_dict.pt'))
TOLERANCE = 1e-4


def fixture_net(merge: str = 'merging') -> SwinUNETR:
    with open(os.path.join(FIXTURE, 'config.json')) as f:
        kw = json.load(f)['kwargs']
    assert kw.get('use_v2') is False and kw.get('spatial_dims') == 3
    return SwinUNETR(
        kw['in_channels'], kw['out_channels'], feature_size=kw['feature_size'], depths=kw['depths'], num_heads=kw['num_heads'], merge=merge
    ).eval()


@unittest.skipUnless(HAVE_FIXTURE, f'MONAI fixture not found at {FIXTURE}')
class MonaiParity(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(2)
        cls.state = torch.load(os.path.join(FIXTURE, 'state_dict.pt'))
        cls.image = torch.from_numpy(np.load(os.path.join(FIXTURE, 'input.npy')))
        cls.expected = np.load(os.path.join(FIXTURE, 'output.npy'))

    def test_strict_load_accepts_the_state_dict_unchanged(self):
        net = fixture_net()
        result = net.load_state_dict(self.state, strict=True)
        self.assertEqual((result.missing_keys, result.unexpected_keys), ([], []))
        self.assertEqual(set(net.state_dict()), set(self.state))
        for k, v in net.state_dict().items():
            self.assertEqual(tuple(v.shape), tuple(self.state[k].shape), k)

    def test_relative_position_index_is_the_stored_buffer(self):
        stored = self.state['swinViT.layers1.0.blocks.0.attn.relative_position_index']
        self.assertTrue(torch.equal(relative_position_index((7, 7, 7)), stored))

    def test_logits_match_monai(self):
        net = fixture_net()
        net.load_state_dict(self.state, strict=True)
        with torch.no_grad():
            out = net(self.image).numpy()
        self.assertEqual(out.shape, self.expected.shape)
        diff = float(np.abs(out - self.expected).max())
        print(f'\n  SwinUNETR vs MONAI 1.5.0 fixture: max |diff| = {diff:.2e}', file=sys.stderr)
        self.assertLessEqual(diff, TOLERANCE)


class MergeOrders(unittest.TestCase):
    def test_merge_orders(self):
        everything = {(i, j, k) for i in range(2) for j in range(2) for k in range(2)}
        self.assertEqual(set(MERGE_OFFSETS['merging']), everything)
        self.assertEqual(set(MERGE_OFFSETS['mergingv2']), everything)
        legacy = MERGE_OFFSETS['merging-legacy']
        self.assertEqual(len(set(legacy)), 6)  # two neighbours repeated, two never used
        self.assertEqual(MERGE_OFFSETS['merging'][:4], legacy[:4])


if __name__ == '__main__':
    unittest.main()
