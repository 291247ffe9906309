"""`uniseg_tools convert monai-bundle`: the bundle config reader (references, expressions, values it
refuses to run), MONAI's UNet rebuilt under MONAI's state-dict names, and bad bundles, each refused
with the file and key named and nothing written. The conversion of the shared fixture itself and
its parity are tested end to end in test/convert/monai-bundle.test.ts. About 10 s.

Run: /usr/bin/python3 -m unittest uniseg_tools.tests.test_convert_monai_bundle -v
"""

import contextlib
import io
import json
import os
import shutil
import tempfile
import unittest

import torch

from uniseg_tools.convert import monai_bundle as B
from uniseg_tools.convert.bundle_config import BundleConfig, Unresolved
from uniseg_tools.convert.bundle_networks import build_network
from uniseg_tools.convert.common import ConvertError
from uniseg_tools.paths import REPO_ROOT

FIXTURE = os.path.join(os.path.dirname(REPO_ROOT), 'shared', 'fixtures', 'monai-bundle', 'wholeBody_ct_segmentation')


def run_main(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = B.main(argv)
    return rc, out.getvalue(), err.getvalue()


class BundleConfigReading(unittest.TestCase):
    def config(self, data):
        path = os.path.join(self.tmp, 'inference.json')
        with open(path, 'w') as f:
            json.dump(data, f)
        return BundleConfig([path])

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='uniseg-bundle-config-')

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_references_and_expressions(self):
        cfg = self.config({
            'flags': {'highres': False, 'n': [2, 3]},
            'pixdim': '$[1.5, 1.5, 1.5] if @flags#highres else [3.0] * 3',
            'roi': '@flags#n',
            'sum': '$@flags#n#0 + @flags#n#1 * 2',
            'device': "$torch.device('cpu')",
        })
        self.assertEqual(cfg.get('pixdim'), [3.0, 3.0, 3.0])
        self.assertEqual(cfg.get('roi'), [2, 3])
        self.assertEqual(cfg.get('sum'), 8)
        # Code is never run: the value stays unresolved and is an error only where it is used.
        device = cfg.get('device')
        self.assertIsInstance(device, Unresolved)
        self.assertRegex(str(device.error), r'inference.json: key "device": .*Call: torch.device')
        with self.assertRaisesRegex(ConvertError, 'key "missing"'):
            cfg.get('missing')

    def test_reference_cycle_is_refused(self):
        cfg = self.config({'a': '@b', 'b': '@a'})
        self.assertIsInstance(cfg.get('a'), Unresolved)


class UNetNames(unittest.TestCase):
    def test_state_dict_names_follow_monai(self):
        net = build_network({'_target_': 'monai.networks.nets.UNet', 'spatial_dims': 3, 'in_channels': 1, 'out_channels': 3, 'channels': [8, 16, 32],
                             'strides': [2, 2], 'num_res_units': 2, 'norm': 'batch'}, 'inference.json')
        keys = set(net.module.state_dict())
        for key in ('model.0.conv.unit0.conv.weight', 'model.0.conv.unit1.adn.N.running_mean', 'model.0.conv.unit0.adn.A.weight', 'model.0.residual.weight',
                    'model.1.submodule.0.conv.unit0.conv.weight', 'model.1.submodule.1.submodule.conv.unit1.conv.weight', 'model.1.submodule.2.0.conv.weight',
                    'model.1.submodule.2.1.conv.unit0.conv.weight', 'model.2.0.conv.weight', 'model.2.1.conv.unit0.conv.weight'):
            self.assertIn(key, keys)
        # The top up-layer's last conv is bare (no norm/act), as MONAI's last_conv_only.
        self.assertNotIn('model.2.1.conv.unit0.adn.A.weight', keys)
        x = torch.randn(1, 1, 16, 16, 16)
        self.assertEqual(tuple(net.module.eval()(x).shape), (1, 3, 16, 16, 16))

    def test_unknown_class_and_argument_are_named(self):
        with self.assertRaisesRegex(ConvertError, r'network_def#_target_.*DynUNet.*not supported \(supported: SegResNet, UNet, SwinUNETR\)'):
            build_network({'_target_': 'DynUNet'}, 'inference.json')
        with self.assertRaisesRegex(ConvertError, r'network_def#upsample_mode.*deconv'):
            build_network({'_target_': 'SegResNet', 'upsample_mode': 'deconv'}, 'inference.json')
        with self.assertRaisesRegex(ConvertError, r'network_def#use_flash.*argument use_flash'):
            build_network({'_target_': 'SegResNet', 'use_flash': True}, 'inference.json')


