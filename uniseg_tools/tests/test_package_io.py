"""package_io (fp16 part storage) and the small pure helpers of export_demo. Fast: tiny modules,
no onnxruntime (Python has none; scripts/check_parts.ts covers ORT parity at export time)."""

import os
import sys
import tempfile
import unittest

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))

from uniseg_tools.package_io import FP32_SUFFIX, fp16_initializers, read_part_state, rename_initializers, round_fp16_, write_part  # noqa: E402


def tiny_net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv3d(1, 4, 3, padding=1), nn.InstanceNorm3d(4), nn.LeakyReLU(0.01), nn.Conv3d(4, 2, 1)).eval()


class RoundTripTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.net = tiny_net()
        self.original = {k: v.clone() for k, v in self.net.state_dict().items()}
        round_fp16_(self.net)
        self.x = torch.rand(1, 1, 8, 8, 8)
        self.path = os.path.join(self.tmp.name, 'part.onnx')
        self.info = write_part(self.net, (self.x,), self.path, ['image'], ['logits'], prefix_from='', prefix_to='head.')

    def tearDown(self):
        self.tmp.cleanup()

    def test_rounding_changes_little_and_is_idempotent(self):
        for k, v in self.net.state_dict().items():
            self.assertTrue(torch.equal(v, v.half().float()), k)
            self.assertLess(float((v - self.original[k]).abs().max()), 1e-3)
        before = {k: v.clone() for k, v in self.net.state_dict().items()}
        round_fp16_(self.net)
        for k, v in self.net.state_dict().items():
            self.assertTrue(torch.equal(v, before[k]))

    def test_file_layout(self):
        model = onnx.load(self.path)
        onnx.checker.check_model(model)
        self.assertEqual([i.name for i in model.graph.input], ['image'])
        self.assertEqual([o.name for o in model.graph.output], ['logits'])
        inits = {i.name: i for i in model.graph.initializer}
        self.assertEqual(set(inits), {'head.' + k for k in self.net.state_dict()})
        for name, init in inits.items():
            self.assertEqual(init.data_type, TensorProto.FLOAT16, name)
        casts = [n for n in model.graph.node if n.op_type == 'Cast']
        self.assertEqual(sorted(c.input[0] for c in casts), sorted(inits))
        self.assertEqual(model.graph.node[0].op_type, 'Cast')  # Casts first: topological order kept
        for node in model.graph.node:
            if node.op_type != 'Cast':
                self.assertFalse(set(node.input) & set(inits), f'{node.op_type} reads an fp16 initializer directly')
        used = {i for n in model.graph.node for i in n.input}
        for name in inits:
            self.assertIn(name + FP32_SUFFIX, used)
        self.assertEqual(self.info['converted'], len(inits))
        self.assertEqual(self.info['kept_fp32'], 0)

    def test_read_part_state_gives_the_rounded_weights(self):
        state = read_part_state(self.path)
        self.assertEqual(set(state), {'head.' + k for k in self.net.state_dict()})
        for k, v in self.net.state_dict().items():
            self.assertEqual(state['head.' + k].dtype, torch.float32)
            self.assertTrue(torch.equal(state['head.' + k], v), k)
        other = tiny_net(seed=1)
        other.load_state_dict({k[len('head.'):]: v for k, v in state.items()})
        with torch.no_grad():
            self.assertTrue(torch.equal(other(self.x), self.net(self.x)))

    def test_fp16_halves_the_file(self):
        path32 = os.path.join(self.tmp.name, 'part32.onnx')
        info = write_part(self.net, (self.x,), path32, ['image'], ['logits'], fp16=False)
        self.assertEqual(info['converted'], 0)
        self.assertEqual(self.info['bytes_after'] * 2, self.info['bytes_before'])  # every weight payload halved
        self.assertEqual(info['bytes_after'], self.info['bytes_before'])
        # on a module whose weights outweigh the Cast nodes, the file shrinks to about half
        wide = nn.Conv3d(4, 16, 3, bias=False).eval()
        round_fp16_(wide)
        x = torch.rand(1, 4, 4, 4, 4)
        sizes = [write_part(wide, (x,), os.path.join(self.tmp.name, f'wide{h}.onnx'), ['x'], ['y'], fp16=h)['file_bytes'] for h in (True, False)]
        self.assertLess(sizes[0], 0.55 * sizes[1])
        state32 = read_part_state(path32)
        for k, v in self.net.state_dict().items():
            self.assertTrue(torch.equal(state32[k], v))


