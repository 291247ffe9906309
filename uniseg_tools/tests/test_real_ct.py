"""Real head-and-neck CTs (OpenKBP) as training data: the cache, partial labels, augmentation and
the init checkpoint rebuilt from the shipped package. Reads three real cases from
../shared/data/openkbp (skipped where that folder is absent).

Run: /usr/bin/python3 -m unittest uniseg_tools/tests/test_real_ct.py -v
"""

import json
import os
import shutil
import sys
import tempfile
import unittest

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
sys.path.insert(0, ROOT)

from uniseg_tools import data as D  # noqa: E402
from uniseg_tools import sampling as S  # noqa: E402
from uniseg_tools.realct import openkbp  # noqa: E402

OPENKBP = os.path.join(os.path.dirname(ROOT), 'shared', 'data', 'openkbp')
HAVE_DATA = os.path.exists(os.path.join(OPENKBP, 'manifest.json'))
TASKS = {t.name: t for t in D.task_table([*D.TASK_NAMES, *(t.name for t in D.HN_TASKS)])}


def small_source(tmp: str) -> str:
    """A copy of OpenKBP's manifest restricted to two training and one validation case, one of
    them without an oesophagus contour, pointing at the real files."""
    with open(os.path.join(OPENKBP, 'manifest.json')) as f:
        source = json.load(f)
    train = [c for c in source['cases'] if c['split'] == 'train-pats']
    picked = [next(c for c in train if 'Esophagus' in c['oars']), next(c for c in train if 'Esophagus' not in c['oars'])]
    picked.append(next(c for c in source['cases'] if c['split'] == 'validation-pats'))
    src = os.path.join(tmp, 'src')
    for c in picked:
        os.makedirs(os.path.join(src, c['split']), exist_ok=True)
        os.symlink(os.path.join(OPENKBP, c['split'], c['patient']), os.path.join(src, c['split'], c['patient']))
    with open(os.path.join(src, 'manifest.json'), 'w') as f:
        json.dump({**source, 'cases': picked}, f)
    return src