@unittest.skipUnless(os.path.isdir(FIXTURE), f'MONAI bundle fixture not found at {FIXTURE}')
class BadBundles(unittest.TestCase):
    """Each a copy of the fixture bundle with one thing wrong."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='uniseg-bad-bundle-')
        self.bundle = os.path.join(self.tmp, 'bundle')
        shutil.copytree(FIXTURE, self.bundle)
        for root, dirs, files in os.walk(self.bundle):
            for n in dirs + files:
                os.chmod(os.path.join(root, n), 0o755 if n in dirs else 0o644)
        os.chmod(self.bundle, 0o755)
        self.out = os.path.join(self.tmp, 'pkg')
        with open(os.path.join(self.bundle, 'configs', 'inference.json')) as f:
            self.inference = json.load(f)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def edit(self, change):
        change(self.inference)
        with open(os.path.join(self.bundle, 'configs', 'inference.json'), 'w') as f:
            json.dump(self.inference, f)

    def refused(self, pattern):
        rc, _, err = run_main([self.bundle, '-o', self.out, '--skip-engine-check'])
        self.assertEqual(rc, 1, err)
        self.assertRegex(err, pattern)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertEqual(sorted(os.listdir(self.tmp)), ['bundle'], 'nothing may be written on a refusal')

    def test_truncated_checkpoint(self):
        path = os.path.join(self.bundle, 'models', 'model.pt')
        with open(path, 'rb') as f:
            data = f.read()
        with open(path, 'wb') as f:
            f.write(data[: len(data) // 2])
        self.refused(r'models/model.pt: not a readable torch checkpoint \(truncated')

    def test_unsupported_network_def(self):
        self.edit(lambda c: c['network_def'].update({'_target_': 'DynUNet'}))
        self.refused(r'inference.json: key "network_def#_target_": network_def class .DynUNet. is not supported')

    def test_missing_checkpoint(self):
        os.remove(os.path.join(self.bundle, 'models', 'model.pt'))
        self.refused(r'models/model.pt: no such checkpoint file')

    def test_unsupported_transform_named(self):
        self.edit(lambda c: c['preprocessing']['transforms'].insert(5, {'_target_': 'CropForegroundd', 'keys': '@image_key', 'source_key': '@image_key'}))
        self.refused(r'key "preprocessing#transforms#5": preprocessing transform CropForegroundd has no equivalent in the engine')

    def test_weights_of_another_network(self):
        self.edit(lambda c: c['network_def'].update({'init_filters': 16}))
        self.refused(r'models/model.pt: key "convInit.conv.weight": does not load strictly into .*SegResNet.*size mismatch: convInit.conv.weight is \[8, 1, 3, 3, 3\] in the checkpoint, \[16, 1, 3, 3, 3\]')

    def test_labels_disagreeing_with_channels(self):
        meta = os.path.join(self.bundle, 'configs', 'metadata.json')
        with open(meta) as f:
            m = json.load(f)
        with self.assertRaisesRegex(ConvertError, r'metadata.json: key "network_data_format#outputs#pred#channel_def": channel_def names channel 104, the network has 104 output channels'):
            B.label_names(m, meta, 104, 'softmax')
        names = B.label_names(m, meta, 105, 'softmax')
        self.assertEqual((names[1], names[3], names[104]), ('spleen', 'kidney_left', 'urinary_bladder'))

if __name__ == '__main__':
    unittest.main()
