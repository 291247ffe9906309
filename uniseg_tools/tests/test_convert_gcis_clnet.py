"""gCIS and clNet converters: reading, routing, deduplication and refusals on the shared fixtures,
without exporting anything (the conversions themselves, with ORT parity and `uniseg verify`, are
test/convert/gcis.test.ts and clnet.test.ts). About 20 s on 2 cores, mostly torch.load.

Run: /usr/bin/python3 -m unittest uniseg_tools.tests.test_convert_gcis_clnet -v
The fixtures default to ../shared/fixtures/{gcis,clnet} (UNISEG_FIXTURES overrides the folder);
the tests skip when they are absent.
"""

import contextlib
import io
import json
import os
import re
import shutil
import tempfile
import unittest
from collections import OrderedDict

import numpy as np
import torch

from uniseg_tools.convert import clnet as CL
from uniseg_tools.convert import gcis as G
from uniseg_tools.convert.clnet_source import ema_usable, head_weights, parse_labels
from uniseg_tools.convert.common import ConvertError
from uniseg_tools.convert.gcis_parts import reachable
from uniseg_tools.nets.gcis import POSITIONS, route, split_state
from uniseg_tools.paths import REPO_ROOT

FIXTURES = os.environ.get('UNISEG_FIXTURES', os.path.join(os.path.dirname(REPO_ROOT), 'shared', 'fixtures'))
GCIS = os.path.join(FIXTURES, 'gcis')
CLNET = os.path.join(FIXTURES, 'clnet')


