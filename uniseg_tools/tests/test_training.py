"""Tests of the phantom dataset and the training loop (stand-in networks; the real ones are timed
separately). Run: /usr/bin/python3 -m unittest uniseg_tools/tests/test_training.py -v
"""

from __future__ import annotations

import math
import os
import shutil
import signal
import sys
import tempfile
import unittest

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))

from uniseg_tools import data as D  # noqa: E402
from uniseg_tools import sampling as S  # noqa: E402
from uniseg_tools.train import checkpoint as ckpt  # noqa: E402
from uniseg_tools.train.ema import EMA, ema_decay  # noqa: E402
from uniseg_tools.train.loop import TrainConfig, Trainer  # noqa: E402
from uniseg_tools.train.losses import dice_ce_binary, dice_ce_multiclass  # noqa: E402
from uniseg_tools.train.models import HeadsAdapter, PathwayAdapter, parse_heads  # noqa: E402
from uniseg_tools.train.routing import format_pathway, gumbel_softmax_st  # noqa: E402
from uniseg_tools.train.schedule import gumbel_tau, warmup_cosine  # noqa: E402

# --------------------------------------------------------------------------------------------
# Stand-in networks with the adapters' protocol (tiny, fast on 16^3 patches)
# --------------------------------------------------------------------------------------------


def _alt(cin: int, cout: int) -> nn.Module:
    return nn.Sequential(nn.Conv3d(cin, cout, 3, padding=1), nn.LeakyReLU(0.01))


class StandInPathways(nn.Module):
    """``PathwayNet``'s interface: encoder (2 convs, one strided) + ``positions`` positions of
    ``alternatives`` blocks; ``decode(feats, selection, mix)`` with [P, K] weights or a 0-based list."""

    positions = 3
    encoder_module_names = ('enc0', 'enc1')

    def __init__(self, k: int = 2, width: int = 6):
        super().__init__()
        self.alternatives = k
        self.enc0 = nn.Sequential(nn.Conv3d(1, width, 3, padding=1), nn.LeakyReLU(0.01))
        self.enc1 = nn.Sequential(nn.Conv3d(width, width, 3, stride=2, padding=1), nn.LeakyReLU(0.01))
        self.pos = nn.ModuleList(
            [
                nn.ModuleList([_alt(width, width) for _ in range(k)]),
                nn.ModuleList([_alt(2 * width, width) for _ in range(k)]),
                nn.ModuleList([nn.Conv3d(width, 2, 1) for _ in range(k)]),
            ]
        )

    def encode(self, x):
        e0 = self.enc0(x)
        return e0, self.enc1(e0)

    def decode(self, feats, selection, mix='all'):
        if not torch.is_tensor(selection):
            selection = F.one_hot(torch.tensor(list(selection)), self.alternatives).float()
        e0, e1 = feats

        def at(p, *args):
            if mix == 'selected':
                j = int(selection[p].argmax())
                return selection[p, j] * self.pos[p][j](*args)
            return sum(selection[p, j] * self.pos[p][j](*args) for j in range(self.alternatives))

        h = at(0, e1)
        h = F.interpolate(h, scale_factor=2, mode='nearest')
        h = at(1, torch.cat([h, e0], 1))
        return at(2, h)


class StandInHead(nn.Module):
    def __init__(self, width: int, channels: int, support: int):
        super().__init__()
        self.body = nn.Sequential(nn.Conv3d(width, width, 3, padding=1), nn.LeakyReLU(0.01))
        self.out = nn.Conv3d(width + support, channels, 1)

    def forward(self, feat, *support):
        return self.out(torch.cat([self.body(feat), *support], 1))


