"""`uniseg_tools convert nnunet` on the shared nnU-Net v2 fixture (random weights written by nnU-Net's
own trainer): the networks rebuilt from plans.json load every fold strictly and reproduce nnU-Net's
logits (output_fold0/1.npy, 1e-4); a ResidualEncoderUNet from plans has nnU-Net's module names;
bad trainer folders are refused before anything is exported, naming the file and the key:
a truncated checkpoint, plans naming an unknown network class, dataset.json labels that disagree
with the output channels. The conversion itself (export, ORT parity, the package end to end) is
tested through the CLI in test/convert/nnunet.test.ts. About 10 s on 2 cores.

Run: /usr/bin/python3 -m unittest discover -s uniseg_tools/tests -t . -p test_convert_nnunet.py -v
The fixture is ../shared/fixtures/nnunet-v2 beside the checkout (UNISEG_NNUNET_FIXTURE overrides it).
"""

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, ROOT)

from uniseg_tools.convert import nnunet as C  # noqa: E402
from uniseg_tools.convert.nnunet_source import build_network, read_trainer  # noqa: E402
from uniseg_tools.nets.nnunet_unet import OpSpec  # noqa: E402

FIXTURE = os.environ.get('UNISEG_NNUNET_FIXTURE', os.path.join(ROOT, '..', 'shared', 'fixtures', 'nnunet-v2'))
TRAINER = os.path.join(FIXTURE, 'Dataset990_UnisegParityCT', 'nnUNetTrainer__nnUNetPlans__3d_fullres')
HAVE_FIXTURE = os.path.isdir(TRAINER)