@unittest.skipUnless(HAVE_DATA, 'needs ../shared/data/openkbp')
class OpenKbpCacheTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='uniseg-openkbp-')
        cls.src = small_source(cls.tmp)
        cls.cache = os.path.join(cls.tmp, 'cache')
        cls.manifest = openkbp.build_cache(cls.src, cls.cache)
        cls.train = D.load_split(cls.cache, 'train-pats')
        cls.val = D.load_split(cls.cache, 'validation-pats')

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_splits_and_labels(self):
        self.assertEqual((len(self.train), len(self.val)), (2, 1))
        for case in self.train + self.val:
            values = set(np.unique(np.asarray(case.lab)).tolist())
            self.assertTrue(values <= {0, 21, 22, 23, 24, 25, 26, 27}, values)
            self.assertEqual(case.affine[:3, :3].round(6).tolist(), np.diag([3.0, 3.0, 3.0]).tolist())

    def test_left_and_right_on_the_ras_grid(self):
        # RAS: array axis 0 grows toward the patient's right, so the right parotid (23) lies at
        # higher i than the left one (24); a wrong axis order or flip fails this
        for case in self.train + self.val:
            lab = np.asarray(case.lab)
            if (lab == 23).any() and (lab == 24).any():
                self.assertGreater(np.argwhere(lab == 23)[:, 0].mean(), np.argwhere(lab == 24)[:, 0].mean() + 5)
            # superior is +k: the brainstem lies above the spinal cord
            if (lab == 21).any() and (lab == 22).any():
                self.assertGreater(np.argwhere(lab == 21)[:, 2].mean(), np.argwhere(lab == 22)[:, 2].mean())

    def test_crop_keeps_world_coordinates(self):
        case = self.train[0]
        ct_full, _, info_full = D.preprocess_case(os.path.join(self.src, 'train-pats', case.entry['patient'], 'ct.nii.gz'),
                                                  os.path.join(self.src, 'train-pats', case.entry['patient'], 'oar.nii.gz'))
        crop = [slice(a, b) for a, b in case.entry['crop']]
        np.testing.assert_array_equal(np.asarray(case.ct), ct_full[tuple(crop)])
        corner = np.asarray(info_full['modelAffine']) @ np.array([crop[0].start, crop[1].start, crop[2].start, 1.0])
        np.testing.assert_allclose(case.affine[:, 3], corner, atol=1e-6)
        self.assertLess(np.prod(case.shape), np.prod(ct_full.shape))

    def test_unknown_organs_are_never_negatives(self):
        without = next(c for c in self.train if 25 not in c.annotated)
        self.assertFalse(without.knows(TASKS['esophagus']))
        self.assertTrue(without.knows(TASKS['brainstem']))
        self.assertTrue(without.knows(TASKS['liver']))  # cannot lie in a head-and-neck scan
        self.assertFalse(without.knows(TASKS['vertebrae']))  # can, but is not contoured
        sampler = S.PatchSampler([], list(TASKS.values()), (32, 32, 32), fg_fraction=1.0, sources=[S.Source([without])])
        rng = np.random.default_rng(0)
        for _ in range(20):
            patch = sampler.sample(rng)
            self.assertFalse(patch.known['esophagus'])
            self.assertNotEqual(patch.focus, 'esophagus')
            self.assertTrue(patch.known['liver'])

    def test_phantom_cases_know_head_and_neck_absent_but_not_the_cord(self):
        entry = {'seed': 0, 'labelCounts': {'4': 10}, 'modelAffine': np.eye(4).tolist()}
        case = D.Case.__new__(D.Case)
        case.annotated = frozenset(entry.get('annotated', D.CACHE_LABELS))
        case.absent = frozenset(entry.get('absent', D.PHANTOM_ABSENT))
        self.assertTrue(case.knows(TASKS['parotid_left']))
        self.assertFalse(case.knows(TASKS['spinal_cord']))
        self.assertTrue(case.knows(TASKS['liver']))

    def test_flip_swaps_left_and_right(self):
        case = next(c for c in self.train if (np.asarray(c.lab) == 23).any() and (np.asarray(c.lab) == 24).any())
        tasks = [TASKS['parotid_left'], TASKS['parotid_right']]
        plain = S.PatchSampler([], tasks, (48, 48, 48), 1.0, jitter=S.Jitter(0, 0, 0), sources=[S.Source([case], spatial=S.Spatial(p=0.0, flip=1e-9))])
        flipped = S.PatchSampler([], tasks, (48, 48, 48), 1.0, jitter=S.Jitter(0, 0, 0), sources=[S.Source([case], spatial=S.Spatial(p=0.0, flip=1.0))])
        a, b = plain.sample(np.random.default_rng(3)), flipped.sample(np.random.default_rng(3))
        self.assertEqual(a.start, b.start)
        np.testing.assert_array_equal(b.labels, S.LR_SWAP[a.labels[::-1]])
        np.testing.assert_array_equal(b.image, a.image[:, ::-1])
        # after the flip the right parotid (23) lies on the low-i side, where the left one was
        lab = b.labels
        if (lab == 23).any() and (lab == 24).any():
            self.assertLess(np.argwhere(lab == 23)[:, 0].mean(), np.argwhere(lab == 24)[:, 0].mean())

    def test_identity_warp_is_the_plain_crop(self):
        case = self.train[0]
        tasks = [TASKS['brainstem']]
        plain = S.PatchSampler([], tasks, (32, 32, 32), 1.0, jitter=S.Jitter(0, 0, 0), sources=[S.Source([case], spatial=S.Spatial(p=0.0, flip=1e-9))])
        warped = S.PatchSampler([], tasks, (32, 32, 32), 1.0, jitter=S.Jitter(0, 0, 0), sources=[S.Source([case], spatial=S.Spatial(p=1.0, rotate_deg=0.0, scale=0.0))])
        a, b = plain.sample(np.random.default_rng(5)), warped.sample(np.random.default_rng(5))
        np.testing.assert_array_equal(b.labels, a.labels)
        np.testing.assert_allclose(b.image, a.image, atol=1e-6)

    def test_rotation_keeps_labels_and_moves_them(self):
        case = self.train[0]
        tasks = [TASKS['mandible'], TASKS['brainstem']]
        warped = S.PatchSampler([], tasks, (48, 48, 48), 1.0, jitter=S.Jitter(0, 0, 0), sources=[S.Source([case], spatial=S.Spatial(p=1.0, rotate_deg=10.0, scale=0.1))])
        patch = warped.sample(np.random.default_rng(11))
        self.assertTrue(set(np.unique(patch.labels).tolist()) <= {0, 21, 22, 23, 24, 25, 26, 27})
        self.assertTrue(patch.labels.any())


class PackageInitTest(unittest.TestCase):
    def test_demo_package_becomes_a_pathways_checkpoint(self):
        import torch

        from uniseg_tools.train.from_package import checkpoint_from_package
        from uniseg_tools.train.models import build_network
        from uniseg_tools.train.config import TrainConfig

        pkg = os.path.join(ROOT, 'models', 'demo')
        ckpt = checkpoint_from_package(pkg)
        paths = ckpt['pathways']
        self.assertEqual(sorted(paths), sorted(ckpt['config']['tasks']))
        self.assertEqual(len({tuple(p) for p in paths.values()}), len(paths))  # distinct pathways
        self.assertTrue(all(len(p) == 7 and all(1 <= a <= 4 for a in p) for p in paths.values()))
        cfg = TrainConfig.from_dict(ckpt['config'])
        adapter = build_network(cfg, D.task_table(cfg.tasks))
        own = adapter.state_dict()
        net_keys = {k for k in own if k.startswith('net.') and 'relative_position_index' not in k}
        self.assertEqual(net_keys - set(ckpt['ema']), set())
        for k, v in ckpt['ema'].items():
            self.assertEqual(tuple(own[k].shape), tuple(v.shape), k)
        # dropped alternatives start as copies of a kept one at their position
        self.assertTrue(torch.equal(ckpt['ema']['net.encoder10.1.layer.conv1.conv.weight'], ckpt['ema']['net.encoder10.0.layer.conv1.conv.weight']))


if __name__ == '__main__':
    unittest.main()
