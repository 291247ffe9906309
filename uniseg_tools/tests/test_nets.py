"""Networks (tiny configurations): Swin helpers, tracing, gCIS pathways and router, clNet heads,
export to ONNX parts. Run: /usr/bin/python3 -m unittest discover -s uniseg_tools/tests -t . -v
"""

import hashlib
import os
import sys
import tempfile
import unittest
import warnings

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))

from uniseg_tools.nets import ClNet, PathwayNet, Router, SwinUNETR, format_pathway, manifest_pathway, parse_pathway  # noqa: E402
from uniseg_tools.nets import parts as P  # noqa: E402
from uniseg_tools.nets.swin import merge_windows, partition_windows, shift_mask  # noqa: E402

TINY = dict(feature_size=12, depths=(1, 1, 1, 1))
ROI = (32, 32, 32)
torch.set_num_threads(2)


def image(batch=1, shape=ROI, seed=0):
    return torch.randn(batch, 1, *shape, generator=torch.Generator().manual_seed(seed))


class SwinHelpers(unittest.TestCase):
    def test_partition_round_trip(self):
        x = torch.randn(2, 14, 7, 21, 5)
        w = partition_windows(x, (7, 7, 7))
        self.assertEqual(tuple(w.shape), (2 * 2 * 1 * 3, 343, 5))
        self.assertTrue(torch.equal(merge_windows(w, (7, 7, 7), (14, 7, 21)), x))

    def test_shift_mask(self):
        m = shift_mask((14, 14, 14), (7, 7, 7), (3, 3, 3))
        self.assertEqual(tuple(m.shape), (8, 343, 343))
        self.assertTrue(torch.equal(m, m.transpose(1, 2)))
        self.assertTrue(torch.all(m[0] == 0))  # the first window lies inside one region
        self.assertEqual(set(m.unique().tolist()), {0.0, -100.0})

    def test_sizes_divisible_by_32(self):
        net = SwinUNETR(1, 3, **TINY).eval()
        with torch.no_grad():
            self.assertEqual(tuple(net(image(shape=(32, 64, 32))).shape), (1, 3, 32, 64, 32))
        with self.assertRaises(ValueError):
            net(image(shape=(48, 32, 32)))

    def test_trace(self):
        net = SwinUNETR(1, 2, **TINY).eval()
        x = image()
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter('ignore')
            traced = torch.jit.trace(net, x)
            other = image(batch=2, seed=1)
            self.assertLess(float((traced(other) - net(other)).abs().max()), 1e-5)