class GraphEditTest(unittest.TestCase):
    def graph(self):
        w = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3) / 7, 'w')
        b = numpy_helper.from_array(np.ones(3, dtype=np.float32), 'b')
        idx = numpy_helper.from_array(np.array([0, 1], dtype=np.int64), 'idx')
        nodes = [
            helper.make_node('Gather', ['x', 'idx'], ['g'], axis=0),
            helper.make_node('MatMul', ['g', 'w'], ['m']),
            helper.make_node('Add', ['m', 'b'], ['y']),
        ]
        g = helper.make_graph(
            nodes, 'g', [helper.make_tensor_value_info('x', TensorProto.FLOAT, [2, 2])], [helper.make_tensor_value_info('y', TensorProto.FLOAT, [2, 3])], [w, b, idx]
        )
        return helper.make_model(g, opset_imports=[helper.make_opsetid('', 16)])

    def test_only_named_float_initializers_convert(self):
        model = self.graph()
        stats = fp16_initializers(model, names=['w'])
        onnx.checker.check_model(model)
        inits = {i.name: i.data_type for i in model.graph.initializer}
        self.assertEqual(inits, {'w': TensorProto.FLOAT16, 'b': TensorProto.FLOAT, 'idx': TensorProto.INT64})
        self.assertEqual((stats['converted'], stats['kept_fp32']), (1, 1))
        matmul = next(n for n in model.graph.node if n.op_type == 'MatMul')
        self.assertEqual(list(matmul.input), ['g', 'w' + FP32_SUFFIX])

    def test_default_converts_every_float_initializer(self):
        model = self.graph()
        fp16_initializers(model)
        onnx.checker.check_model(model)
        self.assertEqual({i.name: i.data_type for i in model.graph.initializer}, {'w': TensorProto.FLOAT16, 'b': TensorProto.FLOAT16, 'idx': TensorProto.INT64})

    def test_initializers_read_inside_a_subgraph_stay_float32(self):
        # An If whose branches read initializer c (the CLIP text model's pooling has one): c keeps
        # float32 and its readers inside the branch are not rewired; w at the top level converts.
        c = numpy_helper.from_array(np.full(3, 0.5, dtype=np.float32), 'c')
        w = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3) / 7, 'w')
        cond = numpy_helper.from_array(np.array(True), 'cond')
        branch = lambda name, op: helper.make_graph(  # noqa: E731
            [helper.make_node(op, ['m', 'c'], [name + '_y'])], name, [], [helper.make_tensor_value_info(name + '_y', TensorProto.FLOAT, [2, 3])])
        nodes = [
            helper.make_node('MatMul', ['x', 'w'], ['m']),
            helper.make_node('If', ['cond'], ['y'], then_branch=branch('then', 'Add'), else_branch=branch('else', 'Mul')),
        ]
        g = helper.make_graph(nodes, 'g', [helper.make_tensor_value_info('x', TensorProto.FLOAT, [2, 2])],
                              [helper.make_tensor_value_info('y', TensorProto.FLOAT, [2, 3])], [w, c, cond])
        model = helper.make_model(g, opset_imports=[helper.make_opsetid('', 16)])
        stats = fp16_initializers(model)
        onnx.checker.check_model(model)
        self.assertEqual({i.name: i.data_type for i in model.graph.initializer}, {'w': TensorProto.FLOAT16, 'c': TensorProto.FLOAT, 'cond': TensorProto.BOOL})
        self.assertEqual((stats['converted'], stats['kept_fp32']), (1, 1))
        then = next(n for n in model.graph.node if n.op_type == 'If').attribute[0].g
        self.assertEqual(list(then.node[0].input), ['m', 'c'])

    def test_rename(self):
        model = self.graph()
        self.assertEqual(rename_initializers(model, {'w': 'layer.weight'}), ['w'])
        onnx.checker.check_model(model)
        self.assertIn('layer.weight', next(n for n in model.graph.node if n.op_type == 'MatMul').input)
        with self.assertRaises(ValueError):
            rename_initializers(model, {'b': 'layer.weight'})


