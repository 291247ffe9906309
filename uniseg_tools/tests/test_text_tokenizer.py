#!/usr/bin/python3
"""Tests of the CLIP-style BPE builder and the tiny CLIP text model (Python side).

Run: /usr/bin/python3 -m unittest discover -s uniseg_tools/tests -t . -p 'test_text_*.py'
  or /usr/bin/python3 uniseg_tools/tests/test_text_tokenizer.py

The TypeScript side (test/prompt) checks that @huggingface/tokenizers produces the ids recorded
in test/fixtures/clip-tiny/expected.json; here we check that those ids come from this encoder and
that the encoder itself behaves.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
sys.path.insert(0, ROOT)

import torch  # noqa: E402

from uniseg_tools.text import bpe  # noqa: E402
from uniseg_tools.text import clip_text  # noqa: E402
from uniseg_tools.text.corpus import corpus_lines  # noqa: E402

FIXTURE = os.path.join(ROOT, 'test', 'fixtures', 'clip-tiny')


class ByteLevel(unittest.TestCase):
    def test_alphabet_is_a_bijection_onto_printable_characters(self):
        chars = bpe.BYTE_CHARS
        self.assertEqual(len(set(chars.values())), 256)
        self.assertEqual(chars[ord('a')], 'a')
        self.assertEqual(chars[ord(' ')], '\u0120')  # space is remapped, so no piece contains one
        self.assertTrue(all(c.isprintable() and not c.isspace() for c in chars.values()))

    def test_split_pieces(self):
        self.assertEqual(bpe.split_pieces("it's t12, l1-l5!"), ['it', "'s", 't', '1', '2', ',', 'l', '1', '-', 'l', '5', '!'])
        self.assertEqual(bpe.split_pieces('a<|endoftext|>b'), ['a', '<|endoftext|>', 'b'])
        self.assertEqual(bpe.split_pieces('œdème  ≥3'), ['œdème', '≥', '3'])

    def test_normalize(self):
        self.assertEqual(bpe.normalize('Left\t\u00a0 KIDNEY'), 'left kidney')
        self.assertEqual(bpe.normalize('e\u0301'), '\u00e9')  # NFC


class Training(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tok = bpe.build_bpe(corpus_lines(), vocab_size=700)

    def test_deterministic(self):
        again = bpe.build_bpe(corpus_lines(), vocab_size=700)
        self.assertEqual(again.merges, self.tok.merges)
        self.assertEqual(again.vocab, self.tok.vocab)

    def test_vocab_layout(self):
        vocab = self.tok.vocab
        self.assertEqual(sorted(vocab.values()), list(range(len(vocab))))
        self.assertLessEqual(len(vocab), 700)
        self.assertEqual(self.tok.eos_id, len(vocab) - 1)
        self.assertEqual(self.tok.bos_id, len(vocab) - 2)
        for a, b in self.tok.merges:
            self.assertIn(a + b, vocab)
            self.assertIn(a, vocab)
            self.assertIn(b, vocab)

    def test_frequent_words_become_single_tokens(self):
        for word in ['kidney', 'liver', 'tomography']:
            self.assertEqual(self.tok.tokens(word), [word + bpe.END_OF_WORD])

    def test_round_trip(self):
        for text in ['left kidney', 'a computerized tomography of a liver tumor', 'œdème hépatique 3 cm', 'xylophone']:
            self.assertEqual(self.tok.decode(self.tok.encode(text)), text)

    def test_truncation_keeps_end_of_text(self):
        ids = self.tok.encode('left kidney ' * 100, max_length=77)
        self.assertEqual(len(ids), 77)
        self.assertEqual(ids[0], self.tok.bos_id)
        self.assertEqual(ids[-1], self.tok.eos_id)
        self.assertEqual(ids[:76], self.tok.encode('left kidney ' * 100)[:76])

    def test_written_file_reads_back(self):
        with tempfile.TemporaryDirectory() as tmp:
            bpe.write_tokenizer_json(self.tok, tmp)
            back = bpe.read_tokenizer_json(os.path.join(tmp, 'tokenizer.json'))
            with open(os.path.join(tmp, 'tokenizer_config.json')) as f:
                config = json.load(f)
        self.assertEqual(back.vocab, self.tok.vocab)
        self.assertEqual(back.merges, self.tok.merges)
        self.assertEqual(config['eos_token'], bpe.EOS)
        self.assertEqual(config['model_max_length'], 77)


class Fixture(unittest.TestCase):
    """The committed fixture agrees with this encoder and this model definition."""

    @classmethod
    def setUpClass(cls):
        with open(os.path.join(FIXTURE, 'expected.json'), encoding='utf-8') as f:
            cls.expected = json.load(f)
        cls.tok = bpe.read_tokenizer_json(os.path.join(FIXTURE, 'tokenizer.json'))

    def test_ids(self):
        for case in self.expected['tokenizer_cases']:
            self.assertEqual(self.tok.encode(case['text']), case['ids'], case['text'])
        for case in self.expected['cases']:
            ids = self.tok.encode(case['text'], max_length=self.expected['context'])
            self.assertEqual(ids, case['ids'], case['text'][:40])
            self.assertEqual(case['truncated'], case['tokens'] > self.expected['context'])

    def test_config_matches_tokenizer(self):
        with open(os.path.join(FIXTURE, 'config.json')) as f:
            config = json.load(f)
        self.assertEqual(config['vocab_size'], self.tok.size)
        self.assertEqual(config['eos_token_id'], self.tok.eos_id)


class Model(unittest.TestCase):
    def setUp(self):
        self.cfg = clip_text.ClipTextConfig(vocab_size=50, bos_token_id=48, eos_token_id=49, max_position_embeddings=16)
        self.model = clip_text.ClipTextModel(self.cfg)
        clip_text.init_random(self.model, 1)
        self.model.eval()

    def test_seeded_init_is_deterministic(self):
        other = clip_text.ClipTextModel(self.cfg)
        clip_text.init_random(other, 1)
        for (_, a), (_, b) in zip(self.model.state_dict().items(), other.state_dict().items()):
            self.assertTrue(torch.equal(a, b))

    def test_causal_and_pooled_at_end_of_text(self):
        ids = torch.tensor([[48, 5, 6, 49, 49, 49], [48, 5, 6, 7, 8, 49]])
        with torch.no_grad():
            embeds, hidden = self.model(ids)
            alone, _ = self.model(ids[:1, :4])
        self.assertEqual(tuple(embeds.shape), (2, 16))
        self.assertEqual(tuple(hidden.shape), (2, 6, 32))
        self.assertTrue(torch.allclose(embeds[0], alone[0], atol=1e-6))  # padding after EOS is invisible
        self.assertFalse(torch.allclose(embeds[0], embeds[1], atol=1e-3))

    def test_export_layout(self):
        with tempfile.TemporaryDirectory() as tmp:
            paths = clip_text.export_clip_text(self.model, tmp)
            self.assertTrue(os.path.isfile(os.path.join(tmp, 'onnx', 'text_model.onnx')))
            with open(paths['config']) as f:
                config = json.load(f)
        self.assertEqual(config['model_type'], 'clip_text_model')
        self.assertEqual(config['projection_dim'], 16)


if __name__ == '__main__':
    unittest.main()