def run_main(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = C.main(argv)
    return code, out.getvalue(), err.getvalue()


@unittest.skipUnless(HAVE_FIXTURE, f'no nnU-Net fixture at {FIXTURE}')
class NetworkParity(unittest.TestCase):
    def test_each_fold_reproduces_nnunet_logits(self):
        source = read_trainer(TRAINER)
        self.assertEqual([f.name for f in source.folds], ['0', '1'])
        self.assertEqual(source.folds[0].mirror_axes, (0, 1, 2))
        self.assertEqual(source.intensity, {'kind': 'ct', 'lower': -485.0, 'upper': 537.0, 'mean': -17.240339279174805, 'std': 129.8009796142578})
        x = torch.from_numpy(np.load(os.path.join(FIXTURE, 'input.npy')))
        net = source.build_network()
        for fold in source.folds:
            net.load_state_dict(fold.weights, strict=True)
            with torch.no_grad():
                y = net(x).numpy()
            ref = np.load(os.path.join(FIXTURE, f'output_fold{fold.name}.npy'))
            self.assertLess(float(np.abs(y - ref).max()), 1e-4, f'fold {fold.name}')


class ResidualEncoder(unittest.TestCase):
    def test_names_and_shapes_follow_dynamic_network_architectures(self):
        kw = {'n_stages': 3, 'features_per_stage': [4, 8, 16], 'conv_op': 'torch.nn.modules.conv.Conv3d', 'kernel_sizes': [[3, 3, 3]] * 3,
              'strides': [[1, 1, 1], [2, 2, 2], [1, 2, 2]], 'n_blocks_per_stage': [1, 2, 1], 'n_conv_per_stage_decoder': [1, 1], 'conv_bias': True,
              'norm_op': 'torch.nn.modules.instancenorm.InstanceNorm3d', 'norm_op_kwargs': {'eps': 1e-5, 'affine': True}, 'dropout_op': None,
              'nonlin': 'torch.nn.LeakyReLU', 'nonlin_kwargs': {'inplace': True}}
        net = build_network('dynamic_network_architectures.architectures.unet.ResidualEncoderUNet', kw, 3, 'plans.json')
        keys = set(net.state_dict())
        for key in ('encoder.stem.convs.0.conv.weight', 'encoder.stem.convs.0.all_modules.1.weight',
                    'encoder.stages.1.blocks.0.conv1.conv.weight', 'encoder.stages.1.blocks.0.conv2.norm.bias',
                    'encoder.stages.1.blocks.0.skip.1.conv.weight', 'encoder.stages.1.blocks.0.skip.1.norm.weight',
                    'encoder.stages.1.blocks.1.conv1.conv.weight', 'decoder.encoder.stages.2.blocks.0.skip.1.conv.weight',
                    'decoder.transpconvs.0.weight', 'decoder.stages.1.convs.0.conv.weight', 'decoder.seg_layers.1.weight'):
            self.assertIn(key, keys)
        self.assertNotIn('encoder.stages.1.blocks.0.skip.1.conv.bias', keys)  # the 1x1 projection has no bias
        self.assertEqual(tuple(net.state_dict()['decoder.transpconvs.0.weight'].shape), (16, 8, 1, 2, 2))
        with torch.no_grad():
            self.assertEqual(tuple(net(torch.randn(1, 1, 8, 16, 16)).shape), (1, 3, 8, 16, 16))


@unittest.skipUnless(HAVE_FIXTURE, f'no nnU-Net fixture at {FIXTURE}')
class BadTrainerFolders(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='uniseg-nnunet-bad-')
        self.trainer = os.path.join(self.tmp, 'Dataset990_UnisegParityCT', 'nnUNetTrainer__nnUNetPlans__3d_fullres')
        shutil.copytree(TRAINER, self.trainer, ignore=shutil.ignore_patterns('fold_1'))
        for root, dirs, files in os.walk(self.tmp):
            for name in dirs + files:
                os.chmod(os.path.join(root, name), 0o755 if name in dirs else 0o644)
        self.out = os.path.join(self.tmp, 'pkg')

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def edit_json(self, name, edit):
        path = os.path.join(self.trainer, name)
        with open(path) as f:
            data = json.load(f)
        edit(data)
        with open(path, 'w') as f:
            json.dump(data, f)

    def refused(self):
        code, _, err = run_main([self.trainer, '-o', self.out])
        self.assertEqual(code, 1, err)
        self.assertFalse(os.path.exists(self.out))
        self.assertEqual([n for n in os.listdir(self.tmp) if n.startswith('.pkg')], [])
        return err

    def test_truncated_checkpoint(self):
        ck = os.path.join(self.trainer, 'fold_0', 'checkpoint_final.pth')
        with open(ck, 'r+b') as f:
            f.truncate(os.path.getsize(ck) // 2)
        err = self.refused()
        self.assertRegex(err, r'fold_0/checkpoint_final\.pth: not a readable torch checkpoint')

    def test_unknown_network_class(self):
        self.edit_json('plans.json', lambda p: p['configurations']['3d_fullres']['architecture'].update(network_class_name='my_nets.MedNeXt'))
        err = self.refused()
        self.assertRegex(err, r'plans\.json: configurations\.3d_fullres: architecture\.network_class_name "my_nets\.MedNeXt" is not supported \(supported: PlainConvUNet, ResidualEncoderUNet\)')

    def test_labels_disagree_with_output_channels(self):
        self.edit_json('dataset.json', lambda d: d['labels'].update(aorta=5))
        err = self.refused()
        self.assertRegex(err, r'dataset\.json: labels give 6 output channels .* but .*fold_0/checkpoint_final\.pth has 5 \(decoder\.seg_layers\.2\.weight \[5, 8, 1, 1, 1\]\)')

    def test_missing_fold_and_bad_step(self):
        code, _, err = run_main([self.trainer, '--folds', '0,3', '-o', self.out])
        self.assertEqual(code, 1)
        self.assertRegex(err, r'fold_3/checkpoint_final\.pth does not exist \(folds with a checkpoint: 0\)')
        code, _, err = run_main([self.trainer, '--step', '1.5', '-o', self.out])
        self.assertEqual(code, 2)
        self.assertIn('--step must be in (0, 1]', err)


if __name__ == '__main__':
    unittest.main()
