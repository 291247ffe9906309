"""`uniseg_tools finetune` end to end on tiny packages, without the real demo:

- a tiny gCIS checkpoint (PathwayNet feature 12, depths 1,1,1,1, K=2, 32³ patch, pinned
  pathways) → `uniseg_tools export` (the tiny CLIP fixture) → the full package → the real TS
  exporter ``uniseg export --prompt liver`` → finetune 2 steps on 2 generated phantoms →
  the result loads and segments (``uniseg segment --json``), its weights differ from the export's
  and its structure (parts, files, tensors, initializer names, task, origin) is the same;
- a tiny clNet head package (shared bottleneck, a supported Tumor head) written here with
  package_io, exported for "kidney tumor" (head route): finetuning trains the Tumor head only;
- refusals: the full package, an existing output, a package without a usable training record,
  and a training record whose network does not fit the parts (the shapes are named).

About 50 s of CPU (export_demo of the tiny package ~10 s, each finetune ~12 s: ONNX export,
two onnxruntime-node parity runs, 2 phantoms generated once); longer wall time on a loaded machine. Run: /usr/bin/python3 -m unittest uniseg_tools/tests/test_finetune.py -v
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import warnings
from dataclasses import asdict

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, ROOT)

from uniseg_tools.commands import finetune as finetune_cli  # noqa: E402
from uniseg_tools import data as D  # noqa: E402
from uniseg_tools.export_demo.parts import BlockPart, EncoderPart, example_image  # noqa: E402
from uniseg_tools.export_demo.source import sha256_file  # noqa: E402
from uniseg_tools.nets.clnet import ClNet  # noqa: E402
from uniseg_tools.package_io import read_part_state, round_fp16_, write_part  # noqa: E402
from uniseg_tools.train import checkpoint as ckpt  # noqa: E402
from uniseg_tools.train.loop import TrainConfig  # noqa: E402
from uniseg_tools.train.models import build_network  # noqa: E402

PY = sys.executable
NODE = shutil.which('node')
HAVE_TSX = os.path.exists(os.path.join(ROOT, 'node_modules', '.bin', 'tsx')) and NODE is not None
CLIP = os.path.join(ROOT, 'test', 'fixtures', 'clip-tiny')
PATHWAYS = {'liver': [1, 1, 1, 1, 1, 1, 1], 'spleen': [2, 2, 2, 2, 2, 2, 2]}
TMP = ''


def sh(cmd, check=True):
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f'{" ".join(cmd)} exited {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}')
    return proc


def uniseg(*args, check=True):
    return sh([NODE, os.path.join(ROOT, 'bin', 'uniseg.mjs'), *args], check=check)


def finetune(*args, check=True):
    return sh([PY, '-m', 'uniseg_tools', 'finetune', '--threads', '1', *args], check=check)


def manifest(pkg):
    with open(os.path.join(pkg, 'model.json')) as f:
        return json.load(f)


def tiny_checkpoint(path):
    """A pathways training checkpoint as Trainer.state writes it (EMA = the random network)."""
    cfg = TrainConfig(mode='pathways', tasks=list(PATHWAYS), feature_size=12, depths=[1, 1, 1, 1], k=2, patch=[32, 32, 32], pinned_pathways=PATHWAYS, steps=1)
    tasks = D.task_table(cfg.tasks)
    torch.manual_seed(0)
    adapter = build_network(cfg, tasks)
    with torch.no_grad():  # like a trained network: no two tensors equal (LayerNorms start at 1 and 0)
        for p in adapter.net.parameters():
            p.add_(torch.randn(p.shape) * 0.02)
    state = adapter.state_dict()
    ckpt.save(path, {'format': ckpt.FORMAT, 'step': 1, 'config': asdict(cfg), 'tasks': [t.to_json() for t in tasks], 'pathways': adapter.pathways(), 'ema': state, 'model': state})


def head_package(out, like):
    """A clNet package (shared bottleneck; Organs = kidneys, Tumor = kidney tumour supported by
    Organs) with a training record, written with package_io like export_demo writes parts."""
    base = manifest(like)
    torch.manual_seed(1)
    net = ClNet(feature_size=12, depths=(1, 1, 1, 1), shared_bottleneck=True)
    net.add_head('Organs', 3, labels={'kidney_left': 1, 'kidney_right': 2})
    net.add_head('Tumor', 2, supporting=['Organs'], labels={'kidney_tumor': 1})
    net.eval()
    round_fp16_(net)
    image = example_image([32, 32, 32])
    with torch.no_grad():
        feats = net.encode(image)
        dec4 = net.encoder10(feats[5])
        head_in = (dec4, feats[4], feats[3], feats[2], feats[1], feats[0])
        organs = net.heads['Organs'](*head_in)
    names = ['dec4', 'hs3', 'enc3', 'enc2', 'enc1', 'enc0']
    specs = [
        ('encoder', EncoderPart(net), ['image'], ['enc0', 'enc1', 'enc2', 'enc3', 'hs3', 'hs4'], (image,), 'net.', '', {'kind': 'encoder', 'modules': ['swinViT', 'encoder1', 'encoder2', 'encoder3', 'encoder4']}),
        ('encoder10', BlockPart(net.encoder10), ['hs4'], ['dec4'], (feats[5],), 'block.', 'encoder10.', {'kind': 'block', 'position': 'encoder10', 'module': 'encoder10'}),
        ('head.Organs', BlockPart(net.heads['Organs']), names, ['head.Organs'], head_in, 'block.', 'heads.Organs.', {'kind': 'head', 'head': 'Organs', 'module': 'heads.Organs'}),
        ('head.Tumor', BlockPart(net.heads['Tumor']), names + ['head.Organs'], ['head.Tumor'], head_in + (organs,), 'block.', 'heads.Tumor.', {'kind': 'head', 'head': 'Tumor', 'module': 'heads.Tumor'}),
    ]
    os.makedirs(out)
    parts, records = {}, {}
    for name, module, inputs, outputs, example, pf, pt, rec in specs:
        path = os.path.join(out, f'{name}.onnx')
        write_part(module, example, path, inputs, outputs, pf, pt, fp16=True)
        parts[name] = {'file': f'{name}.onnx', 'sha256': sha256_file(path), 'inputs': inputs, 'outputs': outputs}
        records[name] = rec
    task = lambda name, head, ch, labels: {'name': name, 'prompt': name.replace('_', ' '), 'aliases': [], 'route': {'kind': 'head', 'head': head}, 'output': {'tensor': f'head.{head}', 'channels': ch}, 'labels': labels, 'activation': 'softmax', 'threshold': 0.5}  # noqa: E731
    m = {
        'format': 'uniseg.model/1',
        'name': 'tinyheads',
        'input': {'tensor': 'image'},
        'preprocess': base['preprocess'],
        'inference': base['inference'],
        'parts': parts,
        'heads': {
            'Organs': {'parts': ['head.Organs'], 'output': 'head.Organs', 'labels': {'kidney_left': 1, 'kidney_right': 2}, 'supporting': []},
            'Tumor': {'parts': ['head.Tumor'], 'output': 'head.Tumor', 'labels': {'kidney_tumor': 1}, 'supporting': ['Organs']},
        },
        'tasks': [task('kidney_left', 'Organs', [1], {'kidney_left': 1}), task('kidney_right', 'Organs', [2], {'kidney_right': 1}), task('kidney_tumor', 'Tumor', [1], {'kidney_tumor': 1})],
        'training': {
            'format': 'uniseg.training-record/1',
            'network': {'class': 'uniseg_tools.nets.clnet.ClNet', 'in_channels': 1, 'feature_size': 12, 'depths': [1, 1, 1, 1], 'num_heads': [3, 6, 12, 24], 'shared_bottleneck': True},
            'parts': records,
            'weights': {'fp16': True},
        },
    }
    with open(os.path.join(out, 'model.json'), 'w') as f:
        json.dump(m, f, indent=1)


def setUpModule():
    global TMP
    if not HAVE_TSX:
        return
    warnings.filterwarnings('ignore')
    torch.set_num_threads(1)
    TMP = tempfile.mkdtemp(prefix='uniseg-test-finetune-')
    tiny_checkpoint(os.path.join(TMP, 'tiny.pt'))
    sh([PY, '-m', 'uniseg_tools', 'export', '--ckpt', os.path.join(TMP, 'tiny.pt'), '--text', CLIP, '--min-similarity', '0.999',
        '--out', os.path.join(TMP, 'full'), '--threads', '1'])
    uniseg('export', '--model', os.path.join(TMP, 'full'), '--prompt', 'liver', '-o', os.path.join(TMP, 'liver'))
    uniseg('phantom', '-o', os.path.join(TMP, 'ct.nii.gz'), '--seed', '3', '--size', '32,32,32', '--spacing', '3,3,3')


def tearDownModule():
    if TMP:
        shutil.rmtree(TMP, ignore_errors=True)


@unittest.skipUnless(HAVE_TSX, 'needs node and node_modules/.bin/tsx')
class FinetuneRoundTrip(unittest.TestCase):
    def test_pathway_task(self):
        src, out, cache = (os.path.join(TMP, n) for n in ('liver', 'liver-ft', 'cache'))
        proc = finetune('--from', src, '--steps', '2', '--cases', '2', '--cache', cache, '--lr', '1e-3', '--seed', '5', '-o', out)
        self.assertIn('step 2/2 loss', proc.stdout)
        self.assertIn('max |ORT - torch|', proc.stdout)
        a, b = manifest(src), manifest(out)
        # same shape: parts (names, files, tensors), task, origin, everything but hashes and notes
        self.assertEqual(a['tasks'], b['tasks'])
        self.assertEqual(a['origin'], b['origin'])
        self.assertEqual(a['origin']['pathway'], PATHWAYS['liver'])
        self.assertEqual(set(a), set(b))
        strip = lambda p: {k: v for k, v in p.items() if k != 'sha256'}  # noqa: E731
        self.assertEqual({n: strip(p) for n, p in a['parts'].items()}, {n: strip(p) for n, p in b['parts'].items()})
        for k in ('input', 'preprocess', 'inference', 'postprocess', 'heads'):
            self.assertEqual(a[k], b[k], k)
        self.assertEqual({k: v for k, v in a['training'].items()}, {k: v for k, v in b['training'].items() if k != 'finetuned'})
        ft = b['training']['finetuned']
        self.assertEqual((ft['steps'], ft['seed'], len(ft['losses'])), (2, 5, 2))
        self.assertTrue(ft['checks']['parity'] and all(v['ok'] for v in ft['checks']['parity'].values()))
        changed = 0
        for name, part in a['parts'].items():
            # at a 32³ window the bottleneck is 1 voxel: encoder10's instance norms zero its
            # convolutions' contribution, so they get no gradient (weight decay alone stays below fp16)
            if not name.startswith('encoder10.'):
                self.assertNotEqual(part['sha256'], b['parts'][name]['sha256'], name)
            self.assertEqual(b['parts'][name]['sha256'], sha256_file(os.path.join(out, part['file'])))
            old, new = read_part_state(os.path.join(src, part['file'])), read_part_state(os.path.join(out, part['file']))
            self.assertEqual({k: tuple(v.shape) for k, v in old.items()}, {k: tuple(v.shape) for k, v in new.items()}, name)
            changed += sum(not torch.equal(old[k], new[k]) for k in old if old[k].is_floating_point())
        self.assertGreater(changed, 50)
        # the engine loads it and segments
        res = uniseg('segment', os.path.join(TMP, 'ct.nii.gz'), '--model', out, '--prompt', 'liver', '-o', os.path.join(TMP, 'liver.nii.gz'), '--json', '--no-log', '--threads', '1')
        report = json.loads(res.stdout)
        self.assertEqual(report['prompts'][0]['task'], 'liver')
        # no overwrite without --force
        again = finetune('--from', src, '--steps', '1', '--cache', cache, '-o', out, check=False)
        self.assertEqual(again.returncode, 1)
        self.assertIn('exists; pass --force', again.stderr)

    def test_head_task(self):
        full, src, out = (os.path.join(TMP, n) for n in ('heads', 'tumor', 'tumor-ft'))
        head_package(full, os.path.join(TMP, 'liver'))
        uniseg('export', '--model', full, '--prompt', 'kidney tumor', '-o', src)
        a = manifest(src)
        self.assertEqual(sorted(a['parts']), ['encoder', 'encoder10', 'head.Organs', 'head.Tumor'])
        proc = finetune('--from', src, '--steps', '1', '--cases', '2', '--cache', os.path.join(TMP, 'cache'), '--lr', '1e-3', '-o', out)
        self.assertIn('training head Tumor', proc.stdout)
        self.assertIn('1=kidney_tumor (cache labels 11,12)', proc.stdout)
        b = manifest(out)
        self.assertEqual(a['heads'], b['heads'])
        self.assertEqual(a['tasks'], b['tasks'])
        for name, part in a['parts'].items():
            same = part['sha256'] == b['parts'][name]['sha256']
            old, new = read_part_state(os.path.join(src, part['file'])), read_part_state(os.path.join(out, part['file']))
            self.assertEqual(old.keys(), new.keys())
            weights_same = all(torch.equal(old[k], new[k]) for k in old)
            # only the routed head trains; the others keep their weights exactly
            self.assertEqual(weights_same, name != 'head.Tumor', name)
            if name == 'head.Tumor':
                self.assertFalse(same)
        uniseg('segment', os.path.join(TMP, 'ct.nii.gz'), '--model', out, '--prompt', 'kidney tumor', '-o', os.path.join(TMP, 'tumor.nii.gz'), '--json', '--no-log', '--threads', '1')


@unittest.skipUnless(HAVE_TSX, 'needs node and node_modules/.bin/tsx')
class Refusals(unittest.TestCase):
    def refused(self, src, *words):
        """`uniseg_tools finetune`'s main in-process (the refusals come before any data or ORT work)."""
        out = os.path.join(TMP, 'refused')
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            rc = finetune_cli.main(['--from', src, '--steps', '1', '--cases', '1', '--threads', '1', '-o', out])
        err = stderr.getvalue()
        self.assertEqual(rc, 1, err)
        for w in words:
            self.assertIn(w, err)
        self.assertIn('nothing written', err)
        self.assertFalse(os.path.exists(out))
        return err

    def edited(self, name, edit):
        dst = os.path.join(TMP, name)
        shutil.copytree(os.path.join(TMP, 'liver'), dst)
        m = manifest(dst)
        edit(m)
        with open(os.path.join(dst, 'model.json'), 'w') as f:
            json.dump(m, f)
        return dst

    def test_full_package(self):
        self.refused(os.path.join(TMP, 'full'), 'full/model.json', 'field "tasks" has 2 entries', 'uniseg.mjs export')

    def test_no_training_record(self):
        self.refused(self.edited('no-record', lambda m: m.pop('training')), 'field "training" is missing')

    def test_part_without_record(self):
        self.refused(self.edited('no-part-record', lambda m: m['training']['parts'].pop('decoder3.1')), 'field "training.parts["decoder3.1"]" is missing')

    def test_no_origin(self):
        self.refused(self.edited('no-origin', lambda m: m.pop('origin')), 'field "origin" is missing')

    def test_network_does_not_fit(self):
        def edit(m):
            m['training']['network']['feature_size'] = 24

        self.refused(self.edited('wrong-size', edit), 'has shape', 'feature_size')


if __name__ == '__main__':
    unittest.main()