class Pathways(unittest.TestCase):
    def test_formatting(self):
        self.assertEqual(format_pathway([1, 0, 2, 4, 2, 5, 5]), '2,1,3,5,3,6,6')
        self.assertEqual(parse_pathway('2,1,3,5,3,6,6'), [1, 0, 2, 4, 2, 5, 5])
        self.assertEqual(manifest_pathway([1, 0, 2]), [2, 1, 3])
        with self.assertRaises(ValueError):
            parse_pathway('0,1')

    def test_forward_shapes_and_plain_equivalent(self):
        net = PathwayNet(out_channels=2, alternatives=3, **TINY).eval()
        pathway = [2, 0, 1, 2, 1, 0, 2]
        x = image(batch=2)
        with torch.no_grad():
            out = net(x, pathway)
            self.assertEqual(tuple(out.shape), (2, 2, *ROI))
            plain = net.to_swin_unetr(pathway).eval()
            self.assertLess(float((plain(x) - out).abs().max()), 1e-5)
            one_hot = torch.nn.functional.one_hot(torch.tensor(pathway), 3).float()
            self.assertLess(float((net(x, one_hot) - out).abs().max()), 1e-5)
        with self.assertRaises(ValueError):
            net(x, [0] * 6)
        with self.assertRaises(ValueError):
            net(x, [3] * 7)

    def test_router_straight_through_gradients(self):
        torch.manual_seed(0)
        net = PathwayNet(out_channels=2, alternatives=2, **TINY).train()
        router = Router(embed_dim=16, alternatives=2, hidden=8).train()
        emb = torch.randn(2, 16)
        for mix in ('all', 'selected'):
            router.zero_grad()
            weights = router.weights(emb)
            self.assertEqual(tuple(weights.shape), (2, 7, 2))
            self.assertTrue(torch.all(weights.sum(-1) == 1) and torch.all((weights == 0) | (weights == 1)))
            loss = net(image(batch=2), weights, mix=mix).square().mean()
            loss.backward()
            grads = [p.grad for p in router.parameters()]
            self.assertTrue(all(g is not None and float(g.abs().sum()) > 0 for g in grads), mix)
        router.eval()
        w = router.weights(emb[0])
        self.assertTrue(torch.equal(w.argmax(-1), router(emb[0]).argmax(-1)))
        self.assertEqual(len(router.pathway(emb[0])), 7)

    def test_load_swin_unetr_state(self):
        src = SwinUNETR(1, 4, **TINY)
        net = PathwayNet(out_channels=2, alternatives=2, **TINY)
        copied = net.load_swin_unetr_state(src.state_dict())
        self.assertEqual(copied, ['encoder10', 'decoder5', 'decoder4', 'decoder3', 'decoder2', 'decoder1'])
        for k in (0, 1):
            self.assertTrue(torch.equal(net.decoder3[k].conv_block.conv1.conv.weight, src.decoder3.conv_block.conv1.conv.weight))
        self.assertTrue(torch.equal(net.swinViT.patch_embed.proj.weight, src.swinViT.patch_embed.proj.weight))


def make_clnet():
    torch.manual_seed(0)
    net = ClNet(**TINY)
    net.add_head('Organs', 3, labels={'kidney_left': 1, 'kidney_right': 2})
    net.add_head('Tumor', 2, supporting=['Organs'], labels={'kidney_tumor': 1})
    return net


class ClNetHeads(unittest.TestCase):

    def test_forward_and_order(self):
        net = make_clnet().eval()
        with torch.no_grad():
            out = net(image())
            self.assertEqual({k: tuple(v.shape) for k, v in out.items()}, {'Organs': (1, 3, *ROI), 'Tumor': (1, 2, *ROI)})
            self.assertEqual(list(net(image(), ['Tumor'])), ['Tumor'])
        self.assertEqual(net.execution_order(['Tumor']), ['Organs', 'Tumor'])
        self.assertEqual(net.heads['Tumor'].out.conv.conv.weight.shape[1], 12 + 3)
        with self.assertRaises(ValueError):
            net.add_head('Later', 2, supporting=['Missing'])
        with self.assertRaises(ValueError):
            net.add_head('bad.name', 2)

    def test_train_only_one_head(self):
        net = make_clnet().train()
        before = {k: v.clone() for k, v in net.state_dict().items()}
        params = net.train_only('Tumor')
        opt = torch.optim.SGD(params, lr=0.5)
        loss = net(image())['Tumor'].square().mean()
        loss.backward()
        opt.step()
        after = net.state_dict()
        changed = {k for k in after if not torch.equal(after[k], before[k])}
        self.assertTrue(changed)
        self.assertTrue(all(k.startswith('heads.Tumor.') for k in changed), sorted(changed)[:5])
        self.assertTrue(all(p.grad is None for n, p in net.named_parameters() if not n.startswith('heads.Tumor.')))


def largest_constant(path):
    """Elements of the largest Constant node (shift masks must not be folded into constants)."""
    import numpy as np
    import onnx

    sizes = [int(np.prod(a.t.dims)) for n in onnx.load(path).graph.node if n.op_type == 'Constant' for a in n.attribute if a.t.dims]
    return max(sizes, default=0)


