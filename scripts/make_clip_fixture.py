#!/usr/bin/python3
"""Make the tiny CLIP text-encoder fixture (random weights, not a real model) that uniseg's
prompt tests load through transformers.js, deterministically from a seed.

Writes (default test/fixtures/clip-tiny/):
  config.json, tokenizer.json, tokenizer_config.json, onnx/text_model.onnx
      the standard transformers.js layout of a CLIP text model with projection; the tokenizer is
      a byte-level BPE learned from uniseg_tools.text.corpus by uniseg_tools.text.bpe
  expected.json
      parity data for the TypeScript tests: token ids of raw strings (tokenizer parity) and, for
      prompts, the prepared text (normalised, template applied), its ids (truncated to the context
      with the end-of-text token kept) and the torch text_embeds (model parity)

Run with Debian's Python (torch, onnx, numpy): /usr/bin/python3 scripts/make_clip_fixture.py
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import re
import sys
import tempfile
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import torch  # noqa: E402

from uniseg_tools.text import bpe as bpe_mod  # noqa: E402
from uniseg_tools.text import clip_text  # noqa: E402
from uniseg_tools.text.corpus import corpus_lines  # noqa: E402

REPO = os.path.dirname(HERE)
DEFAULT_OUT = os.path.join(REPO, 'test', 'fixtures', 'clip-tiny')
TEMPLATE = 'a computerized tomography of a {}'
FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/text_model.onnx', 'expected.json']

# Raw strings fed straight to the tokenizer: case, white space, punctuation runs, contractions,
# digits (one token each), multi-byte UTF-8, an explicit special token, words never seen.
TOKENIZER_STRINGS = [
    'liver',
    'Left  Kidney\t(renal)',
    "the patient's liver isn't enlarged",
    'T12 vertebra, L1-L5 -- 2024',
    'Œdème hépatique ≥ 3 cm',
    'a<|endoftext|>b',
    'xylophone quokka zzz',
]

# Prompts as a user types them; the encoder normalises them (src/prompt/normalize.ts) and applies
# the template.
PROMPTS = [
    'liver',
    'Left Kidney',
    'kidney_left',
    'T12 vertebra',
    'Œdème hépatique',
    'pancreatic tumour, arterial phase!',
    'renal cell carcinoma (RCC) of the right kidney',
]


def long_prompt(words: int = 500) -> str:
    vocabulary = ['left', 'kidney', 'with', 'a', 'small', 'hypodense', 'lesion', 'near', 'the', 'upper', 'pole']
    return ' '.join(vocabulary[i % len(vocabulary)] for i in range(words))


def normalize_prompt(text: str) -> str:
    """Python twin of normalizePrompt (src/prompt/normalize.ts) for the prompts above."""
    text = unicodedata.normalize('NFKC', text).lower()
    text = re.sub(r'[_\-/]+', ' ', text)
    text = ''.join(c if unicodedata.category(c)[0] in 'LN' or c.isspace() else ' ' for c in text)
    return ' '.join(text.split())


def build(out_dir: str, args: argparse.Namespace) -> dict:
    tok = bpe_mod.build_bpe(corpus_lines(), vocab_size=args.vocab_size, model_max_length=args.context)
    bpe_mod.write_tokenizer_json(tok, out_dir)
    cfg = clip_text.ClipTextConfig(
        vocab_size=tok.size,
        hidden_size=args.hidden,
        intermediate_size=4 * args.hidden,
        num_hidden_layers=args.layers,
        num_attention_heads=args.heads,
        max_position_embeddings=args.context,
        projection_dim=args.projection,
        bos_token_id=tok.bos_id,
        eos_token_id=tok.eos_id,
        pad_token_id=tok.eos_id,
    )
    model = clip_text.ClipTextModel(cfg)
    clip_text.init_random(model, args.seed)
    model.eval()
    clip_text.export_clip_text(model, out_dir)
    check_trace(model, tok)

    tokenizer_cases = [{'text': s, 'ids': tok.encode(s)} for s in TOKENIZER_STRINGS]
    cases = []
    for prompt in [*PROMPTS, long_prompt()]:
        text = TEMPLATE.replace('{}', normalize_prompt(prompt))
        full = tok.encode(text)
        ids = tok.encode(text, max_length=args.context)
        raw = clip_text.embed(model, ids)
        cases.append({
            'prompt': prompt,
            'text': text,
            'tokens': len(full),
            'truncated': len(full) > len(ids),
            'ids': ids,
            'text_embeds': [float(v) for v in raw],
        })
    expected = {
        'about': 'made by scripts/make_clip_fixture.py; random weights, not a real model',
        'seed': args.seed,
        'template': TEMPLATE,
        'context': args.context,
        'dim': args.projection,
        'vocab_size': tok.size,
        'merges': len(tok.merges),
        'bos_id': tok.bos_id,
        'eos_id': tok.eos_id,
        'tokenizer_cases': tokenizer_cases,
        'cases': cases,
    }
    bpe_mod.write_json(os.path.join(out_dir, 'expected.json'), expected)
    return expected


def check_trace(model: clip_text.ClipTextModel, tok: bpe_mod.Bpe) -> None:
    """The pooled state must not depend on padding after the end-of-text token, and a traced
    module must reproduce eager output (no data-dependent Python control flow)."""
    a = tok.encode('left kidney')
    b = tok.encode('a computerized tomography of a liver tumor')
    padded = torch.tensor([a + [tok.eos_id] * (len(b) - len(a)), b], dtype=torch.int64)
    with torch.no_grad():
        batch, _ = model(padded)
        single = model(torch.tensor([a], dtype=torch.int64))[0][0]
        traced = torch.jit.trace(model, (padded,))(padded)[0]
    if not torch.allclose(batch[0], single, atol=1e-6):
        raise RuntimeError('padding after <|endoftext|> changed the embedding')
    if not torch.equal(traced, batch):
        raise RuntimeError('traced module differs from eager')


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', default=DEFAULT_OUT, help='output directory (default: %(default)s)')
    p.add_argument('--seed', type=int, default=5, help='weight seed (default: %(default)s)')
    p.add_argument('--vocab-size', type=int, default=1024, help='upper bound on the BPE vocabulary (default: %(default)s)')
    p.add_argument('--hidden', type=int, default=32, help='hidden size (default: %(default)s)')
    p.add_argument('--layers', type=int, default=2, help='transformer blocks (default: %(default)s)')
    p.add_argument('--heads', type=int, default=2, help='attention heads (default: %(default)s)')
    p.add_argument('--projection', type=int, default=16, help='text_embeds size (default: %(default)s)')
    p.add_argument('--context', type=int, default=77, help='context length in tokens (default: %(default)s)')
    p.add_argument('--check', action='store_true', help='regenerate in a temp dir and compare bytes with --out; exit 1 on a difference')
    args = p.parse_args()

    torch.set_num_threads(1)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            build(tmp, args)
            differ = [f for f in FILES if not filecmp.cmp(os.path.join(tmp, f), os.path.join(args.out, f), shallow=False)]
        print('identical' if not differ else f'differ: {", ".join(differ)}')
        return 1 if differ else 0
    print(f'writing {args.out} ...', flush=True)
    expected = build(args.out, args)
    print(f"vocab {expected['vocab_size']} ({expected['merges']} merges), dim {expected['dim']}, "
          f"context {expected['context']}, {len(expected['cases'])} prompt cases")
    for case in expected['cases']:
        flag = f" (truncated from {case['tokens']})" if case['truncated'] else ''
        print(f"  {len(case['ids']):3d} ids{flag}: {case['text'][:60]}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
