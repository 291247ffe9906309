#!/usr/bin/python3
"""Train the demo package's own small CLIP-architecture text encoder, contrastively, so that
paraphrases of a prompt embed near their task's canonical prompt, and export it in the
transformers.js CLIP layout.

What it does, deterministically from ``--seed``:

1. builds the training prompts: for each demo task (uniseg_tools.data.TASKS) its canonical prompt,
   aliases and name (the *anchors*, which the engine embeds too) plus synonyms, expanded by
   generators (sentence frames, left/right spelled out, abbreviated and moved, plurals inside
   frames, seeded typos, a meaningless filler word before or after); the same generators expand every other structure of
   uniseg_tools.text.corpus.STRUCTURES and a list of further anatomy, as *other classes*, so
   unrelated prompts learn to stay away from the demo tasks; non-anatomical junk (words, random
   letters) is trained only to stay away. All text is what the engine embeds: the prompt
   normalised like src/prompt/normalize.ts, put into the template;
2. refuses to start if a held-out prompt (``--heldout``), normalised the same way, is a training
   prompt (exit status 2, listing them);
3. learns a byte-level BPE from the training prompts (uniseg_tools.text.bpe);
4. trains a ClipTextModel with (a) InfoNCE of every prompt against the anchors of all classes
   (multi-positive: all anchors of its own class), (b) a margin that pulls a demo paraphrase's
   best own-anchor similarity above ``--pos-margin`` and (c) one that pushes every other prompt's
   best similarity to any demo anchor below ``--neg-margin`` (what the engine's minSimilarity
   threshold sees);
5. writes ``--out`` in the transformers.js layout (config.json, tokenizer.json,
   tokenizer_config.json, onnx/text_model.onnx) plus ``training.json`` (command, seed, sizes,
   time, losses, the task table, probe embeddings for parity), and the torch weights to
   ``--state`` (default: ``<out>.pt`` next to the directory).

Check the result through the engine's own code with scripts/check_text_encoder.ts.

Run with Debian's Python: nice -n 5 /usr/bin/python3 -m uniseg_tools text
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import re
import shlex
import sys
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from uniseg_tools.paths import DATA_DIR, REPO_ROOT  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from uniseg_tools.data import HN_TASKS, TASKS  # noqa: E402
from uniseg_tools.text import bpe as bpe_mod  # noqa: E402
from uniseg_tools.text import clip_text  # noqa: E402
from uniseg_tools.text.corpus import STRUCTURES  # noqa: E402

DEFAULT_OUT = '/work/uniseg-runs/text'
DEFAULT_HELDOUT = os.path.join(DATA_DIR, 'demo-prompts-heldout.tsv')
TEMPLATE = 'A computerized tomography of a {}'
NO_TASK = '-'


# --------------------------------------------------------------------------------------------
# Normalisation: the engine's, so training text is what the engine will embed.


def normalize_prompt(text: str) -> str:
    """Python twin of normalizePrompt (src/prompt/normalize.ts): NFKC, lower case, runs of
    ``_ - /`` as one space, everything but letters, numbers and white space as a space, white
    space collapsed, trimmed."""
    text = unicodedata.normalize('NFKC', text).lower()
    text = re.sub(r'[_\-/]+', ' ', text)
    text = ''.join(c if unicodedata.category(c)[0] in 'LN' or c.isspace() else ' ' for c in text)
    return ' '.join(text.split())


def apply_template(template: str, normalised: str) -> str:
    return template.replace('{}', normalised, 1)


# --------------------------------------------------------------------------------------------
# Training prompts.

# Synonyms of the demo tasks beyond their prompt/aliases and corpus.STRUCTURES.
DEMO_SYNONYMS: Dict[str, Sequence[str]] = {
    'liver': ['liver', 'hepatic parenchyma', 'whole liver', 'liver tissue', 'hepatic tissue', 'hepar'],
    'spleen': ['spleen', 'splenic parenchyma', 'spleen tissue', 'splenic organ'],
    'kidney_left': ['left kidney', 'left renal parenchyma', 'left kidney parenchyma', 'left renal organ',
                    'sinistral kidney'],
    'kidney_right': ['right kidney', 'right renal parenchyma', 'right kidney parenchyma', 'right renal organ',
                     'dextral kidney'],
    'aorta': ['aorta', 'abdominal aorta', 'thoracic aorta', 'aortic wall', 'aortic blood pool', 'aorta artery',
              'main artery'],
    'lungs': ['lungs', 'lung', 'bilateral lungs', 'lung tissue', 'pulmonary parenchyma', 'lungs left and right',
              'right lung and left lung', 'left lung and right lung', 'the two lungs', 'pulmonary lobes'],
    'vertebrae': ['vertebrae', 'spine', 'vertebra', 'spinal vertebrae', 'vertebral bones', 'spinal bones',
                  'backbone', 'the whole spine', 'thoracolumbar spine', 'spine vertebrae', 'vertebral segments'],
    'liver_tumor': ['liver tumor', 'liver tumour', 'liver lesion', 'hepatic lesion', 'hepatocellular carcinoma',
                    'liver neoplasm', 'hepatic neoplasm', 'lesion of the liver', 'liver carcinoma',
                    'liver metastasis', 'hepatic malignancy', 'liver tumor lesion', 'hepatic mass lesion'],
    'kidney_tumor': ['kidney tumor', 'kidney tumour', 'renal tumor', 'renal mass', 'renal cell carcinoma',
                     'kidney neoplasm', 'lesion of the kidney', 'renal lesion', 'kidney carcinoma',
                     'renal malignancy', 'kidney tumor lesion', 'renal mass lesion'],
}

# The head-and-neck organs of the universal demo (--task-set universal), same role as above.
HN_SYNONYMS: Dict[str, Sequence[str]] = {
    'brainstem': ['brainstem', 'brain stem', 'the brainstem', 'pons and medulla oblongata', 'brainstem parenchyma'],
    'spinal_cord': ['spinal cord', 'cord', 'the spinal cord', 'spinal medulla', 'myelon'],
    'parotid_left': ['left parotid', 'left parotid gland', 'parotid gland left', 'l parotid', 'parotid left', 'sinistral parotid'],
    'parotid_right': ['right parotid', 'right parotid gland', 'parotid gland right', 'r parotid', 'parotid right', 'dextral parotid'],
    'mandible': ['mandible', 'jaw', 'lower jaw', 'jaw bone', 'mandibula', 'the mandible'],
    'larynx': ['larynx', 'voice box', 'the larynx', 'laryngeal structures'],
    'esophagus': ['esophagus', 'oesophagus', 'gullet', 'the esophagus', 'esophageal tube'],
}
DEMO_SYNONYMS = {**DEMO_SYNONYMS, **HN_SYNONYMS}
#: Demo task sets: the phantom demo's nine tasks, or those plus the head-and-neck organs.
TASK_SETS = {'phantom': tuple(TASKS), 'universal': tuple(TASKS) + tuple(HN_TASKS)}
DEFAULT_HELDOUT_HN = os.path.join(DATA_DIR, 'demo-prompts-heldout-hn.tsv')

# Other structures, trained as their own classes (besides corpus.STRUCTURES). The first phrase
# of each is its anchor.
OTHER_STRUCTURES: Dict[str, Sequence[str]] = {
    'kidneys_both': ['kidneys', 'bilateral kidneys', 'left and right kidneys', 'kidneys left and right',
                     'right kidney and left kidney', 'the two kidneys'],
    'sternum': ['sternum', 'breastbone'],
    'clavicle': ['clavicle', 'collarbone'],
    'scapula': ['scapula', 'shoulder blade'],
    'humerus': ['humerus', 'upper arm bone'],
    'sacrum': ['sacrum', 'sacral bone'],
    'hip': ['hip bone', 'pelvic bone', 'pelvis'],
    'ribs': ['ribs', 'rib', 'costal bones'],
    'rectum': ['rectum', 'rectal wall'],
    'ovary': ['ovary', 'ovaries'],
    'pulmonary_artery': ['pulmonary artery', 'pulmonary trunk'],
    'iliac_artery': ['iliac artery', 'common iliac artery'],
    'celiac_trunk': ['celiac trunk', 'coeliac axis'],
    'mesenteric_artery': ['superior mesenteric artery', 'sma'],
    'gluteus': ['gluteus maximus', 'gluteal muscle'],
    'fat': ['subcutaneous fat', 'visceral fat', 'body fat'],
    'skin': ['skin', 'body surface'],
    'body': ['body', 'whole body', 'patient body'],
    'lymph_node': ['lymph node', 'lymph nodes'],
    'mediastinum': ['mediastinum', 'mediastinal fat'],
    'pleural_effusion': ['pleural effusion', 'pleural fluid'],
    'ascites': ['ascites', 'free abdominal fluid'],
    'pericardium': ['pericardium', 'pericardial sac'],
    'diaphragm': ['diaphragm', 'diaphragmatic muscle'],
    'bile_duct': ['bile duct', 'common bile duct'],
    'larynx': ['larynx', 'voice box'],
    'bone_lesion': ['bone metastasis', 'bone lesion', 'osseous lesion'],
    'adrenal_tumor': ['adrenal tumor', 'adrenal mass', 'adrenal adenoma'],
    'bladder_tumor': ['bladder tumor', 'bladder cancer'],
    'hepatic_artery': ['hepatic artery', 'common hepatic artery'],
    'renal_vein': ['renal vein', 'left renal vein', 'right renal vein'],
    'splenic_artery': ['splenic artery'],
    'gastric_artery': ['left gastric artery', 'gastric artery'],
    # Single vertebrae other than those of corpus.STRUCTURES (L3 is left out: a held-out line names it).
    'vertebra_level': [f'vertebra {v}' for v in [*(f'C{i}' for i in range(1, 8)), *(f'T{i}' for i in range(1, 12)), 'L2', 'L4']]
    + [f'{v} vertebra' for v in [*(f'C{i}' for i in range(1, 8)), *(f'T{i}' for i in range(1, 12)), 'L2', 'L4']]
    + ['a single vertebra', 'one vertebra', 'second cervical vertebra', 'tenth thoracic vertebra'],
}

# Sentence frames put around a structure's phrase (the engine's template goes around these).
FRAMES: Sequence[str] = (
    '{}', 'the {}', 'segment the {}', 'segment {}', '{} segmentation', 'segmentation of the {}',
    'segmentation of {}', 'delineate the {}', 'a computed tomography scan of the {}', 'a ct image of a {}',
    'the {} on abdominal ct', 'ct scan of the {}', '{} on ct', '{} in ct', 'outline the {}', 'contour of the {}',
    '{} contour', '{} label', 'label {}', '{} region', 'region of the {}', 'find the {}', '{} roi',
    'mask the {}', 'annotate the {}', 'please segment {}', 'can you segment the {}', 'i want the {}',
    'extract the {}', '{} only', 'just the {}', 'ct {}', '{} in this image', 'organ {}', 'target {}',
    'structure {}', 'get the {}', '{} volume', 'highlight the {}', 'the {} please', 'image of the {}',
)

SIDES = {'left': ('l', 'lt', 'lft'), 'right': ('r', 'rt', 'rgt')}
# Abbreviations that also follow the noun ("kidney lt"); the single letters only precede it.
POSTFIX_ABBREVIATIONS = {'left': ('lt', 'lft'), 'right': ('rt', 'rgt')}
IRREGULAR_PLURALS = {'vertebra': 'vertebrae', 'metastasis': 'metastases', 'fat': 'fat', 'body': 'bodies'}

# Non-anatomical prompts: trained only to keep away from every demo task.
JUNK_WORDS: Sequence[str] = (
    'table', 'chair', 'window', 'car', 'banana', 'apple', 'music', 'river', 'mountain', 'computer', 'keyboard',
    'pizza', 'coffee', 'garden', 'dog', 'cat', 'house', 'street', 'yellow', 'blue', 'green', 'happy', 'quickly',
    'everything', 'nothing', 'something', 'anything', 'all', 'none', 'image', 'scan', 'picture', 'foo', 'bar',
    'lorem ipsum', 'example', 'sample', 'default', 'unknown', 'background', 'noise', 'artifact', 'contrast',
    'weather', 'football', 'guitar', 'ocean', 'cloud', 'pencil', 'paper', 'bottle', 'phone', 'train', 'plane',
    'segment', 'segmentation', 'mask', 'label', 'organ', 'structure', 'tissue', 'tumor', 'lesion', 'left', 'right',
    'abc', 'xyz', 'qwerty', '123', 'ok', 'yes', 'no', 'maybe', 'please', 'thanks', 'help',
)


# Words that mean nothing here, put before or after a phrase ("liver banana" is still the liver):
# unknown words around a structure's name should not move it to another class.
FILLER_WORDS: Sequence[str] = (
    'table', 'chair', 'window', 'car', 'banana', 'apple', 'music', 'river', 'mountain', 'computer', 'keyboard',
    'pizza', 'coffee', 'garden', 'dog', 'cat', 'house', 'street', 'yellow', 'blue', 'green', 'happy', 'quickly',
    'foo', 'bar', 'weather', 'football', 'guitar', 'ocean', 'cloud', 'pencil', 'paper', 'bottle', 'phone',
    'train', 'plane', 'qwerty', 'abc', 'xyz',
)


@dataclass
class Klass:
    name: str
    demo: bool
    anchors: List[str]
    phrases: List[str] = field(default_factory=list)


def _side_variants(phrase: str) -> List[str]:
    """``left kidney`` → left kidney, kidney left, l kidney, lt kidney, lft kidney, kidney lt, kidney lft."""
    words = phrase.split()
    out = [phrase]
    for side, abbreviations in SIDES.items():
        if side not in words or len(words) < 2:
            continue
        rest = [w for w in words if w != side]
        if rest[0] == 'the':
            rest = rest[1:]
        if not rest or ' and ' in f' {phrase} ':
            continue
        core = ' '.join(rest)
        out += [f'{side} {core}', f'{core} {side}']
        out += [f'{a} {core}' for a in abbreviations]
        out += [f'{core} {a}' for a in POSTFIX_ABBREVIATIONS[side]]
    return out


def plural(word: str) -> Optional[str]:
    """English plural of a noun, or None for a word that looks plural (or uncountable) already."""
    if word in IRREGULAR_PLURALS:
        return IRREGULAR_PLURALS[word]
    if word.endswith(('s', 'ae')) or not word.isalpha():
        return None
    if word.endswith(('x', 'ch', 'sh')):
        return word + 'es'
    if word.endswith('y') and word[-2:-1] not in 'aeiou':
        return word[:-1] + 'ies'
    return word + 's'


def _plural_variant(phrase: str) -> Optional[str]:
    """The phrase with its last word in the plural ("left kidney" → "left kidneys"), if any."""
    words = phrase.split()
    p = plural(words[-1])
    return ' '.join([*words[:-1], p]) if p and p != words[-1] else None


def _typo(word: str, rng: random.Random) -> str:
    """One deletion, transposition or substitution inside a word (never the first letter)."""
    i = rng.randrange(1, len(word) - 1)
    op = rng.randrange(3)
    if op == 0:
        return word[:i] + word[i + 1:]
    if op == 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + rng.choice('abcdefghijklmnopqrstuvwxyz') + word[i + 1:]


def _unique(items: Iterable[str]) -> List[str]:
    seen, out = set(), []
    for s in items:
        if s and s not in seen:
            seen.add(s)
            out.append(s)
    return out


def build_classes(typo_rate: float, seed: int, filler_rate: float = 0.0, tasks: Sequence = TASKS) -> Tuple[List[Klass], List[str]]:
    """The demo classes (first, in ``tasks`` order), the other classes, and the junk prompts; every
    text normalised like the engine does. Deterministic for a seed."""
    rng = random.Random(seed * 7919 + 17)
    demo_names = [t.name for t in tasks]
    classes: List[Klass] = []
    for task in tasks:
        anchors = _unique(normalize_prompt(t) for t in (task.prompt, *task.aliases, task.name))
        base = [*anchors, *STRUCTURES.get(task.name, ()), *DEMO_SYNONYMS.get(task.name, ())]
        classes.append(Klass(task.name, True, anchors, [normalize_prompt(p) for p in base]))
    others = {k: v for k, v in STRUCTURES.items() if k not in demo_names}
    others.update(OTHER_STRUCTURES)
    for name, phrases in others.items():
        base = [normalize_prompt(p) for p in phrases]
        classes.append(Klass(name, False, _unique(base[:2]), base))

    clean_all: set = set()
    for k in classes:
        expanded: List[str] = []
        # A leading "the" comes from the frames ("the {}", "segment the {}"), not from the phrase.
        # Plurals ("left kidneys", "liver tumours") only inside sentence frames, never bare: the
        # bare plural forms are left to generalisation (the held-out set has several).
        for phrase in _unique(re.sub(r'^the ', '', p) for p in k.phrases):
            for s in _side_variants(phrase):
                expanded += [normalize_prompt(f.replace('{}', s)) for f in FRAMES]
                p = _plural_variant(s)
                if p:
                    expanded += [normalize_prompt(f.replace('{}', p)) for f in FRAMES if f != '{}']
        k.phrases = _unique([*k.anchors, *expanded])
        clean_all.update(k.phrases)
    # Seeded typos in the bare phrases (not in frames): one per phrase with probability typo_rate.
    for k in classes:
        bare = [p for p in k.phrases if len(p.split()) <= 3]
        typos = []
        for p in bare:
            words = p.split()
            long = [i for i, w in enumerate(words) if len(w) >= 5]
            if long and rng.random() < typo_rate:
                i = rng.choice(long)
                words[i] = _typo(words[i], rng)
                typos.append(' '.join(words))
        k.phrases += [t for t in _unique(typos) if t not in clean_all]
    # Filler: one meaningless word (a FILLER_WORDS word or random letters) before or after some
    # short phrases, with probability filler_rate (its own generator: rate 0 changes nothing else).
    if filler_rate > 0:
        frng = random.Random(seed * 104729 + 3)
        for k in classes:
            fillers = []
            for p in [p for p in k.phrases if len(p.split()) <= 3]:
                if frng.random() < filler_rate:
                    w = frng.choice(FILLER_WORDS) if frng.random() < 0.7 else ''.join(
                        frng.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(frng.randint(2, 5)))
                    fillers.append(f'{w} {p}' if frng.random() < 0.5 else f'{p} {w}')
            k.phrases += [f for f in _unique(fillers) if f not in clean_all]

    junk = [normalize_prompt(w) for w in JUNK_WORDS]
    junk += [normalize_prompt(f.replace('{}', w)) for w in JUNK_WORDS[:40] for f in FRAMES[:12]]
    letters = 'abcdefghijklmnopqrstuvwxyz'
    junk += [''.join(rng.choice(letters) for _ in range(rng.randint(3, 10))) for _ in range(300)]
    junk = [j for j in _unique(junk) if j not in clean_all]
    return classes, junk


# --------------------------------------------------------------------------------------------
# Held-out prompts and the leak check.


def read_heldout(path: str) -> List[Tuple[str, str]]:
    """``prompt<TAB>task`` lines; ``#`` comments and blank lines skipped."""
    rows = []
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            parts = line.split('\t')
            if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
                raise ValueError(f'{path}:{n}: expected "prompt<TAB>task", got {line!r}')
            rows.append((parts[0], parts[1].strip()))
    return rows


