"""Pinned, distinct pathways: tasks on one pathway compute one output, so pinning separates them."""
import os
import sys
import unittest

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
from uniseg_tools.data import task_table  # noqa: E402
from uniseg_tools.train.models import PIN_MARGIN, PathwayAdapter, distinct_pathways  # noqa: E402
from uniseg_tools.train.routing import gumbel_softmax_st  # noqa: E402
from uniseg_tools.nets.pathways import PathwayNet  # noqa: E402


class DistinctPathways(unittest.TestCase):
    def test_moves_only_later_duplicates_at_decoder1_first(self):
        got = distinct_pathways({'a': [1, 2, 1, 1, 2, 4, 2], 'b': [1, 2, 1, 1, 2, 4, 2], 'c': [2, 2, 2, 2, 2, 2, 2]}, ['a', 'b', 'c'], 4)
        self.assertEqual(got['a'], [1, 2, 1, 1, 2, 4, 2])
        self.assertEqual(got['c'], [2, 2, 2, 2, 2, 2, 2])
        self.assertEqual(got['b'][:5], [1, 2, 1, 1, 2])
        self.assertNotEqual(got['b'][5], 4)
        self.assertEqual(got['b'][6], 2)

    def test_many_tasks_on_one_pathway_all_become_distinct(self):
        same = {str(i): [1] * 7 for i in range(12)}
        got = distinct_pathways(same, list(same), 2)
        self.assertEqual(len({tuple(p) for p in got.values()}), 12)


class PinnedAdapter(unittest.TestCase):
    def test_pinned_pathway_is_what_training_and_evaluation_select(self):
        torch.manual_seed(0)
        tasks = task_table()[:3]
        net = PathwayNet(out_channels=2, feature_size=12, depths=(1, 1, 1, 1), alternatives=3)
        adapter = PathwayAdapter(net, tasks, embed_dim=8, mix='selected')
        pins = {t.name: [1 + (i + j) % 3 for j in range(7)] for i, t in enumerate(tasks)}
        adapter.pin(pins)
        self.assertEqual(adapter.pathways(), pins)
        g = torch.Generator().manual_seed(1)
        for i, t in enumerate(tasks):
            for _ in range(20):
                w = gumbel_softmax_st(adapter.router_logits(i), 0.3, g)
                self.assertEqual([int(v) + 1 for v in w.argmax(-1)], pins[t.name])
                self.assertTrue(torch.allclose(w.max(-1).values, torch.ones(7)))
        self.assertEqual(PIN_MARGIN, 50.0)
        with self.assertRaises(ValueError):
            adapter.pin({t.name: [1] * 7 for t in tasks})


if __name__ == '__main__':
    unittest.main()
