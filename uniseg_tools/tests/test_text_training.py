#!/usr/bin/python3
"""Tests of `uniseg_tools text` (fast: a tiny model, a few steps).

Run: /usr/bin/python3 -m unittest discover -s uniseg_tools/tests -t . -p 'test_text_*.py'
  or /usr/bin/python3 uniseg_tools/tests/test_text_training.py

The trained encoder itself is checked through the engine by scripts/check_text_encoder.ts.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
sys.path.insert(0, ROOT)

import torch  # noqa: E402

from uniseg_tools.commands import text as tte  # noqa: E402
from uniseg_tools.data import TASKS  # noqa: E402

TINY = ['--steps', '3', '--batch', '16', '--hidden', '16', '--heads', '2', '--layers', '1', '--projection', '8',
        '--vocab-size', '600', '--log-every', '1', '--eval-every', '3', '--warmup', '2']


def quiet_train(argv):
    args = tte.parse_args(argv)
    return tte.train(args, log=lambda *_: None)


class Normalisation(unittest.TestCase):
    def test_twin_of_normalize_prompt(self):
        # The same cases as test/prompt/normalize.test.ts would give (src/prompt/normalize.ts).
        self.assertEqual(tte.normalize_prompt('Kidney_L'), 'kidney l')
        self.assertEqual(tte.normalize_prompt('kidney (left)'), 'kidney left')
        self.assertEqual(tte.normalize_prompt("the patient's liver"), 'the patient s liver')
        self.assertEqual(tte.normalize_prompt('Spleen - entire organ'), 'spleen entire organ')
        self.assertEqual(tte.normalize_prompt('  LEFT\tKIDNEY. '), 'left kidney')
        self.assertEqual(tte.normalize_prompt('ﬁbrosis/L1-L5'), 'fibrosis l1 l5')


class HeldOut(unittest.TestCase):
    def test_file_shape(self):
        rows = tte.read_heldout(tte.DEFAULT_HELDOUT)
        self.assertTrue(80 <= len(rows) <= 130, len(rows))
        by_task = {}
        for _, task in rows:
            by_task[task] = by_task.get(task, 0) + 1
        for t in TASKS:
            self.assertGreaterEqual(by_task.get(t.name, 0), 8, t.name)
        self.assertGreaterEqual(by_task.get(tte.NO_TASK, 0), 10)
        self.assertEqual(set(by_task) - {t.name for t in TASKS} - {tte.NO_TASK}, set())
        self.assertEqual(len({tte.normalize_prompt(p) for p, _ in rows}), len(rows), 'duplicate after normalisation')

    def test_shipped_file_does_not_leak(self):
        a = tte.parse_args([])
        classes, junk = tte.build_classes(a.typo_rate, a.seed, a.filler_rate)
        texts = [t for k in classes for t in k.phrases] + junk
        self.assertEqual(tte.leaks(tte.read_heldout(tte.DEFAULT_HELDOUT), texts), [])

    def test_head_and_neck_list_does_not_leak_and_covers_every_organ(self):
        a = tte.parse_args(['--task-set', 'universal'])
        self.assertEqual(a.heldout, [tte.DEFAULT_HELDOUT, tte.DEFAULT_HELDOUT_HN])
        tasks = tte.TASK_SETS['universal']
        classes, junk = tte.build_classes(a.typo_rate, a.seed, a.filler_rate, tasks)
        self.assertEqual([k.name for k in classes[: len(tasks)]], [t.name for t in tasks])
        texts = [t for k in classes for t in k.phrases] + junk
        rows = tte.read_heldout(tte.DEFAULT_HELDOUT_HN)
        for path in a.heldout:  # the phantom list too: its "-" lines must stay unseen
            self.assertEqual(tte.leaks(tte.read_heldout(path), texts), [], path)
        self.assertEqual({t for _, t in rows} - {tte.NO_TASK}, {t.name for t in tte.HN_TASKS})

    def test_leak_check_refuses(self):
        with tempfile.TemporaryDirectory() as tmp:
            heldout = os.path.join(tmp, 'heldout.tsv')
            with open(heldout, 'w', encoding='utf-8') as f:
                # An alias after normalisation, and a generated sentence frame.
                f.write('# test\nKidney (Left)\tkidney_left\nSegment the Liver!\tliver\nfoo bar baz quux\t-\n')
            out = os.path.join(tmp, 'text')
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                code = tte.main([*TINY, '--heldout', heldout, '--out', out])
            self.assertEqual(code, 2)
            self.assertIn("'kidney left'", err.getvalue())
            self.assertIn("'segment the liver'", err.getvalue())
            self.assertNotIn('foo bar', err.getvalue())
            self.assertFalse(os.path.exists(out), 'nothing may be written when refusing')


class Training(unittest.TestCase):
    def test_deterministic_for_a_seed(self):
        a = quiet_train([*TINY, '--seed', '3'])
        b = quiet_train([*TINY, '--seed', '3'])
        c = quiet_train([*TINY, '--seed', '4'])
        self.assertEqual([x['loss'] for x in a['losses']], [x['loss'] for x in b['losses']])
        sa, sb, sc = (r['model'].state_dict() for r in (a, b, c))
        self.assertTrue(all(torch.equal(sa[k], sb[k]) for k in sa))
        self.assertFalse(all(torch.equal(sa[k], sc[k]) for k in sa))
        self.assertEqual(a['tok'].merges, b['tok'].merges)

    def test_exported_layout(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, 'text')
            with contextlib.redirect_stdout(io.StringIO()):
                code = tte.main([*TINY, '--out', out])
            self.assertEqual(code, 0)
            for f in ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/text_model.onnx', 'training.json']:
                self.assertTrue(os.path.getsize(os.path.join(out, f)) > 0, f)
            self.assertTrue(os.path.isfile(out + '.pt'))
            with open(os.path.join(out, 'config.json')) as f:
                config = json.load(f)
            with open(os.path.join(out, 'tokenizer.json')) as f:
                vocab = json.load(f)['model']['vocab']
            with open(os.path.join(out, 'training.json')) as f:
                training = json.load(f)
            self.assertEqual(config['model_type'], 'clip_text_model')
            self.assertEqual(config['vocab_size'], max(vocab.values()) + 1)
            self.assertEqual(config['projection_dim'], 8)
            self.assertEqual(training['steps'], 3)
            self.assertEqual(training['template'], tte.TEMPLATE)
            self.assertEqual([t['name'] for t in training['tasks']], [t.name for t in TASKS])
            self.assertEqual(training['heldout']['leaks'], 0)
            self.assertEqual(len(training['probes'][0]['text_embeds']), 8)
            saved = torch.load(out + '.pt')
            self.assertEqual(saved['config']['vocab_size'], config['vocab_size'])


if __name__ == '__main__':
    unittest.main()