class StandInHeads(nn.Module):
    """``ClNet``'s interface: ``encode`` → tuple, ``heads`` ModuleDict, ``head_specs``."""

    encoder_module_names = ('encoder',)

    def __init__(self, heads: dict, width: int = 6):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv3d(1, width, 3, padding=1), nn.LeakyReLU(0.01), nn.Conv3d(width, width, 3, padding=1), nn.LeakyReLU(0.01))
        self.heads = nn.ModuleDict()
        self.head_specs = {}
        for h, v in heads.items():
            ch = 1 + len(v['tasks'])
            self.heads[h] = StandInHead(width, ch, sum(self.head_specs[s]['out_channels'] for s in v['supporting']))
            self.head_specs[h] = {'out_channels': ch, 'supporting': list(v['supporting'])}

    def encode(self, x):
        return (self.encoder(x),)


def standin_factory(cfg, tasks):
    if cfg.mode == 'heads':
        return HeadsAdapter(StandInHeads(cfg.heads), tasks, {h: v['tasks'] for h, v in cfg.heads.items()})
    return PathwayAdapter(StandInPathways(cfg.k), tasks, embed_dim=8, router_hidden=16, mix='all' if cfg.mix == 'hybrid' else cfg.mix)


# --------------------------------------------------------------------------------------------
# A shared tiny cache
# --------------------------------------------------------------------------------------------

TINY_GRIDS = {11: D.GridSpec('LPS', (6.0, 6.0, 6.0), (48, 48, 48)), 12: D.GridSpec('PIR', (6.0, 6.0, 6.0), (48, 48, 48))}
TMP = None


def setUpModule():
    global TMP
    TMP = tempfile.mkdtemp(prefix='uniseg-train-test-')
    D.build_cache(os.path.join(TMP, 'cache'), sorted(TINY_GRIDS), spacing=(6.0, 6.0, 6.0), grid_fn=TINY_GRIDS.__getitem__, jobs=2)


def tearDownModule():
    if TMP:
        shutil.rmtree(TMP, ignore_errors=True)


def tiny_config(**kw) -> TrainConfig:
    base = dict(
        cache=os.path.join(TMP, 'cache'),
        patch=[16, 16, 16],
        k=2,
        steps=8,
        tasks_per_step=3,
        lr=3e-3,
        warmup=2,
        ema_decay=0.9,
        ckpt_every=0,
        log_every=1000,
        seed=5,
        threads=1,  # tiny tensors: a second thread only adds synchronisation (and suffers on a loaded machine)
        device='cpu',
    )
    base.update(kw)
    return TrainConfig(**base)


def quiet(_msg: str) -> None:
    pass


