"""`convert gcis --text-encoder DIR`: the fixture's pathway checkpoint with a real CLIP text model
in the transformers.js layout, then `uniseg resolve TEXT` on the package against gCIS's own
routing (nets/gcis.py ``route``, torch) on the embedding the same ONNX text model gives. About
40 s on 2 cores (one conversion at a 32³ window, one `uniseg resolve` process per text).

The text model is the repository's demo text encoder (models/demo/text, 64-dimensional) with a
fixed orthonormal 64 → 512 map appended to its ONNX graph, so it fits gCIS's 512-input routers
and keeps the demo model's cosine similarities (paraphrases still find their task).

Run: /usr/bin/python3 -m unittest uniseg_tools.tests.test_convert_gcis_text -v
"""

import contextlib
import io
import json
import os
import shutil
import subprocess
import tempfile
import unittest
from collections import OrderedDict

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

from uniseg_tools.convert import gcis as G
from uniseg_tools.convert.common import ConvertError
from uniseg_tools.export_demo.router import embed
from uniseg_tools.nets.gcis import POSITIONS, route, split_state
from uniseg_tools.paths import REPO_ROOT

FIXTURES = os.environ.get('UNISEG_FIXTURES', os.path.join(os.path.dirname(REPO_ROOT), 'shared', 'fixtures'))
GCIS = os.path.join(FIXTURES, 'gcis')
DEMO_TEXT = os.path.join(REPO_ROOT, 'models', 'demo', 'text')
TEXT_FILES = ('config.json', 'tokenizer.json', 'tokenizer_config.json', os.path.join('onnx', 'text_model.onnx'))
#: Task prompts (the fixture's), paraphrases the demo text model puts near them, and a case variant.
#: Each must resolve by similarity with the shipped demo text model: retraining it can move a
#: paraphrase below the margin ("liver tumors" went from "liver tumor" to refused in session 6).
TEXTS = ['liver', 'left kidney', 'liver tumor', 'left renal', 'liver tumour', 'kidney left', 'l kidney', 'Liver Tumor']


def widen_text_model(src: str, dst: str, dim: int, seed: int = 0) -> None:
    """``src``'s CLIP text model with ``text_embeds`` multiplied by a fixed [narrow, dim] matrix with
    orthonormal rows: lengths and cosines are unchanged, the embedding has ``dim`` values."""
    os.makedirs(os.path.join(dst, 'onnx'), exist_ok=True)
    for f in TEXT_FILES[1:3]:
        shutil.copyfile(os.path.join(src, f), os.path.join(dst, f))
    with open(os.path.join(src, 'config.json')) as f:
        config = json.load(f)
    model = onnx.load(os.path.join(src, TEXT_FILES[3]))
    graph = model.graph
    for node in graph.node:
        node.output[:] = ['text_embeds_narrow' if o == 'text_embeds' else o for o in node.output]
    q, _ = np.linalg.qr(np.random.RandomState(seed).standard_normal((dim, config['projection_dim'])))
    graph.initializer.append(numpy_helper.from_array(np.ascontiguousarray(q.T, dtype=np.float32), 'widen'))
    graph.node.append(helper.make_node('MatMul', ['text_embeds_narrow', 'widen'], ['text_embeds']))
    next(o for o in graph.output if o.name == 'text_embeds').type.tensor_type.shape.dim[1].dim_value = dim
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(dst, TEXT_FILES[3]))
    with open(os.path.join(dst, 'config.json'), 'w') as f:
        json.dump({**config, 'projection_dim': dim}, f)


