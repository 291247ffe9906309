"""`uniseg_tools convert monai` on the MONAI 1.5.0 SwinUNETR fixture (feature 12, depths 2,2,2,2, 4
channels): a DDP-style checkpoint ({"state_dict": {"module.…": …}}) becomes a plain package at a
32³ window, the ONNX part passes the onnxruntime-node parity check, model.json is what
`uniseg wrap` would write; wrong flags and checkpoints are refused with the key and shapes named,
and a failed check leaves nothing behind. About 25 s of CPU on 2 cores (longer
wall time while other jobs load the machine).

Run: /usr/bin/python3 -m unittest discover -s uniseg_tools/tests -t . -p test_convert_monai.py -v
The fixture directory defaults to /work/shared/fixtures/monai-swinunetr (UNISEG_MONAI_FIXTURE
overrides it); the tests skip when it is absent, the conversion tests when Node's tsx is missing.
"""

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, ROOT)

from uniseg_tools.convert import monai as C  # noqa: E402

FIXTURE = os.environ.get('UNISEG_MONAI_FIXTURE', '/work/shared/fixtures/monai-swinunetr')
STATE = os.path.join(FIXTURE, 'state_dict.pt')
HAVE_FIXTURE = os.path.exists(STATE)
HAVE_TSX = os.path.exists(os.path.join(ROOT, 'node_modules', '.bin', 'tsx')) and shutil.which('node') is not None
LABELS = '1=spleen,2=kidney_right,3=liver'


