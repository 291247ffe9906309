"""Training the gCIS decoders on from a checkpoint with the encoder and encoder10 frozen
(``train_demo.py --init-from CKPT --pin-pathways --freeze-bottleneck``): clNet heads trained on that
checkpoint's encoder and bottleneck must still find exactly those weights, and the pathways must
be the checkpoint's. Real PathwayNet (feature 6) on one real 3 mm phantom, 32^3 patches.

Run: /usr/bin/python3 -m unittest uniseg_tools/tests/test_frozen_bottleneck.py -v
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sys
import tempfile
import unittest

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..'))
sys.path.insert(0, HERE)

from uniseg_tools import data as D  # noqa: E402
from uniseg_tools.train import checkpoint as ckpt  # noqa: E402
from uniseg_tools.train.loop import TrainConfig, Trainer  # noqa: E402
from uniseg_tools.train.routing import format_pathway  # noqa: E402

from uniseg_tools.commands import train as train_demo  # noqa: E402

TMP = ''
NET = dict(feature_size=6, depths=[1, 1, 1, 1], k=2, patch=[32, 32, 32])
FROZEN = ('net.swinViT.', 'net.encoder1.', 'net.encoder2.', 'net.encoder3.', 'net.encoder4.', 'net.encoder10.')


def setUpModule():
    global TMP
    TMP = tempfile.mkdtemp(prefix='uniseg-frozen-bottleneck-')
    D.build_cache(os.path.join(TMP, 'cache'), [0])
    # The checkpoint to go on from: one step of a fresh pathways run.
    cfg = TrainConfig(cache=os.path.join(TMP, 'cache'), train_seeds=[0], steps=1, tasks_per_step=2, ckpt_every=0,
                      log_every=1000, threads=1, device='cpu', seed=3, out=os.path.join(TMP, 'first'), **NET)
    Trainer(cfg, log=lambda _m: None).run()


def tearDownModule():
    shutil.rmtree(TMP, ignore_errors=True)


def cli(*args: str) -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        code = train_demo.main(list(args))
    cli.stderr = err.getvalue()
    return code


class FrozenBottleneckRun(unittest.TestCase):
    def test_encoder_and_encoder10_stay_bit_identical_while_decoders_train(self):
        first = ckpt.load(os.path.join(TMP, 'first', 'last.pt'))
        out = os.path.join(TMP, 'polish')
        code = cli('--cache', os.path.join(TMP, 'cache'), '--train-seeds', '0', '--val-seeds', '', '--out', out,
                   '--init-from', os.path.join(TMP, 'first', 'last.pt'), '--pin-pathways', '--freeze-bottleneck',
                   '--feature-size', '6', '--k', '2', '--patch', '32', '--steps', '3', '--tasks-per-step', '3',
                   '--lr', '1e-2', '--threads', '1', '--log-every', '1000')
        self.assertEqual(code, 0, cli.stderr)
        after = ckpt.load(os.path.join(out, 'last.pt'))
        self.assertEqual(after['step'], 3)
        # The pathways are the first run's (made distinct), pinned.
        pins = after['config']['pinned_pathways']
        self.assertEqual(set(pins), set(D.TASK_NAMES))
        self.assertEqual(len({tuple(p) for p in pins.values()}), len(pins))
        want = {t: format_pathway(p) for t, p in pins.items()}
        self.assertEqual({t: format_pathway(p) for t, p in after['pathways'].items()}, want)
        self.assertTrue(after['config']['freeze_bottleneck'])
        # Frozen: every encoder and encoder10 tensor equals the first run's EMA copy, in the raw
        # weights and in the EMA copy; some decoder tensor moved.
        start = first['ema']
        frozen = [k for k in start if k.startswith(FROZEN)]
        self.assertTrue(any(k.startswith('net.encoder10.1.') for k in frozen))
        for which in ('model', 'ema'):
            for k in frozen:
                self.assertTrue(torch.equal(after[which][k], start[k]), f'{which} {k}')
        moved = [k for k in start if k.startswith('net.decoder') and not torch.equal(after['model'][k], start[k])]
        self.assertTrue(moved)

    def test_trainer_marks_only_the_decoders_trainable(self):
        cfg = TrainConfig(cache=os.path.join(TMP, 'cache'), train_seeds=[0], steps=1, threads=1, device='cpu',
                          freeze_encoder=True, freeze_bottleneck=True, **NET)
        t = Trainer(cfg, log=lambda _m: None)
        trainable = {n for n, p in t.model.named_parameters() if p.requires_grad}
        self.assertTrue(trainable)
        self.assertFalse([n for n in trainable if n.startswith(FROZEN)])
        self.assertTrue(any(n.startswith('net.decoder1.') for n in trainable))
        self.assertTrue(any(n.startswith('net.out.') for n in trainable))

    def test_heads_mode_rejects_it(self):
        cfg = TrainConfig(cache=os.path.join(TMP, 'cache'), train_seeds=[0], mode='heads', heads={'Organs': {'tasks': ['liver'], 'supporting': []}},
                          freeze_bottleneck=True, threads=1, device='cpu', **NET)
        with self.assertRaisesRegex(ValueError, 'pathways-mode'):
            Trainer(cfg, log=lambda _m: None)


class CommandLineErrors(unittest.TestCase):
    def test_pin_pathways_needs_a_checkpoint(self):
        self.assertEqual(cli('--pin-pathways', '--steps', '2'), 2)
        self.assertIn('--resume or --init-from', cli.stderr)

    def test_pin_needs_pin_pathways(self):
        self.assertEqual(cli('--init-from', os.path.join(TMP, 'first', 'last.pt'), '--pin', 'liver=1,1,1,1,1,1,1'), 2)
        self.assertIn('--pin needs --pin-pathways', cli.stderr)

    def test_freeze_bottleneck_is_for_new_pathways_runs(self):
        self.assertEqual(cli('--mode', 'heads', '--heads', 'Organs=liver', '--freeze-bottleneck'), 2)
        self.assertIn('--freeze-bottleneck', cli.stderr)
        self.assertEqual(cli('--resume', os.path.join(TMP, 'first', 'last.pt'), '--freeze-bottleneck'), 2)


if __name__ == '__main__':
    unittest.main()