class Export(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        warnings.simplefilter('ignore')

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def check_files(self, manifest, directory):
        for name, part in manifest['parts'].items():
            path = os.path.join(directory, part['file'])
            with open(path, 'rb') as f:
                self.assertEqual(hashlib.sha256(f.read()).hexdigest(), part['sha256'], name)

    def test_pathway_export(self):
        torch.manual_seed(0)
        net = PathwayNet(out_channels=2, alternatives=2, **TINY).eval()
        parts = P.pathway_parts(net, ROI)
        self.assertLess(P.composition_error(net, parts, image(batch=2), [1, 0, 1, 1, 0, 1, 0]), 1e-5)
        out = os.path.join(self.tmp.name, 'pathways')
        manifest = P.export_parts(parts, out)
        self.check_files(manifest, out)
        self.assertEqual([s['name'] for s in manifest['stages']], ['encoder10', 'decoder5', 'decoder4', 'decoder3', 'decoder2', 'decoder1', 'out'])
        self.assertEqual(manifest['stages'][0]['alternatives'], ['encoder10.1', 'encoder10.2'])
        self.assertEqual(manifest['parts']['encoder']['outputs'], ['enc0', 'enc1', 'enc2', 'enc3', 'hs3', 'hs4'])
        self.assertEqual(manifest['parts']['decoder5.2'], {**manifest['parts']['decoder5.2'], 'inputs': ['dec4', 'hs3'], 'outputs': ['dec3']})
        self.assertEqual(manifest['parts']['out.1']['outputs'], ['logits'])
        self.assertEqual(manifest['heads'], {})
        self.assertLess(largest_constant(os.path.join(out, 'encoder.onnx')), 100_000)

    def test_clnet_export(self):
        net = make_clnet().eval()
        parts = P.clnet_parts(net, ROI)
        self.assertLess(P.composition_error(net, parts, image(batch=2)), 1e-5)
        out = os.path.join(self.tmp.name, 'heads')
        manifest = P.export_parts(parts, out)
        self.check_files(manifest, out)
        self.assertEqual(manifest['stages'], [])
        self.assertEqual(
            manifest['heads']['Tumor'],
            {'parts': ['head.Tumor'], 'output': 'head.Tumor', 'labels': {'kidney_tumor': 1}, 'supporting': ['Organs']},
        )
        self.assertEqual(manifest['parts']['head.Tumor']['inputs'][-1], 'head.Organs')

    def test_instance_norm_exported_as_two_pass_means(self):
        # The export writes instance norm as axis-by-axis ReduceMean ops (onnxruntime's
        # InstanceNormalization is ~2e-4 off on 64^3 maps); same values as torch's instance_norm.
        from unittest import mock

        import onnx

        from uniseg_tools.nets.blocks import UnetResBlock, instance_norm

        x = torch.randn(2, 3, 9, 8, 7, generator=torch.Generator().manual_seed(3)) * 4 + 10
        with mock.patch.object(torch.onnx, 'is_in_onnx_export', return_value=True):
            explicit = instance_norm(x)
        self.assertLess(float((explicit - torch.nn.functional.instance_norm(x, eps=1e-5)).abs().max()), 1e-5)
        block = UnetResBlock(1, 4).eval()
        path = os.path.join(self.tmp.name, 'resblock.onnx')
        P.export_onnx(P.ExportPart('block', P.BlockPart(block), ['x'], ['y'], (image(shape=(16, 16, 16)),)), path)
        ops = [n.op_type for n in onnx.load(path).graph.node]
        self.assertNotIn('InstanceNormalization', ops)
        self.assertGreaterEqual(ops.count('ReduceMean'), 3 * 2 * 3)  # 3 norms x (mean, variance) x 3 axes

    def test_plain_split_export(self):
        net = SwinUNETR(1, 3, **TINY).eval()
        parts = P.swin_unetr_parts(net, ROI, split=True)
        self.assertEqual(P.composition_error(net, parts, image()), 0.0)
        manifest = P.export_parts(parts[1:], os.path.join(self.tmp.name, 'plain'))
        self.assertEqual(manifest['parts']['decoder']['outputs'], ['logits'])


if __name__ == '__main__':
    unittest.main()