def states_equal(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


class DatasetTest(unittest.TestCase):
    def test_cache_laterality_and_resume(self):
        cache = os.path.join(TMP, 'cache')
        manifest = D.read_manifest(cache)
        self.assertEqual(sorted(manifest['cases']), ['0011', '0012'])
        for stem, entry in manifest['cases'].items():
            ct = np.load(os.path.join(cache, f'ct_{stem}.npy'))
            lab = np.load(os.path.join(cache, f'lab_{stem}.npy'))
            self.assertEqual(ct.dtype, np.int16)
            self.assertEqual(lab.dtype, np.uint8)
            self.assertEqual(list(ct.shape), entry['modelShape'])
            aff = np.asarray(entry['modelAffine'])
            # RAS grid: a positive diagonal, 6 mm.
            np.testing.assert_allclose(np.diag(aff)[:3], [6, 6, 6], atol=1e-6)
            # Patient's left = world -x = low i: left kidney, spleen left of right kidney, liver.
            mean_i = lambda v: float(np.nonzero(lab == v)[0].mean())  # noqa: E731
            self.assertLess(mean_i(6), mean_i(7), stem)
            self.assertLess(mean_i(5), mean_i(4), stem)
            self.assertLess(mean_i(2), mean_i(3), stem)
            self.assertLess(mean_i(6), lab.shape[0] / 2)
            self.assertGreater(mean_i(7), lab.shape[0] / 2)
            # Superior = high k: lungs above kidneys.
            self.assertGreater(float(np.nonzero(np.isin(lab, [2, 3]))[2].mean()), float(np.nonzero(np.isin(lab, [6, 7]))[2].mean()))
            # Kidney tumour voxels are inside the kidney of their side.
            for v, kidney in ((11, 6), (12, 7)):
                if (lab == v).any():
                    self.assertTrue(abs(mean_i(v) - mean_i(kidney)) < 10, (stem, v))
            # HU range of a CT.
            self.assertLess(int(ct.min()), -900)
            self.assertGreater(int(ct.max()), 300)
        # Both orientations give (nearly) the same RAS arrays: the anatomy is in world space.
        a = np.load(os.path.join(cache, 'lab_0011.npy'))
        self.assertEqual(a.shape, (48, 48, 48))
        # Idempotent: a second build skips both cases (files untouched).
        before = {f: os.stat(os.path.join(cache, f)).st_mtime_ns for f in os.listdir(cache) if f.endswith('.npy')}
        D.build_cache(cache, sorted(TINY_GRIDS), spacing=(6.0, 6.0, 6.0), grid_fn=TINY_GRIDS.__getitem__)
        after = {f: os.stat(os.path.join(cache, f)).st_mtime_ns for f in os.listdir(cache) if f.endswith('.npy')}
        self.assertEqual(before, after)
        with self.assertRaises(ValueError):
            D.build_cache(cache, [11], spacing=(3.0, 3.0, 3.0), grid_fn=TINY_GRIDS.__getitem__)

    def test_same_anatomy_whatever_the_file_orientation(self):
        # The same seed in two orientations lands on the same RAS voxels (up to resampling).
        d = os.path.join(TMP, 'orient')
        grids = {11: D.GridSpec('RAS', (6.0, 6.0, 6.0), (48, 48, 48))}
        D.build_cache(d, [11], spacing=(6.0, 6.0, 6.0), grid_fn=grids.__getitem__)
        a = np.load(os.path.join(d, 'lab_0011.npy'))
        b = np.load(os.path.join(TMP, 'cache', 'lab_0011.npy'))  # LPS file grid
        self.assertEqual(a.shape, b.shape)
        self.assertGreater(float(np.mean(a == b)), 0.999)

    def test_draw_grid(self):
        for seed in range(40):
            g = D.draw_grid(seed)
            self.assertEqual(g, D.draw_grid(seed))
            self.assertIn(g.orientation, D.ORIENTATIONS)
            for code, s, n in zip(g.orientation, g.spacing, g.size):
                self.assertTrue(1.5 <= s <= 4.0)
                fov = s * n
                if code in 'SI':
                    self.assertTrue(245 <= fov <= 405, (g, fov))
                else:
                    self.assertTrue(325 <= fov <= 425, (g, fov))

    def test_sampler(self):
        cases = D.load_cases(os.path.join(TMP, 'cache'))
        tasks = D.task_table()
        s = S.PatchSampler(cases, tasks, (16, 16, 16), fg_fraction=1.0)
        rng = np.random.default_rng(0)
        for _ in range(20):
            p = s.sample(rng)
            self.assertEqual(p.image.shape, (1, 16, 16, 16))
            self.assertEqual(p.image.dtype, np.float32)
            self.assertEqual(p.labels.shape, (16, 16, 16))
            self.assertIsNotNone(p.focus)
            task = next(t for t in tasks if t.name == p.focus)
            self.assertTrue(D.task_mask(p.labels, task)[8, 8, 8] or D.task_mask(p.labels, task).any())
            self.assertTrue(0.0 <= float(p.image.min()) and float(p.image.max()) <= 1.0)
        # Same generator state, same patch.
        a = s.sample(np.random.default_rng(3))
        b = s.sample(np.random.default_rng(3))
        np.testing.assert_array_equal(a.image, b.image)
        # A patch larger than the volume is padded with air (normalised 0) and stays centred.
        big = S.PatchSampler(cases, tasks, (64, 64, 64), fg_fraction=0.0, jitter=S.Jitter(0, 0, 0))
        p = big.sample(rng)
        self.assertEqual(p.image.shape, (1, 64, 64, 64))
        self.assertEqual(p.start, (-8, -8, -8))
        self.assertEqual(float(p.image[0, 0, 0, 0]), D.pad_value(D.DEFAULT_INTENSITY))
        self.assertEqual(int(p.labels[:8].max()), 0)

    def test_task_table(self):
        by = {t.name: t for t in D.TASKS}
        self.assertEqual(by['liver'].labels, (4, 10))
        self.assertEqual(by['kidney_left'].labels, (6, 11))
        self.assertEqual(by['kidney_right'].labels, (7, 12))
        self.assertEqual(by['kidney_tumor'].labels, (11, 12))
        self.assertEqual(by['lungs'].labels, (2, 3))
        self.assertEqual([t.prompt for t in D.TASKS], ['liver', 'spleen', 'left kidney', 'right kidney', 'aorta', 'lungs', 'vertebrae', 'liver tumor', 'kidney tumor'])


class PiecesTest(unittest.TestCase):
    def test_ema_math(self):
        lin = nn.Linear(3, 2)
        ema = EMA(lin, decay=0.99)
        before = {k: v.clone() for k, v in ema.state_dict().items()}
        with torch.no_grad():
            lin.weight.add_(1.0)
        d = ema.update(lin, step=1000)
        self.assertEqual(d, 0.99)
        expected = before['weight'].double() * 0.99 + lin.weight.detach().double() * 0.01
        torch.testing.assert_close(ema.shadow.weight.double(), expected, rtol=0, atol=1e-7)
        torch.testing.assert_close(ema.shadow.bias.double(), before['bias'].double() * 0.99 + lin.bias.detach().double() * 0.01, rtol=0, atol=1e-7)
        self.assertFalse(torch.equal(ema.shadow.weight, lin.weight))
        # Early steps use a smaller decay.
        self.assertAlmostEqual(ema_decay(0.999, 0), 0.1)
        self.assertAlmostEqual(ema_decay(0.999, 10), 11 / 20)
        # Frozen parameters are copied exactly, not averaged.
        lin.bias.requires_grad_(False)
        with torch.no_grad():
            lin.bias.add_(0.123)
        ema.update(lin, step=5)
        self.assertTrue(torch.equal(ema.shadow.bias, lin.bias))

    def test_schedules(self):
        self.assertAlmostEqual(warmup_cosine(0, 100, 10), 0.1)
        self.assertAlmostEqual(warmup_cosine(9, 100, 10), 1.0)
        self.assertAlmostEqual(warmup_cosine(10, 100, 10), 1.0)
        self.assertAlmostEqual(warmup_cosine(100, 100, 10, 0.01), 0.01)
        self.assertAlmostEqual(gumbel_tau(0, 10, 2.0, 0.5), 2.0)
        self.assertAlmostEqual(gumbel_tau(10, 10, 2.0, 0.5), 0.5)

    def test_gumbel_st(self):
        logits = torch.randn(7, 4, requires_grad=True)
        g = torch.Generator().manual_seed(0)
        w = gumbel_softmax_st(logits, 1.0, g)
        self.assertTrue(torch.equal(w.detach().sum(-1), torch.ones(7)))
        self.assertTrue(set(w.detach().unique().tolist()) <= {0.0, 1.0})
        (w * torch.arange(4.0)).sum().backward()
        self.assertGreater(float(logits.grad.abs().sum()), 0)
        self.assertEqual(format_pathway([2, 1, 3, 5, 3, 6, 6]), '2,1,3,5,3,6,6')

    def test_losses(self):
        y = torch.zeros(1, 8, 8, 8, dtype=torch.bool)
        y[:, 2:6, 2:6, 2:6] = True
        good = torch.stack([(~y).float() * 10, y.float() * 10], 1)
        bad = -good
        lg, dg = dice_ce_binary(good, y)
        lb, db = dice_ce_binary(bad, y)
        self.assertLess(float(lg), 0.01)
        self.assertGreater(float(lb), 1.0)
        self.assertEqual(dg, 1.0)
        self.assertEqual(db, 0.0)
        t = torch.zeros(1, 8, 8, 8, dtype=torch.long)
        t[:, :4] = 1
        t[:, 6:] = 2
        logits = F.one_hot(t, 3).permute(0, 4, 1, 2, 3).float() * 10
        loss, hd = dice_ce_multiclass(logits, t)
        self.assertLess(float(loss), 0.01)
        self.assertEqual(hd, [1.0, 1.0])

    def test_parse_heads(self):
        h = parse_heads(['Organs=liver,spleen', 'Tumor=kidney_tumor:Organs'])
        self.assertEqual(h['Organs'], {'tasks': ['liver', 'spleen'], 'supporting': []})
        self.assertEqual(h['Tumor'], {'tasks': ['kidney_tumor'], 'supporting': ['Organs']})
        with self.assertRaises(ValueError):
            parse_heads(['A=liver:B'])
        with self.assertRaises(ValueError):
            HeadsAdapter(StandInHeads({'X': {'tasks': ['liver', 'liver_tumor'], 'supporting': []}}), D.task_table(['liver', 'liver_tumor']), {'X': ['liver', 'liver_tumor']})

    def test_hybrid_mix_matches_all(self):
        """'hybrid' = 'all' forward and, on its first positions, the same router gradient."""
        from uniseg_tools.nets.pathways import PathwayNet

        torch.manual_seed(0)
        net = PathwayNet(feature_size=6, depths=(1, 1, 1, 1), alternatives=3)
        feats = net.encode(torch.randn(1, 1, 32, 32, 32))
        grads, outs = {}, {}
        for mix in ('all', 'selected', 'hybrid'):
            ad = PathwayAdapter(net, D.task_table(['liver']), embed_dim=4, mix=mix, hybrid_positions=3)
            logits = torch.randn(7, 3, generator=torch.Generator().manual_seed(1)).requires_grad_()
            w = gumbel_softmax_st(logits, 1.0, torch.Generator().manual_seed(2))
            y = ad._decode_hybrid(feats, w) if mix == 'hybrid' else net.decode(feats, w, mix=mix)
            (y[:, 1] - y[:, 0]).square().mean().backward(retain_graph=True)
            outs[mix], grads[mix] = y.detach(), logits.grad.clone()
        self.assertTrue(torch.equal(outs['all'], outs['hybrid']))
        self.assertTrue(torch.equal(outs['all'], outs['selected']))
        torch.testing.assert_close(grads['hybrid'][:3], grads['all'][:3], rtol=1e-5, atol=1e-7)
        torch.testing.assert_close(grads['hybrid'][3:], grads['selected'][3:], rtol=1e-5, atol=1e-7)
        self.assertFalse(torch.allclose(grads['all'][:3], grads['selected'][:3]))

    def test_real_networks_one_step(self):
        """The real PathwayNet / ClNet through build_network: one step each on a 32^3 patch."""
        for mode, kw in (('pathways', {'mix': 'hybrid'}), ('heads', {'heads': parse_heads(['Organs=liver,spleen', 'Tumor=liver_tumor:Organs'])})):
            cfg = tiny_config(mode=mode, patch=[32, 32, 32], feature_size=6, depths=[1, 1, 1, 1], k=2, steps=2, tasks_per_step=2, **kw)
            t = Trainer(cfg, log=quiet)
            info = t.train_step()
            self.assertTrue(math.isfinite(info['loss']), mode)
            if mode == 'pathways':
                paths = t.pathways()
                self.assertEqual(len(paths), len(D.TASKS))
                self.assertTrue(all(len(p) == 7 and all(1 <= v <= 2 for v in p) for p in paths.values()))
            else:
                enc = [n for n, p in t.model.named_parameters() if n.startswith('net.swinViT') or n.startswith('net.encoder1')]
                self.assertTrue(enc)
                self.assertFalse(any(p.requires_grad for n, p in t.model.named_parameters() if n in enc))


class TrainingTest(unittest.TestCase):
    def fixed_loss(self, trainer: Trainer, patches) -> float:
        total = 0.0
        with torch.no_grad():
            for p in patches:
                feats = trainer.model.encode(torch.from_numpy(p.image)[None])
                for i, t in enumerate(trainer.tasks):
                    y = torch.from_numpy(D.task_mask(p.labels, t))[None]
                    total += float(dice_ce_binary(trainer.model.eval_logits(feats, i), y)[0])
        return total / (len(patches) * len(trainer.tasks))

    def test_loss_decreases(self):
        cfg = tiny_config(steps=25, tasks=['liver', 'lungs', 'spleen', 'vertebrae'], tasks_per_step=2, lr=5e-3, tau_start=1.0, tau_end=0.5)
        t = Trainer(cfg, standin_factory, log=quiet)
        rng = np.random.default_rng(123)
        patches = [t.sampler.sample(rng) for _ in range(6)]
        before = self.fixed_loss(t, patches)
        for _ in range(cfg.steps):
            t.train_step()
        after = self.fixed_loss(t, patches)
        self.assertLess(after, before * 0.85, (before, after))
        for path in t.pathways().values():
            self.assertEqual(len(path), 3)
            self.assertTrue(all(1 <= p <= 2 for p in path))

    def test_resume_after_signal_is_bit_identical(self):
        out_full = os.path.join(TMP, 'full')
        out_cut = os.path.join(TMP, 'cut')
        full = Trainer(tiny_config(out=out_full, steps=8), standin_factory, log=quiet)
        self.assertEqual(full.run(handle_signals=False), 0)

        def killer(msg: str) -> None:
            if msg.startswith('step 3/'):
                os.kill(os.getpid(), signal.SIGTERM)

        cut = Trainer(tiny_config(out=out_cut, steps=8, log_every=1), standin_factory, log=killer)
        rc = cut.run()
        self.assertEqual(rc, 128 + signal.SIGTERM)
        self.assertEqual(ckpt.load(os.path.join(out_cut, 'last.pt'))['step'], 3)
        self.assertIs(signal.getsignal(signal.SIGTERM), signal.SIG_DFL)
        resumed = Trainer.resume(os.path.join(out_cut, 'last.pt'), log=quiet, model_factory=standin_factory)
        self.assertEqual(resumed.step, 3)
        self.assertEqual(resumed.run(handle_signals=False), 0)
        a = ckpt.load(os.path.join(out_full, 'last.pt'))
        b = ckpt.load(os.path.join(out_cut, 'last.pt'))
        self.assertEqual(a['step'], 8)
        self.assertTrue(states_equal(a['model'], b['model']))
        self.assertTrue(states_equal(a['ema'], b['ema']))
        self.assertEqual(a['pathways'], b['pathways'])
        self.assertEqual(a['recent_dice'], b['recent_dice'])
        sa, sb = a['optimizer']['state'], b['optimizer']['state']
        self.assertEqual(sa.keys(), sb.keys())
        for k in sa:
            for name in ('exp_avg', 'exp_avg_sq'):
                self.assertTrue(torch.equal(sa[k][name], sb[k][name]))
        self.assertEqual(a['rng']['numpy'], b['rng']['numpy'])
        self.assertEqual(a['tasks'], [tt.to_json() for tt in D.TASKS])
        # A different seed gives different weights (the test is not vacuous).
        other = Trainer(tiny_config(steps=2, seed=6), standin_factory, log=quiet)
        self.assertFalse(states_equal(other.model.state_dict(), a['model']))

    def test_stop_at_then_resume_walks_the_same_path(self):
        out_full = os.path.join(TMP, 'full-stop')
        out_cut = os.path.join(TMP, 'cut-stop')
        full = Trainer(tiny_config(out=out_full, steps=6), standin_factory, log=quiet)
        self.assertEqual(full.run(handle_signals=False), 0)
        cut = Trainer(tiny_config(out=out_cut, steps=6, stop_at=2), standin_factory, log=quiet)
        self.assertEqual(cut.run(handle_signals=False), 0)
        self.assertEqual(ckpt.load(os.path.join(out_cut, 'last.pt'))['step'], 2)
        resumed = Trainer.resume(os.path.join(out_cut, 'last.pt'), log=quiet, model_factory=standin_factory, overrides={'stop_at': 0})
        self.assertEqual(resumed.run(handle_signals=False), 0)
        a = ckpt.load(os.path.join(out_full, 'last.pt'))
        b = ckpt.load(os.path.join(out_cut, 'last.pt'))
        self.assertEqual(b['step'], 6)
        self.assertTrue(states_equal(a['model'], b['model']))

    def test_frozen_encoder_train_one_head(self):
        heads = parse_heads(['Organs=liver,spleen', 'Kidneys=kidney_left,kidney_right:Organs'])
        first = Trainer(tiny_config(mode='heads', heads=heads, steps=3, out=os.path.join(TMP, 'heads1')), standin_factory, log=quiet)
        enc_before = {k: v.clone() for k, v in first.model.state_dict().items() if k.startswith('net.encoder.')}
        first.run(handle_signals=False)
        # heads mode always freezes the encoder.
        for k, v in first.model.state_dict().items():
            if k.startswith('net.encoder.'):
                self.assertTrue(torch.equal(v, enc_before[k]), k)
        # Continual: only Kidneys trains, starting from the first run's weights.
        cfg = tiny_config(mode='heads', heads=heads, steps=4, train_heads=['Kidneys'], init_from=os.path.join(TMP, 'heads1', 'last.pt'), seed=9)
        t = Trainer(cfg, standin_factory, log=quiet)
        before = {k: v.clone() for k, v in t.model.state_dict().items()}
        ema_before = {k: v.clone() for k, v in t.ema.state_dict().items()}
        for _ in range(cfg.steps):
            t.train_step()
        after = t.model.state_dict()
        ema_after = t.ema.state_dict()
        changed = [k for k in before if not torch.equal(before[k], after[k])]
        self.assertTrue(changed)
        self.assertTrue(all(k.startswith('net.heads.Kidneys.') for k in changed), changed)
        for k in before:
            if not k.startswith('net.heads.Kidneys.'):
                self.assertTrue(torch.equal(before[k], after[k]), k)
                self.assertTrue(torch.equal(ema_before[k], ema_after[k]), k)
        trainable = {n for n, p in t.model.named_parameters() if p.requires_grad}
        self.assertTrue(trainable and all(n.startswith('net.heads.Kidneys.') for n in trainable))
        # The optimiser holds only the trainable head.
        self.assertEqual(sum(len(g['params']) for g in t.optimizer.param_groups), len(trainable))

    def test_frozen_encoder_pathways(self):
        t = Trainer(tiny_config(freeze_encoder=True, steps=3), standin_factory, log=quiet)
        enc = {k: v.clone() for k, v in t.model.state_dict().items() if k.startswith('net.enc')}
        for _ in range(3):
            t.train_step()
        for k, v in t.model.state_dict().items():
            if k.startswith('net.enc'):
                self.assertTrue(torch.equal(v, enc[k]), k)
            if k.startswith('net.enc'):
                self.assertTrue(torch.equal(t.ema.state_dict()[k], enc[k]), k)

    def test_validation(self):
        cases = D.load_cases(os.path.join(TMP, 'cache'), [12])
        lines = []
        t = Trainer(tiny_config(steps=2, tasks=['liver', 'kidney_left']), standin_factory, log=lines.append, val_cases=cases)
        t.train_step()
        res = t.run_validation()
        self.assertEqual(set(res), {'liver', 'kidney_left'})
        for row in res.values():
            self.assertIn('12', row)
            self.assertTrue(math.isnan(row['mean']) or 0.0 <= row['mean'] <= 1.0)
        self.assertTrue(any(line.startswith('task') for line in lines))
        # The heads adapter validates too.
        heads = parse_heads(['Organs=liver,spleen'])
        th = Trainer(tiny_config(mode='heads', heads=heads, steps=1), standin_factory, log=quiet, val_cases=cases)
        self.assertEqual(set(th.run_validation()), {'liver', 'spleen'})


if __name__ == '__main__':
    unittest.main()