def leaks(heldout: Sequence[Tuple[str, str]], training: Iterable[str]) -> List[Tuple[str, str]]:
    """Held-out prompts whose normalised text is a training prompt: (prompt, normalised)."""
    train = set(training)
    return [(p, normalize_prompt(p)) for p, _ in heldout if normalize_prompt(p) in train]


def file_sha256(path: str) -> str:
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


# --------------------------------------------------------------------------------------------
# Training.


def pad_batch(rows: Sequence[Sequence[int]], pad: int) -> torch.Tensor:
    width = max(len(r) for r in rows)
    return torch.tensor([list(r) + [pad] * (width - len(r)) for r in rows], dtype=torch.int64)


def unit_embed(model: clip_text.ClipTextModel, rows: Sequence[Sequence[int]], pad: int) -> torch.Tensor:
    out, _ = model(pad_batch(rows, pad))
    return F.normalize(out, dim=-1)


@dataclass
class Data:
    tok: bpe_mod.Bpe
    classes: List[Klass]
    junk: List[str]
    template: str
    context: int
    ids: Dict[str, List[int]] = field(default_factory=dict)

    def encode(self, text: str) -> List[int]:
        if text not in self.ids:
            self.ids[text] = self.tok.encode(apply_template(self.template, text), max_length=self.context)
        return self.ids[text]


