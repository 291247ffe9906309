"""clNet heads on a shared bottleneck (``ClNet(shared_bottleneck=True)``): shapes, freezing,
state_dict names, package parts, and training initialised from a (tiny) gCIS pathways checkpoint.
Run: /usr/bin/python3 -m unittest uniseg_tools/tests/test_heads_bottleneck.py -v
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import unittest
import warnings
from dataclasses import asdict

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))

from uniseg_tools import data as D  # noqa: E402
from uniseg_tools.nets import ClNet, PathwayNet, SwinUNETR  # noqa: E402
from uniseg_tools.nets import parts as P  # noqa: E402
from uniseg_tools.nets.clnet import SHARED_HEAD_INPUTS  # noqa: E402
from uniseg_tools.nets.swin_unetr import POSITION_NAMES  # noqa: E402
from uniseg_tools.train import checkpoint as ckpt  # noqa: E402
from uniseg_tools.train.loop import TrainConfig, Trainer  # noqa: E402
from uniseg_tools.train.models import init_clnet_from_pathways, most_common_bottleneck, network_from_checkpoint, parse_head_tasks, parse_heads  # noqa: E402

TINY = dict(feature_size=6, depths=(1, 1, 1, 1))
ROI = (32, 32, 32)
torch.set_num_threads(1)
ENCODER = ('swinViT', 'encoder1', 'encoder2', 'encoder3', 'encoder4')


def image(batch=1, seed=0):
    return torch.randn(batch, 1, *ROI, generator=torch.Generator().manual_seed(seed))


def make_net(shared=True):
    torch.manual_seed(0)
    net = ClNet(**TINY, shared_bottleneck=shared)
    net.add_head('Organs', 3, labels={'liver': 1, 'spleen': 2})
    net.add_head('Tumor', 2, supporting=['Organs'], labels={'liver_tumor': 1})
    return net


def states_equal(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def quiet(_msg):
    pass


class SharedBottleneckNet(unittest.TestCase):
    def test_forward_shapes(self):
        net = make_net().eval()
        self.assertFalse(hasattr(net.heads['Organs'], 'encoder10'))
        self.assertEqual(net.head_inputs, SHARED_HEAD_INPUTS)
        self.assertEqual(net.heads['Tumor'].out.conv.conv.weight.shape[1], 6 + 3)
        with torch.no_grad():
            out = net(image(batch=2))
            self.assertEqual({k: tuple(v.shape) for k, v in out.items()}, {'Organs': (2, 3, *ROI), 'Tumor': (2, 2, *ROI)})
            feats = net.features(image(batch=2))
            self.assertEqual([tuple(t.shape[1:2]) for t in feats], [(96,), (48,), (24,), (12,), (6,), (6,)])  # dec4 hs3 enc3 enc2 enc1 enc0
            self.assertTrue(torch.equal(net.run_heads(feats)['Tumor'], out['Tumor']))
        # A head is decoder5..decoder1 + out: far smaller than one with its own encoder10.
        full = make_net(shared=False)
        n_shared = sum(p.numel() for p in net.heads['Organs'].parameters())
        n_full = sum(p.numel() for p in full.heads['Organs'].parameters())
        self.assertEqual(n_full - n_shared, sum(p.numel() for p in net.encoder10.parameters()))

    def test_state_dict_names(self):
        """Default: unchanged (MONAI names, every head a full decoder); shared: encoder10 at the top."""
        ref = SwinUNETR(1, 3, **TINY).state_dict()
        enc = {k for k in ref if k.split('.')[0] not in POSITION_NAMES}
        dec = {k for k in ref if k.split('.')[0] in POSITION_NAMES}
        default = ClNet(**TINY)
        default.add_head('Organs', 3)
        self.assertEqual(set(default.state_dict()), enc | {f'heads.Organs.{k}' for k in dec})
        self.assertFalse(default.shared_bottleneck)
        self.assertEqual(default.encoder_module_names, ENCODER)
        shared = ClNet(**TINY, shared_bottleneck=True)
        shared.add_head('Organs', 3)
        e10 = {k for k in dec if k.startswith('encoder10.')}
        self.assertTrue(e10)
        self.assertEqual(set(shared.state_dict()), enc | e10 | {f'heads.Organs.{k}' for k in dec - e10})
        # A MONAI SwinUNETR state loads the shared bottleneck with the encoder.
        src = SwinUNETR(1, 3, **TINY)
        shared.load_swin_unetr_state(src.state_dict(), head='Organs')
        self.assertTrue(torch.equal(shared.encoder10.layer.conv1.conv.weight, src.encoder10.layer.conv1.conv.weight))
        self.assertTrue(torch.equal(shared.heads['Organs'].decoder3.transp_conv.conv.weight, src.decoder3.transp_conv.conv.weight))

    def test_encoder10_frozen(self):
        net = make_net().train()
        enc_ids = {id(p) for p in net.encoder_parameters()}
        self.assertTrue({id(p) for p in net.encoder10.parameters()} <= enc_ids)
        before = {k: v.clone() for k, v in net.state_dict().items()}
        params = net.train_only('Tumor')
        self.assertFalse(any(p.requires_grad for p in net.encoder10.parameters()))
        opt = torch.optim.SGD(params, lr=0.5)
        net(image())['Tumor'].square().mean().backward()
        opt.step()
        changed = {k for k, v in net.state_dict().items() if not torch.equal(v, before[k])}
        self.assertTrue(changed)
        self.assertTrue(all(k.startswith('heads.Tumor.') for k in changed), sorted(changed)[:5])
        self.assertTrue(all(p.grad is None for p in net.encoder10.parameters()))
        other = make_net()
        other.freeze_encoder()
        self.assertFalse(any(p.requires_grad for p in other.encoder10.parameters()))
        self.assertTrue(all(p.requires_grad for p in other.heads.parameters()))

    def test_parts(self):
        warnings.simplefilter('ignore')
        net = make_net().eval()
        parts = P.clnet_parts(net, ROI)
        self.assertEqual([p.name for p in parts], ['encoder', 'encoder10', 'head.Organs', 'head.Tumor'])
        self.assertLess(P.composition_error(net, parts, image(batch=2)), 1e-5)
        with tempfile.TemporaryDirectory() as tmp:
            manifest = P.export_parts(parts[1:], tmp)  # the encoder part is covered by test_nets
        self.assertEqual(manifest['stages'], [])
        self.assertEqual(manifest['parts']['encoder10']['inputs'], ['hs4'])
        self.assertEqual(manifest['parts']['encoder10']['outputs'], ['dec4'])
        self.assertEqual(manifest['parts']['head.Organs']['inputs'], list(SHARED_HEAD_INPUTS))
        self.assertEqual(manifest['parts']['head.Tumor']['inputs'], list(SHARED_HEAD_INPUTS) + ['head.Organs'])
        self.assertEqual(
            manifest['heads']['Tumor'],
            {'parts': ['head.Tumor'], 'output': 'head.Tumor', 'labels': {'liver_tumor': 1}, 'supporting': ['Organs']},
        )
        self.assertEqual(set(manifest['heads']), {'Organs', 'Tumor'})


# --------------------------------------------------------------------------------------------
# Training from a tiny pathways checkpoint
# --------------------------------------------------------------------------------------------

K = 3
PATHWAYS = {'liver': [2, 1, 3, 1, 2, 3, 2], 'spleen': '1,3,2,2,1,3,1', 'kidney_left': [1, 2, 2, 3, 3, 1, 3], 'kidney_right': [1, 1, 1, 1, 1, 1, 1], 'liver_tumor': [3, 2, 1, 3, 2, 1, 3]}
TMP = None


def write_cases(directory, n=2, shape=(40, 40, 40)):
    """Synthetic cached cases: boxes of liver (4), spleen (5), kidneys (6, 7) in soft tissue."""
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(0)
    cases = []
    for seed in range(n):
        lab = np.zeros(shape, np.uint8)
        lab[4:36, 4:36, 4:36] = 1
        lab[6:18, 6:20, 8:22] = 4
        lab[22:32, 8:16, 10:20] = 5
        lab[8:14, 24:32, 8:16] = 6
        lab[24:30, 24:32, 8:16] = 7
        hu = {0: -1000, 1: 40, 4: 90, 5: 110, 6: 150, 7: 150}
        ct = np.vectorize(hu.get)(lab).astype(np.int16) + rng.normal(0, 10, shape).astype(np.int16)
        stem = f'{seed:04d}'
        np.save(os.path.join(directory, f'ct_{stem}.npy'), ct)
        np.save(os.path.join(directory, f'lab_{stem}.npy'), lab)
        counts = {str(v): int((lab == v).sum()) for v in np.unique(lab) if v}
        cases.append(D.Case(directory, stem, {'seed': seed, 'modelAffine': np.diag([3.0, 3.0, 3.0, 1.0]).tolist(), 'labelCounts': counts}))
    return cases


def pathway_checkpoint(path):
    """A pathways training checkpoint as ``Trainer.state`` writes it (EMA = the random net)."""
    torch.manual_seed(1)
    net = PathwayNet(out_channels=2, alternatives=K, **TINY)
    cfg = TrainConfig(mode='pathways', feature_size=6, depths=[1, 1, 1, 1], k=K)
    state = {f'net.{k}': v for k, v in net.state_dict().items()}
    state['embeddings.weight'] = torch.zeros(4, 8)
    ckpt.save(path, {'format': ckpt.FORMAT, 'step': 7, 'config': asdict(cfg), 'pathways': PATHWAYS, 'ema': state, 'model': state})
    return net


def heads_config(**kw):
    base = dict(
        mode='heads',
        heads=parse_heads(['Organs=liver,spleen', 'Kidneys=kidney_left,kidney_right']),
        feature_size=6,
        depths=[1, 1, 1, 1],
        patch=[32, 32, 32],
        steps=2,
        lr=3e-3,
        warmup=1,
        ckpt_every=0,
        log_every=1000,
        seed=3,
        threads=1,
        device='cpu',
    )
    base.update(kw)
    return TrainConfig(**base)


def setUpModule():
    global TMP, CASES, SRC, SRC_NET
    TMP = tempfile.mkdtemp(prefix='uniseg-bottleneck-test-')
    CASES = write_cases(os.path.join(TMP, 'cache'))
    SRC = os.path.join(TMP, 'gcis', 'last.pt')
    SRC_NET = pathway_checkpoint(SRC)


def tearDownModule():
    if TMP:
        shutil.rmtree(TMP, ignore_errors=True)


def block_equal(a, b):
    return states_equal(a.state_dict(), b.state_dict())


class InitFromPathways(unittest.TestCase):
    def test_parse(self):
        self.assertEqual(parse_head_tasks(['Organs=liver', 'Kidneys=kidney_left']), {'Organs': 'liver', 'Kidneys': 'kidney_left'})
        with self.assertRaises(ValueError):
            parse_head_tasks(['Organs=liver,spleen'])
        self.assertEqual(most_common_bottleneck(PATHWAYS, ['liver', 'spleen', 'kidney_left']), 1)
        self.assertEqual(most_common_bottleneck(PATHWAYS, ['liver']), 2)
        self.assertEqual(most_common_bottleneck(PATHWAYS, ['aorta']), 1)  # none has one: all tasks vote

    def test_function(self):
        net = ClNet(**TINY, shared_bottleneck=True)
        net.add_head('Organs', 3)
        net.add_head('Liver', 2)
        state = {k: v for k, v in SRC_NET.state_dict().items()}
        fresh_out = net.heads['Organs'].out.conv.conv.weight.clone()
        report = init_clnet_from_pathways(net, state, PATHWAYS, alternative=3, head_tasks={'Organs': 'spleen', 'Liver': 'liver'})
        self.assertTrue(any('alternative 3' in line for line in report), report)
        self.assertTrue(block_equal(net.encoder10, SRC_NET.encoder10[2]))
        for m in ENCODER:
            self.assertTrue(block_equal(getattr(net, m), getattr(SRC_NET, m)), m)
        spleen = [1, 3, 2, 2, 1, 3, 1]
        for i, position in enumerate(POSITION_NAMES[1:6], start=1):
            self.assertTrue(block_equal(getattr(net.heads['Organs'], position), SRC_NET.block(position, spleen[i] - 1)), position)
            self.assertTrue(block_equal(getattr(net.heads['Liver'], position), SRC_NET.block(position, PATHWAYS['liver'][i] - 1)), position)
        # out: 3 channels != 2: fresh; the 2-channel head takes the pathway's out block.
        self.assertTrue(torch.equal(net.heads['Organs'].out.conv.conv.weight, fresh_out))
        self.assertTrue(block_equal(net.heads['Liver'].out, SRC_NET.block('out', PATHWAYS['liver'][6] - 1)))
        with self.assertRaises(ValueError):
            init_clnet_from_pathways(net, state, PATHWAYS, alternative=K + 1)
        with self.assertRaises(ValueError):
            init_clnet_from_pathways(net, state, PATHWAYS, head_tasks={'Organs': 'aorta'})
        # Heads with their own encoder10 take that position's block too.
        full = ClNet(**TINY)
        full.add_head('Organs', 3)
        init_clnet_from_pathways(full, state, PATHWAYS, head_tasks={'Organs': 'liver'})
        self.assertTrue(block_equal(full.heads['Organs'].encoder10, SRC_NET.encoder10[1]))
        with self.assertRaises(ValueError):
            init_clnet_from_pathways(full, state, PATHWAYS, alternative=1)

    def test_trainer_train_resume_continual(self):
        out = os.path.join(TMP, 'clnet')
        cfg = heads_config(init_from=SRC, shared_bottleneck=-1, init_heads_from_task={'Organs': 'liver', 'Kidneys': 'kidney_left'}, out=out)
        lines = []
        t = Trainer(cfg, log=lines.append, train_cases=CASES)
        net = t.model.net
        self.assertTrue(net.shared_bottleneck)
        # auto: liver 2, spleen 1, kidney_left 1, kidney_right 1 -> alternative 1
        self.assertEqual(t.cfg.shared_bottleneck, 1)
        self.assertTrue(block_equal(net.encoder10, SRC_NET.encoder10[0]))
        self.assertTrue(block_equal(net.heads['Kidneys'].decoder4, SRC_NET.decoder4[1]))
        self.assertTrue(block_equal(net.heads['Organs'].decoder5, SRC_NET.decoder5[0]))
        origin = t.cfg.bottleneck_origin
        self.assertEqual((origin['checkpoint'], origin['step'], origin['alternative']), (os.path.abspath(SRC), 7, 1))
        self.assertEqual(origin['heads']['Organs'], {'task': 'liver', 'pathway': '2,1,3,1,2,3,2'})
        self.assertTrue(any('encoder10 alternative 2' in line for line in lines), lines)  # liver's note
        # Frozen: encoder + shared bottleneck; trainable: the heads.
        trainable = {n for n, p in t.model.named_parameters() if p.requires_grad}
        self.assertTrue(trainable and all(n.startswith('net.heads.') for n in trainable))
        before = {k: v.clone() for k, v in t.model.state_dict().items()}
        self.assertEqual(t.run(handle_signals=False), 0)
        after = t.model.state_dict()
        for k in before:
            if not k.startswith('net.heads.'):
                self.assertTrue(torch.equal(before[k], after[k]), k)
                self.assertTrue(torch.equal(t.ema.state_dict()[k], after[k]), k)
        self.assertTrue(any(not torch.equal(before[k], after[k]) for k in before if k.startswith('net.heads.Kidneys.')))

        # The checkpoint records the bottleneck; resume and export rebuild the same network.
        saved = ckpt.load(os.path.join(out, 'last.pt'))
        self.assertEqual(saved['config']['shared_bottleneck'], 1)
        self.assertEqual(saved['config']['bottleneck_origin']['alternative'], 1)
        r = Trainer.resume(os.path.join(out, 'last.pt'), log=quiet, overrides={'steps': 3}, train_cases=CASES)
        self.assertTrue(r.model.net.shared_bottleneck)
        self.assertTrue(states_equal(r.model.state_dict(), after))
        self.assertEqual(r.cfg.bottleneck_origin, saved['config']['bottleneck_origin'])
        exported = network_from_checkpoint(os.path.join(out, 'last.pt'))
        self.assertIsInstance(exported, ClNet)
        self.assertTrue(exported.shared_bottleneck and block_equal(exported.encoder10, SRC_NET.encoder10[0]))
        self.assertLess(P.composition_error(exported, P.clnet_parts(exported, ROI), image()), 1e-5)

        # Continual: add a head, train only it; it starts from liver_tumor's pathway; the shared
        # bottleneck is inherited from the heads checkpoint; nothing else changes.
        heads = parse_heads(['Organs=liver,spleen', 'Kidneys=kidney_left,kidney_right', 'Tumor=liver_tumor:Organs'])
        cfg2 = heads_config(heads=heads, train_heads=['Tumor'], init_from=os.path.join(out, 'last.pt'), init_heads_from_task={'Tumor': 'liver_tumor', 'Organs': 'spleen'}, seed=9)
        lines = []
        c = Trainer(cfg2, log=lines.append, train_cases=CASES)
        self.assertEqual(c.cfg.shared_bottleneck, 1)
        self.assertTrue(c.model.net.shared_bottleneck)
        self.assertTrue(block_equal(c.model.net.heads['Tumor'].decoder5, SRC_NET.decoder5[1]))
        self.assertTrue(block_equal(c.model.net.heads['Tumor'].decoder1, SRC_NET.decoder1[0]))
        self.assertTrue(any('Organs is kept as loaded' in line for line in lines), lines)
        loaded = c.model.state_dict()
        for k, v in saved['ema'].items():  # --init-from takes the EMA weights
            self.assertTrue(torch.equal(loaded[k], v), k)
        self.assertEqual(c.cfg.bottleneck_origin['heads']['Tumor']['task'], 'liver_tumor')
        before = {k: v.clone() for k, v in loaded.items()}
        for _ in range(2):
            c.train_step()
        changed = [k for k, v in c.model.state_dict().items() if not torch.equal(v, before[k])]
        self.assertTrue(changed)
        self.assertTrue(all(k.startswith('net.heads.Tumor.') for k in changed), changed[:5])

    def test_errors(self):
        with self.assertRaises(ValueError):  # pathways mode
            Trainer(TrainConfig(mode='pathways', feature_size=6, depths=[1, 1, 1, 1], k=K, init_from=SRC, shared_bottleneck=1, device='cpu', threads=1), log=quiet)
        with self.assertRaises(ValueError):  # alternative out of range
            Trainer(heads_config(init_from=SRC, shared_bottleneck=K + 1), log=quiet)
        with self.assertRaises(ValueError):  # auto without a checkpoint
            Trainer(heads_config(shared_bottleneck=-1), log=quiet)
        plain = os.path.join(TMP, 'plain.pt')
        torch.save(ClNet(**TINY).state_dict(), plain)
        with self.assertRaises(ValueError):  # not a pathways checkpoint
            Trainer(heads_config(init_from=plain, shared_bottleneck=1), log=quiet)


if __name__ == '__main__':
    unittest.main()