def run_main(argv):
    """convert_monai.main in-process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = C.main(argv)
    return rc, out.getvalue(), err.getvalue()


@unittest.skipUnless(HAVE_FIXTURE, f'MONAI fixture not found at {FIXTURE}')
class ConvertMonai(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(2)
        with open(os.path.join(FIXTURE, 'config.json')) as f:
            cls.config = json.load(f)['kwargs']
        cls.state = torch.load(STATE, map_location='cpu')
        cls.tmp = tempfile.mkdtemp(prefix='uniseg-test-convert-')
        cls.ddp = os.path.join(cls.tmp, 'ddp.pt')
        torch.save({'epoch': 3, 'best_acc': 0.5, 'state_dict': {'module.' + k: v for k, v in cls.state.items()}}, cls.ddp)
        cls.pkg = os.path.join(cls.tmp, 'pkg')
        cls.proc = None
        if HAVE_TSX:
            cmd = ['/usr/bin/python3', '-m', 'uniseg_tools', 'convert', 'monai', cls.ddp, '-o', cls.pkg, '--roi', '32,32,32', '--spacing', '3,3,3', '--labels', LABELS]
            cls.proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def leftovers(self, parent):
        return [n for n in os.listdir(parent) if '.tmp-' in n or '.old-' in n]

    # -- inference from the state dict (no export) --------------------------------------------

    def test_inferred_config(self):
        cfg, evidence = C.resolve_config(C.unwrap_state(self.state))
        self.assertEqual(cfg.feature_size, self.config['feature_size'])
        self.assertEqual(cfg.in_channels, self.config['in_channels'])
        self.assertEqual(cfg.out_channels, self.config['out_channels'])
        self.assertEqual(list(cfg.depths), self.config['depths'])
        self.assertEqual(list(cfg.num_heads), self.config['num_heads'])
        self.assertEqual(cfg.window_size, 7)
        self.assertIn('swinViT.patch_embed.proj.weight', evidence['feature_size'])
        # flags that agree are accepted
        C.resolve_config(self.state, feature_size=12, depths=(2, 2, 2, 2), num_heads=(3, 6, 12, 24), out_channels=4)

    def test_wrappers_and_ddp_prefix(self):
        keys = list(self.state)
        for wrapped in (
            {'module.' + k: v for k, v in self.state.items()},
            {'state_dict': {'module.' + k: v for k, v in self.state.items()}, 'epoch': 1},
            {'model': dict(self.state)},
            {'net': {'state_dict': dict(self.state)}},
        ):
            self.assertEqual(list(C.unwrap_state(wrapped)), keys)
        with self.assertRaisesRegex(C.ConvertError, 'not a state_dict'):
            C.unwrap_state({'epoch': 3, 'lr': 0.1})

    def test_wrong_flags_name_key_and_shape(self):
        out = os.path.join(self.tmp, 'never')
        rc, _, err = run_main([STATE, '-o', out, '--feature-size', '48', '--skip-parity'])
        self.assertEqual(rc, 1)
        self.assertIn('--feature-size 48 disagrees', err)
        self.assertIn('swinViT.patch_embed.proj.weight [12, 1, 2, 2, 2]', err)
        rc, _, err = run_main([STATE, '-o', out, '--depths', '2,2,6,2', '--skip-parity'])
        self.assertEqual(rc, 1)
        self.assertIn('--depths 2,2,6,2 disagrees', err)
        self.assertIn('swinViT.layers{1..4}.0.blocks', err)
        self.assertIn('depths = 2,2,2,2', err)
        rc, _, err = run_main([STATE, '-o', out, '--num-heads', '3,6,12,12', '--skip-parity'])
        self.assertEqual(rc, 1)
        self.assertIn('[2197, 24]', err)
        rc, _, err = run_main([STATE, '-o', out, '--out-channels', '14', '--skip-parity'])
        self.assertEqual(rc, 1)
        self.assertIn('out.conv.conv.weight [4, 12, 1, 1, 1]', err)
        rc, _, err = run_main([STATE, '-o', out, '--labels', '4=x', '--skip-parity'])
        self.assertEqual(rc, 1)
        self.assertIn('4 output channels', err)
        rc, _, err = run_main([STATE, '-o', out, '--roi', '96,96,80'])
        self.assertEqual(rc, 1)
        self.assertIn('divisible by 32', err)
        rc, _, err = run_main([STATE, '-o', out, '--intensity', 'clip:1,2'])
        self.assertEqual(rc, 2)
        self.assertFalse(os.path.exists(out))

    def test_strict_load_errors_are_readable(self):
        wide = C.NetConfig(1, 4, 24, (2, 2, 2, 2), (3, 6, 12, 24))
        with self.assertRaises(C.ConvertError) as ctx:
            C.build_net(self.state, wide)
        msg = str(ctx.exception)
        self.assertIn('does not load strictly', msg)
        self.assertIn('size mismatch: swinViT.patch_embed.proj.weight is [12, 1, 2, 2, 2] in the checkpoint, [24, 1, 2, 2, 2] in the network', msg)
        self.assertLess(len(msg.splitlines()), 12)
        shallow = C.NetConfig(1, 4, 12, (2, 2, 2, 1), (3, 6, 12, 24))
        with self.assertRaisesRegex(C.ConvertError, r'14 key\(s\) in the checkpoint, not in the network: swinViT\.layers4\.0\.blocks\.1\.'):
            C.build_net(self.state, shallow)
        deep = C.NetConfig(1, 4, 12, (2, 2, 3, 2), (3, 6, 12, 24))
        with self.assertRaisesRegex(C.ConvertError, r'14 key\(s\) in the network, not in the checkpoint: swinViT\.layers3\.0\.blocks\.2\.'):
            C.build_net(self.state, deep)

    def test_unsupported_checkpoints(self):
        encoder_only = {k: v for k, v in self.state.items() if not k.startswith(('out.', 'decoder', 'encoder10'))}
        with self.assertRaisesRegex(C.ConvertError, 'out.conv.conv.weight is missing: .*encoder-only'):
            C.resolve_config(encoder_only)
        v2 = dict(self.state, **{'swinViT.layers1c.0.layer.conv1.conv.weight': torch.zeros(1)})
        with self.assertRaisesRegex(C.ConvertError, 'use_v2=True'):
            C.resolve_config(v2)
        with self.assertRaisesRegex(C.ConvertError, 'no "swinViT." keys'):
            C.resolve_config({'conv.weight': torch.zeros(1)})

    def test_refuses_existing_directory(self):
        existing = tempfile.mkdtemp(dir=self.tmp)
        rc, _, err = run_main([STATE, '-o', existing])
        self.assertEqual(rc, 1)
        self.assertIn('--force', err)
        self.assertEqual(os.listdir(existing), [])

    # -- the conversion (export + onnxruntime-node parity + engine load) -----------------------

    @unittest.skipUnless(HAVE_TSX, 'node_modules/.bin/tsx or node missing: run npm install')
    def test_converted_package(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stdout + self.proc.stderr)
        self.assertEqual(sorted(os.listdir(self.pkg)), ['model.json', 'net.onnx'])
        self.assertEqual(self.leftovers(self.tmp), [])
        with open(os.path.join(self.pkg, 'model.json')) as f:
            m = json.load(f)
        self.assertEqual(m['format'], 'uniseg.model/1')
        self.assertEqual(m['name'], 'pkg')
        self.assertEqual(m['input'], {'tensor': 'image'})
        self.assertEqual(m['preprocess'], {'orientation': 'RAS', 'spacing': [3, 3, 3], 'axes': 'xyz',
                                           'intensity': {'kind': 'clip', 'aMin': -175, 'aMax': 250, 'bMin': 0, 'bMax': 1, 'clip': True}})
        self.assertEqual(m['inference']['roi'], [32, 32, 32])
        self.assertEqual(m['inference']['overlap'], 0.5)
        part = m['parts']['net']
        self.assertEqual((part['file'], part['inputs'], part['outputs']), ('net.onnx', ['image'], ['logits']))
        self.assertEqual(part['sha256'], C.sha256_file(os.path.join(self.pkg, 'net.onnx')))
        self.assertEqual([t['name'] for t in m['tasks']], ['spleen', 'kidney_right', 'liver'])
        for channel, t in enumerate(m['tasks'], 1):
            self.assertEqual(t['route'], {'kind': 'fixed'})
            self.assertEqual(t['output'], {'tensor': 'logits', 'channels': [channel]})
            self.assertEqual(t['activation'], 'softmax')
            self.assertEqual(t['labels'], {t['name']: 1})
        self.assertEqual(m['tasks'][1]['aliases'], ['kidney right'])
        net = m['training']['network']
        self.assertEqual((net['feature_size'], net['depths'], net['num_heads'], net['out_channels'], net['merge']), (12, [2, 2, 2, 2], [3, 6, 12, 24], 4, 'merging'))
        self.assertEqual(m['training']['checkpoint']['sha256'], C.sha256_file(self.ddp))
        parity = m['training']['export']['parity']['net']
        self.assertTrue(parity['ok'])
        self.assertLessEqual(parity['maxAbsDiff'], 1e-4)
        self.assertRegex(self.proc.stdout, r'\n\s+net\s+\S+\s+\S+\s+\S+\s+ok')
        self.assertIn('the engine reads the package: 3 tasks', self.proc.stdout)

    @unittest.skipUnless(HAVE_TSX, 'node_modules/.bin/tsx or node missing: run npm install')
    def test_parity_failure_writes_nothing(self):
        out = os.path.join(self.tmp, 'strict')
        rc, stdout, err = run_main([STATE, '-o', out, '--roi', '32,32,32', '--tolerance', '1e-12', '--skip-engine-check'])
        self.assertEqual(rc, 1, stdout + err)
        self.assertIn('ONNX parts differ from torch', err)
        self.assertIn('net max|diff|', err)
        self.assertFalse(os.path.exists(out))
        self.assertEqual(self.leftovers(self.tmp), [])


if __name__ == '__main__':
    unittest.main()