def evaluate(model, data: Data, texts_by_class: Sequence[Tuple[int, List[str]]], junk: Sequence[str]) -> dict:
    """Training-set diagnostics in the engine's terms: only the demo anchors are indexed."""
    pad = data.tok.eos_id
    demo = [(ci, a) for ci, k in enumerate(data.classes) if k.demo for a in k.anchors]
    model.eval()
    with torch.no_grad():
        anchors = unit_embed(model, [data.encode(a) for _, a in demo], pad)
        owner = torch.tensor([ci for ci, _ in demo])
        correct = total = 0
        pos_sims, neg_sims = [], []
        for ci, texts in texts_by_class:
            z = unit_embed(model, [data.encode(t) for t in texts], pad)
            s = z @ anchors.T
            best, idx = s.max(dim=1)
            if data.classes[ci].demo:
                correct += int((owner[idx] == ci).sum())
                total += len(texts)
                pos_sims += best.tolist()
            else:
                neg_sims += best.tolist()
        z = unit_embed(model, [data.encode(t) for t in junk], pad)
        junk_sims = (z @ anchors.T).max(dim=1).values.tolist()
    model.train()
    return {
        'demo_accuracy': correct / max(total, 1),
        'demo_min_similarity': min(pos_sims),
        'demo_p05_similarity': float(np.percentile(pos_sims, 5)),
        'other_max_similarity': max(neg_sims),
        'other_p95_similarity': float(np.percentile(neg_sims, 95)),
        'junk_max_similarity': max(junk_sims),
    }