class ExportHelpersTest(unittest.TestCase):
    def test_reachable_and_renumber(self):
        from uniseg_tools.export_demo.source import parse_pathway, reachable

        paths = {'a': [2, 1, 4], 'b': [2, 3, 4], 'c': [1, 3, 2]}
        kept = reachable(paths, 3)
        self.assertEqual(kept, [[1, 2], [1, 3], [2, 4]])
        renum = lambda p: [kept[s].index(v) + 1 for s, v in enumerate(p)]  # noqa: E731  (Source.renumber)
        self.assertEqual(renum(paths['a']), [2, 1, 2])
        self.assertEqual(parse_pathway('1,3, 1'), [1, 3, 1])

    def test_merge_priority_puts_lesions_first(self):
        from uniseg_tools.export_demo.manifest import merge_priority

        tasks = [{'name': n} for n in ('liver', 'kidney_left', 'liver_tumor', 'spleen', 'kidney_tumor')]
        self.assertEqual(merge_priority(tasks), ['liver_tumor', 'kidney_tumor', 'liver', 'kidney_left', 'spleen'])

    def test_router_distillation_never_picks_padding(self):
        from uniseg_tools.export_demo.router import PAD, distill, router_pathway

        rng = np.random.default_rng(0)
        tasks = [{'name': f't{i}', 'prompt': f'prompt {i}', 'aliases': [f'alias {i}']} for i in range(4)]
        emb = {}
        for i, t in enumerate(tasks):
            base = rng.normal(size=16)
            for text in (t['prompt'], t['aliases'][0], t['name']):
                v = base + rng.normal(scale=0.05, size=16)
                emb[text] = (v / np.linalg.norm(v)).astype(np.float32)
        sizes = [1, 3, 2]
        pathways = {'t0': [1, 3, 2], 't1': [1, 1, 1], 't2': [1, 2, 2], 't3': [1, 3, 1]}
        d = distill(tasks, pathways, sizes, emb, min_similarity=0.5, max_steps=2000)
        self.assertTrue(d.correct)
        self.assertFalse(d.mismatched)
        for t in tasks:
            self.assertEqual(router_pathway(d.router, emb[t['prompt']]), pathways[t['name']])
        with torch.no_grad():
            logits = d.router(torch.randn(50, 16))
        self.assertEqual(tuple(logits.shape), (50, 3, 3))
        self.assertTrue(bool((logits[:, 0, 1:] < PAD / 2).all()) and bool((logits[:, 2, 2] < PAD / 2).all()))


class ExportDemoRefusesBadCheckpoints(unittest.TestCase):
    def test_missing_or_foreign_checkpoint_is_an_export_error(self):
        from uniseg_tools.export_demo.build import ExportError, Options, export

        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, 'pkg')
            with self.assertRaisesRegex(ExportError, 'no such file'):
                export(Options(ckpt=os.path.join(tmp, 'missing.pt'), text=tmp, out=out), say=lambda _: None)
            foreign = os.path.join(tmp, 'foreign.pt')
            torch.save({'weights': torch.zeros(1)}, foreign)
            with self.assertRaisesRegex(ExportError, 'not a uniseg training checkpoint'):
                export(Options(ckpt=foreign, text=tmp, out=out), say=lambda _: None)
            self.assertFalse(os.path.exists(out))

    def test_malformed_caution_or_alias_is_a_usage_error(self):
        import contextlib
        import io

        from uniseg_tools.commands import export as command

        for option in ('--caution', '--alias'):
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                code = command.main(['--ckpt', 'x.pt', '--text', 'text', option, 'esophagus'])
            self.assertEqual(code, 2)
            self.assertIn(f"bad {option} 'esophagus'; expected TASK=TEXT", err.getvalue())


if __name__ == '__main__':
    unittest.main()