def run(main, argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


def trim(ap_state, selection):
    """gCIS main.py --ap_model/--path_selection renaming (the fixture README's rule): the selected
    block of each position under the single-task name, everything shared copied, routers dropped."""
    out = OrderedDict()
    for k, v in ap_state.items():
        k = k[len('module.'):]
        m = re.match(r'^(decoder10\.layer|decoder\d\.conv_block|out)_p(\d+)\.(.*)$', k)
        if m:
            position = m.group(1).split('.')[0]
            if int(m.group(2)) != selection[POSITIONS.index(position)] - 1:
                continue
            k = f'{m.group(1)}.{m.group(3)}'
        elif 'prompt_router' in k:
            continue
        out['module.' + k] = v
    return out


@unittest.skipUnless(os.path.isdir(GCIS), f'gCIS fixture not found at {GCIS}')
class Gcis(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='uniseg-test-gcis-')
        cls.ap = torch.load(os.path.join(GCIS, 'model.pt'), map_location='cpu')
        cls.weights = split_state(OrderedDict((k[len('module.'):], v) for k, v in cls.ap['state_dict'].items()))
        with open(os.path.join(GCIS, 'pathways.json')) as f:
            cls.pathways = json.load(f)['prompts']

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_routing_gives_the_printed_pathways(self):
        emb = np.load(os.path.join(GCIS, 'prompts.npy'))
        for i, p in enumerate(self.pathways):
            self.assertEqual([k + 1 for k in route(self.weights, torch.from_numpy(emb[i]))], p['path_selection'], p['prompt'])

    def test_trimming_rule_reproduces_the_released_file(self):
        released = torch.load(os.path.join(GCIS, 'trimmed_0', 'params.pth'), map_location='cpu')['state_dict']
        ours = trim(self.ap['state_dict'], self.pathways[0]['path_selection'])
        self.assertEqual(sorted(ours), sorted(released))
        self.assertTrue(all(torch.equal(ours[k], released[k]) for k in ours))

    def test_trimmed_files_share_the_encoder_and_dedup_blocks(self):
        files = []
        for i in (0, 1):
            path = os.path.join(self.tmp, f'task{i}.pth')
            torch.save({'epoch': 1, 'best_acc': np.float32(0.5), 'state_dict': trim(self.ap['state_dict'], self.pathways[i]['path_selection'])}, path)
            files.append((path, G.read_gcis(path)))
        G.check_same_shared(files)
        blocks, pathways = G.dedup_blocks([w for _, w in files])
        # liver 2,3,3,2,1,2,1 and left kidney 2,1,2,1,3,2,2 share only decoder10's block.
        self.assertEqual(pathways, [[1, 1, 1, 1, 1, 1, 1], [1, 2, 2, 2, 2, 1, 2]])
        self.assertEqual([len(blocks[p]) for p in POSITIONS], [1, 2, 2, 2, 2, 1, 2])

    def test_different_encoders_are_refused(self):
        state = torch.load(os.path.join(GCIS, 'trimmed_0', 'params.pth'), map_location='cpu')
        state['state_dict']['module.encoder3.layer.conv1.conv.weight'] = state['state_dict']['module.encoder3.layer.conv1.conv.weight'] + 1e-3
        other = os.path.join(self.tmp, 'other.pth')
        torch.save(state, other)
        out = os.path.join(self.tmp, 'refused')
        rc, _, err = run(G.main, [os.path.join(GCIS, 'trimmed_0', 'params.pth'), other, '--task-names', 'liver,other', '-o', out])
        self.assertEqual(rc, 1, err)
        self.assertIn('other.pth', err)
        self.assertIn('encoder3.layer.conv1.conv.weight', err)
        self.assertIn('shared encoder differs', err)
        self.assertFalse(os.path.exists(out))

    def test_truncated_checkpoint_is_refused(self):
        cut = os.path.join(self.tmp, 'cut.pt')
        with open(os.path.join(GCIS, 'model.pt'), 'rb') as f, open(cut, 'wb') as g:
            g.write(f.read(1 << 20))
        out = os.path.join(self.tmp, 'refused-cut')
        rc, _, err = run(G.main, [cut, '--prompt-embeddings', os.path.join(GCIS, 'prompts.npy'), '--prompt-texts', os.path.join(GCIS, 'prompts.json'), '-o', out])
        self.assertEqual(rc, 1, err)
        self.assertRegex(err, r'cut\.pt: not a readable torch checkpoint')
        self.assertFalse(os.path.exists(out))

    def test_wrong_mode_and_embedding_size_are_refused(self):
        trimmed = os.path.join(GCIS, 'trimmed_0', 'params.pth')
        rc, _, err = run(G.main, [trimmed, '--prompt-embeddings', os.path.join(GCIS, 'prompts.npy'), '--prompt-texts', os.path.join(GCIS, 'prompts.json'), '-o', os.path.join(self.tmp, 'x')])
        self.assertEqual(rc, 1)
        self.assertIn('has no router', err)
        small = os.path.join(self.tmp, 'small.npy')
        np.save(small, np.zeros((3, 16), np.float32))
        rc, _, err = run(G.main, [os.path.join(GCIS, 'model.pt'), '--prompt-embeddings', small, '--prompt-texts', os.path.join(GCIS, 'prompts.json'), '-o', os.path.join(self.tmp, 'x')])
        self.assertEqual(rc, 1)
        self.assertIn('embeddings have 16 dimensions; the routers take 512', err)
        rc, _, err = run(G.main, [trimmed, '-o', os.path.join(self.tmp, 'x')])
        self.assertEqual(rc, 2)
        self.assertIn('--task-names', err)

    def test_reachable_alternatives(self):
        torch.manual_seed(0)
        w, b = torch.randn(3, 16), torch.randn(3)
        self.assertEqual(reachable(w, b), [0, 1, 2])
        # A duplicate row ties with its original everywhere: the first maximum always wins.
        self.assertEqual(reachable(torch.cat([w, w[:1]]), torch.cat([b, b[:1]])), [0, 1, 2])
        # Same weights, lower bias: never the maximum.
        self.assertEqual(reachable(torch.stack([w[0], w[0], w[1]]), torch.tensor([0.0, 1.0, 0.0])), [1, 2])


@unittest.skipUnless(os.path.isdir(CLNET), f'clNet fixture not found at {CLNET}')
class Clnet(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='uniseg-test-clnet-')

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_label_specs(self):
        self.assertEqual(parse_labels(1, 'h'), [1])
        self.assertEqual(parse_labels([3, 2, 3], 'h'), [2, 3])
        self.assertEqual(parse_labels('4, 5', 'h'), [4, 5])
        self.assertEqual(parse_labels('1-3', 'h'), [1, 2, 3])
        self.assertEqual(parse_labels('4_6', 'h'), [4, 5, 6])
        self.assertEqual(parse_labels(['1-2', 7], 'h'), [1, 2, 7])
        for bad in ('liver', '3-1', 0, []):
            with self.assertRaises(ConvertError, msg=repr(bad)):
                parse_labels(bad, 'h')

    def test_ema_copy_and_pruning(self):
        ck = os.path.join(CLNET, 'results', 'clNet', '3d_fullres', 'Task002_ExampleDataset', 'clNetTrainerV2_SelectiveChannelDA_Continual_Decoding_Ensemble__clNetPlans', 'fold_0', 'model_final_checkpoint.model')
        state = torch.load(ck, map_location='cpu')['state_dict']
        w, copy = head_weights(state, 'Eyes', True, ck)
        self.assertEqual(copy, 'ema_dict.Eyes')
        key = 'tu.0.weight'
        self.assertTrue(torch.equal(w[key], state['ema_dict.Eyes.tu.0.weight_orig'] * state['ema_dict.Eyes.tu.0.weight_mask']))
        self.assertFalse(any(k.endswith(('_orig', '_mask')) for k in w))
        _, raw = head_weights(state, 'Eyes', False, ck)
        self.assertEqual(raw, 'decoder_dict.Eyes')
        # An EMA that never ran (a conv rounding to zero at 2 decimals) is not used.
        ema = OrderedDict((k[len('ema_dict.Eyes.'):], v) for k, v in state.items() if k.startswith('ema_dict.Eyes.'))
        self.assertTrue(ema_usable(ema))
        ema['conv_blocks_localization.0.0.blocks.0.conv.weight_orig'] = ema['conv_blocks_localization.0.0.blocks.0.conv.weight_orig'] * 1e-4
        self.assertFalse(ema_usable(ema))

    def test_config_naming_a_missing_task_folder_is_refused(self):
        with open(os.path.join(CLNET, 'train_cfg.json')) as f:
            cfg = json.load(f)
        cfg['Task_1']['task'] = 'Task009_Absent'
        path = os.path.join(self.tmp, 'cfg.json')
        with open(path, 'w') as f:
            json.dump(cfg, f)
        out = os.path.join(self.tmp, 'pkg')
        rc, _, err = run(CL.main, [os.path.join(CLNET, 'results'), '--config', path, '-o', out])
        self.assertEqual(rc, 1, err)
        self.assertIn('task folder "Task009_Absent" named by "Task_1"', err)
        self.assertIn('present: Task001_GeneralEncoder, Task002_ExampleDataset', err)
        self.assertFalse(os.path.exists(out))

    def test_labels_disagreeing_with_the_channels_are_refused(self):
        with open(os.path.join(CLNET, 'train_cfg.json')) as f:
            cfg = json.load(f)
        cfg['Task_1']['decoders']['Eyes'] = '2-4'
        path = os.path.join(self.tmp, 'cfg.json')
        with open(path, 'w') as f:
            json.dump(cfg, f)
        rc, _, err = run(CL.main, [os.path.join(CLNET, 'results'), '--config', path, '-o', os.path.join(self.tmp, 'pkg')])
        self.assertEqual(rc, 1, err)
        self.assertIn('head "Eyes" has 3 output channels but its label spec [2, 3, 4] needs 4', err)


if __name__ == '__main__':
    unittest.main()