def train(args: argparse.Namespace, log=print) -> dict:
    started = time.time()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    rng = random.Random(args.seed)

    tasks = TASK_SETS[args.task_set]
    classes, junk = build_classes(args.typo_rate, args.seed, args.filler_rate, tasks)
    training_texts = [t for k in classes for t in k.phrases] + junk
    heldout = [row for path in (args.heldout or []) for row in read_heldout(path)]
    leaked = leaks(heldout, training_texts)
    if leaked:
        lines = '\n'.join(f'  {p!r} (normalised {n!r})' for p, n in leaked)
        raise LeakError(f'{len(leaked)} held-out prompt(s) of {", ".join(args.heldout)} are training prompts:\n{lines}')

    # BPE from every distinct training text once, plus the template.
    bpe_corpus = [apply_template(args.template, '')] + sorted(set(training_texts))
    tok = bpe_mod.build_bpe(bpe_corpus, vocab_size=args.vocab_size, model_max_length=args.context)
    data = Data(tok, classes, junk, args.template, args.context)

    cfg = clip_text.ClipTextConfig(
        vocab_size=tok.size, hidden_size=args.hidden, intermediate_size=args.mlp or 4 * args.hidden,
        num_hidden_layers=args.layers, num_attention_heads=args.heads, max_position_embeddings=args.context,
        projection_dim=args.projection, bos_token_id=tok.bos_id, eos_token_id=tok.eos_id, pad_token_id=tok.eos_id,
    )
    model = clip_text.ClipTextModel(cfg)
    clip_text.init_random(model, args.seed)
    params = sum(p.numel() for p in model.parameters())
    log(f'classes {len(classes)} ({sum(k.demo for k in classes)} demo), training prompts {len(training_texts)} '
        f'(junk {len(junk)}), held-out {len(heldout)} checked, vocab {tok.size} ({len(tok.merges)} merges), '
        f'parameters {params}')

    anchor_owner = [ci for ci, k in enumerate(classes) for _ in k.anchors]
    anchor_texts = [a for k in classes for a in k.anchors]
    owner = torch.tensor(anchor_owner)
    is_demo_anchor = torch.tensor([classes[ci].demo for ci in anchor_owner])
    demo_ids = [ci for ci, k in enumerate(classes) if k.demo]
    other_ids = [ci for ci, k in enumerate(classes) if not k.demo]
    pad = tok.eos_id

    # A fixed evaluation sample of training texts (not the held-out set).
    eval_rng = random.Random(args.seed + 1)
    eval_sets = [(ci, eval_rng.sample(k.phrases, min(60, len(k.phrases)))) for ci, k in enumerate(classes)]
    eval_junk = eval_rng.sample(junk, min(200, len(junk)))

    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay, betas=(0.9, 0.98))
    n_demo = int(args.batch * args.demo_fraction)
    n_junk = int(args.batch * args.junk_fraction)
    n_other = args.batch - n_demo - n_junk
    losses: List[dict] = []
    model.train()
    for step in range(1, args.steps + 1):
        lr = args.lr * min(1.0, step / args.warmup) * 0.5 * (1 + math.cos(math.pi * (step - 1) / args.steps))
        for g in opt.param_groups:
            g['lr'] = lr
        labels = [rng.choice(demo_ids) for _ in range(n_demo)] + [rng.choice(other_ids) for _ in range(n_other)]
        texts = [rng.choice(classes[ci].phrases) for ci in labels] + [rng.choice(junk) for _ in range(n_junk)]
        rows = [data.encode(t) for t in texts] + [data.encode(a) for a in anchor_texts]
        z_all = unit_embed(model, rows, pad)
        z, anchors = z_all[: len(texts)], z_all[len(texts):]
        sims = z @ anchors.T  # [batch, anchors]
        y = torch.tensor(labels)
        labelled = sims[: len(labels)]
        positive = owner[None, :] == y[:, None]
        logits = labelled / args.tau
        nce = (torch.logsumexp(logits, dim=1) - torch.logsumexp(logits.masked_fill(~positive, float('-inf')), dim=1)).mean()
        # Anchors among themselves: each anchor is a prompt of its own class too.
        a_logits = (anchors @ anchors.T) / args.tau
        a_pos = owner[None, :] == owner[:, None]
        nce_anchor = (torch.logsumexp(a_logits, dim=1) - torch.logsumexp(a_logits.masked_fill(~a_pos, float('-inf')), dim=1)).mean()
        demo_best_own = labelled[:n_demo].masked_fill(~positive[:n_demo], -2.0).max(dim=1).values
        pos_margin = F.relu(args.pos_margin - demo_best_own).mean()
        not_demo = torch.cat([labelled[n_demo:], sims[len(labels):]])  # other classes + junk
        neg_best = not_demo.masked_fill(~is_demo_anchor[None, :], -2.0).max(dim=1).values
        neg_margin = F.relu(neg_best - args.neg_margin).mean()
        # Demo prompts must not come close to another demo task's anchors either.
        cross = labelled[:n_demo].masked_fill(positive[:n_demo] | ~is_demo_anchor[None, :], -2.0).max(dim=1).values
        cross_margin = F.relu(cross - args.neg_margin).mean()
        loss = nce + 0.5 * nce_anchor + args.margin_weight * (pos_margin + neg_margin + cross_margin)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % args.log_every == 0 or step == args.steps:
            entry = {'step': step, 'lr': round(lr, 7), 'loss': round(loss.item(), 5), 'nce': round(nce.item(), 5),
                     'pos_margin': round(pos_margin.item(), 5), 'neg_margin': round(neg_margin.item(), 5),
                     'cross_margin': round(cross_margin.item(), 5)}
            if step % args.eval_every == 0 or step == args.steps:
                entry['eval'] = {k: round(v, 4) for k, v in evaluate(model, data, eval_sets, eval_junk).items()}
            losses.append(entry)
            log(json.dumps(entry))
    model.eval()
    return {
        'model': model, 'tok': tok, 'classes': classes, 'junk': junk, 'data': data, 'heldout': heldout,
        'params': params, 'losses': losses, 'seconds': time.time() - started, 'training_texts': len(training_texts),
    }