def run(main, argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


def uniseg_resolve(text: str, package: str) -> dict:
    proc = subprocess.run(['node', os.path.join(REPO_ROOT, 'bin', 'uniseg.mjs'), 'resolve', text, '--model', package, '--json'], cwd=REPO_ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssertionError(f'uniseg resolve {text!r} failed: {proc.stderr}')
    return json.loads(proc.stdout)


@unittest.skipUnless(os.path.isdir(GCIS) and os.path.isdir(DEMO_TEXT), f'gCIS fixture ({GCIS}) or demo text model ({DEMO_TEXT}) not found')
class GcisTextEncoder(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='uniseg-test-gcis-text-')
        cls.text = os.path.join(cls.tmp, 'clip512')
        widen_text_model(DEMO_TEXT, cls.text, 512)
        cls.pkg = os.path.join(cls.tmp, 'pkg')
        cls.argv = [os.path.join(GCIS, 'model.pt'), '--prompt-texts', os.path.join(GCIS, 'prompts.json'), '--roi', '32,32,32']
        rc, cls.log, err = run(G.main, [*cls.argv, '--text-encoder', cls.text, '-o', cls.pkg])
        assert rc == 0, err
        with open(os.path.join(cls.pkg, 'model.json')) as f:
            cls.manifest = json.load(f)
        state = torch.load(os.path.join(GCIS, 'model.pt'), map_location='cpu')['state_dict']
        cls.weights = split_state(OrderedDict((k[len('module.'):], v) for k, v in state.items()))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def gcis_pathway(self, embedding: np.ndarray) -> list:
        """gCIS's eval routing in torch, renumbered to the package's kept alternatives."""
        kept = self.manifest['training']['kept']
        return [kept[p].index(k + 1) + 1 for p, k in zip(POSITIONS, route(self.weights, torch.from_numpy(embedding)))]

    def test_package_says_how_to_embed(self):
        prompting = self.manifest['prompting']
        self.assertEqual(prompting['textEncoder'], {'dir': 'text', 'template': '{}'})
        self.assertIs(prompting['router']['normalize'], False)
        for f in TEXT_FILES:
            with open(os.path.join(self.text, f), 'rb') as a, open(os.path.join(self.pkg, 'text', f), 'rb') as b:
                self.assertEqual(a.read(), b.read(), f)
        self.assertEqual([t['prompt'] for t in self.manifest['tasks']], ['liver', 'left kidney', 'liver tumor'])

    def test_resolve_reports_the_pathway_gcis_routing_picks(self):
        raw, _ = embed(TEXTS, os.path.join(self.pkg, 'text'), '{}', raw=True)
        unit = raw / np.linalg.norm(raw, axis=1, keepdims=True)
        recorded = {t['name']: t['route']['pathway'] for t in self.manifest['tasks']}
        differs_from_task = differs_if_unit = 0
        for text, e, u in zip(TEXTS, raw, unit):
            r = uniseg_resolve(text, self.pkg)
            self.assertEqual(r['reason'], 'similarity', text)
            want = self.gcis_pathway(e)
            self.assertEqual(r['pathway'], want, text)
            differs_from_task += want != recorded[r['task']]
            differs_if_unit += self.gcis_pathway(u) != want
        # The router ran on each text's own embedding (not the task's recorded pathway), and on the
        # raw one: some paraphrases route elsewhere than their task's prompt, and unit vectors would
        # route some texts differently.
        self.assertGreater(differs_from_task, 0)
        self.assertGreater(differs_if_unit, 0)

    def test_dimension_mismatch_is_refused(self):
        out = os.path.join(self.tmp, 'refused-dim')
        args = G._prepare(G.build_parser().parse_args([*self.argv, '--text-encoder', DEMO_TEXT, '-o', out]))
        with self.assertRaises(ConvertError) as caught:
            G.convert(args, say=lambda _: None)
        message = str(caught.exception)
        self.assertIn(DEMO_TEXT, message)
        self.assertIn('64-dimensional', message)
        self.assertIn('take 512', message)
        self.assertFalse(os.path.exists(out))

    def test_missing_text_model_file_is_refused(self):
        broken = os.path.join(self.tmp, 'no-onnx')
        shutil.copytree(self.text, broken)
        os.remove(os.path.join(broken, TEXT_FILES[3]))
        out = os.path.join(self.tmp, 'refused-missing')
        rc, _, err = run(G.main, [*self.argv, '--text-encoder', broken, '-o', out])
        self.assertEqual(rc, 1, err)
        self.assertIn('TEXT_ENCODER_INVALID', err)
        self.assertIn('onnx/text_model.onnx: missing', err)
        self.assertFalse(os.path.exists(out))

    def test_text_encoder_with_given_embeddings_is_a_usage_error(self):
        rc, _, err = run(G.main, [*self.argv, '--prompt-embeddings', os.path.join(GCIS, 'prompts.npy'), '--text-encoder', self.text, '-o', os.path.join(self.tmp, 'x')])
        self.assertEqual(rc, 2, err)
        self.assertIn('--text-encoder computes the prompt embeddings', err)


if __name__ == '__main__':
    unittest.main()