class LeakError(RuntimeError):
    pass


# --------------------------------------------------------------------------------------------
# Output.

PROBES = ['liver', 'left kidney', 'kidney left', 'right kidney', 'kidney tumor', 'pancreas']


def write_outputs(args: argparse.Namespace, result: dict, argv: Sequence[str]) -> dict:
    model, tok = result['model'], result['tok']
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    bpe_mod.write_tokenizer_json(tok, out)
    paths = clip_text.export_clip_text(model, out)
    state = os.path.abspath(args.state or out.rstrip('/') + '.pt')
    torch.save({'config': asdict(model.cfg), 'state_dict': model.state_dict(), 'template': args.template,
                'merges': tok.merges}, state)
    probes = []
    for p in PROBES:
        text = apply_template(args.template, normalize_prompt(p))
        ids = tok.encode(text, max_length=args.context)
        probes.append({'prompt': p, 'text': text, 'ids': ids,
                       'text_embeds': [round(float(v), 7) for v in clip_text.embed(model, ids)]})
    doc = {
        'about': 'demo text encoder trained by python3 -m uniseg_tools text; check with scripts/check_text_encoder.ts',
        'command': ' '.join(shlex.quote(a) for a in ['/usr/bin/python3', *argv]),
        'seed': args.seed,
        'steps': args.steps,
        'seconds': round(result['seconds'], 1),
        'threads': args.threads,
        'torch': torch.__version__,
        'template': args.template,
        'tasks': [{'name': t.name, 'prompt': t.prompt, 'aliases': list(t.aliases)} for t in TASK_SETS[args.task_set]],
        'heldout': {'file': ', '.join(os.path.relpath(h, REPO_ROOT) for h in args.heldout) if args.heldout else None,
                    'sha256': ', '.join(file_sha256(h) for h in args.heldout) if args.heldout else None,
                    'lines': len(result['heldout']), 'leaks': 0},
        'vocab_size': tok.size,
        'merges': len(tok.merges),
        'parameters': result['params'],
        'onnx_bytes': os.path.getsize(paths['onnx']),
        'config': asdict(model.cfg),
        'hyperparameters': {k: getattr(args, k) for k in (
            'batch', 'lr', 'warmup', 'weight_decay', 'tau', 'pos_margin', 'neg_margin', 'margin_weight',
            'demo_fraction', 'junk_fraction', 'typo_rate', 'filler_rate', 'vocab_size')},
        'data': {'classes': len(result['classes']), 'demo_classes': sum(k.demo for k in result['classes']),
                 'training_prompts': result['training_texts'], 'junk_prompts': len(result['junk']),
                 'anchors': {k.name: k.anchors for k in result['classes']}},
        'state_dict': state,
        'losses': result['losses'],
        'probes': probes,
    }
    bpe_mod.write_json(os.path.join(out, 'training.json'), doc)
    return doc


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', default=DEFAULT_OUT, help='output directory, transformers.js layout (default: %(default)s)')
    p.add_argument('--state', default=None, help='torch weights file (default: <out>.pt)')
    p.add_argument('--heldout', action='append', default=None, help='held-out prompts that must not be trained on (repeatable; default: the task set\'s lists under uniseg_tools/data)')
    p.add_argument('--task-set', choices=sorted(TASK_SETS), default='phantom', help='demo tasks: the phantom demo\'s nine, or those plus the head-and-neck organs (default: %(default)s)')
    p.add_argument('--template', default=TEMPLATE, help='prompt template of the package (default: %(default)s)')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--threads', type=int, default=1, help='torch threads (fixed, for determinism; default: %(default)s)')
    p.add_argument('--steps', type=int, default=800)
    p.add_argument('--batch', type=int, default=160)
    p.add_argument('--lr', type=float, default=2e-3)
    p.add_argument('--warmup', type=int, default=100)
    p.add_argument('--weight-decay', type=float, default=0.01)
    p.add_argument('--tau', type=float, default=0.07, help='InfoNCE temperature')
    p.add_argument('--pos-margin', type=float, default=0.85, help='demo paraphrase vs own anchor: at least this')
    p.add_argument('--neg-margin', type=float, default=0.45, help='other prompts vs any demo anchor: at most this')
    p.add_argument('--margin-weight', type=float, default=2.0)
    p.add_argument('--demo-fraction', type=float, default=0.5)
    p.add_argument('--junk-fraction', type=float, default=0.1)
    p.add_argument('--typo-rate', type=float, default=0.3, help='share of bare phrases that also get one typo variant')
    p.add_argument('--filler-rate', type=float, default=0.3, help='share of short phrases that also get a meaningless word before or after')
    p.add_argument('--vocab-size', type=int, default=1200)
    p.add_argument('--context', type=int, default=77)
    p.add_argument('--hidden', type=int, default=128)
    p.add_argument('--mlp', type=int, default=0, help='MLP width (default: 4 x hidden)')
    p.add_argument('--layers', type=int, default=2)
    p.add_argument('--heads', type=int, default=4)
    p.add_argument('--projection', type=int, default=64)
    p.add_argument('--log-every', type=int, default=50)
    p.add_argument('--eval-every', type=int, default=200)
    args = p.parse_args(argv)
    if args.heldout is None:
        args.heldout = [DEFAULT_HELDOUT] + ([DEFAULT_HELDOUT_HN] if args.task_set == 'universal' else [])
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    try:
        result = train(args, log=lambda *a: print(*a, flush=True))
    except LeakError as e:
        print(f'refusing to train: {e}', file=sys.stderr)
        return 2
    doc = write_outputs(args, result, [os.path.relpath(__file__), *argv])
    print(f"wrote {os.path.abspath(args.out)} (onnx {doc['onnx_bytes']} bytes, {doc['parameters']} parameters, "
          f"vocab {doc['vocab_size']}) and {doc['state_dict']} in {doc['seconds']} s")
    return 0


if __name__ == '__main__':
    sys.exit(main())
