"""The package router, distilled from the trained pathways onto text embeddings.

The training router reads a learnable per-task embedding, not text. The package router maps the
prompt's CLIP text embedding (computed by the engine itself, ``scripts/embed_texts.ts``: same
normalisation and template) to pathway logits ``[N, stages, K]``. It is a small MLP trained here
with a cross-entropy per stage on the embeddings of every task's canonical prompt, aliases, name
and paraphrases, each labelled with the (renumbered) pathway of the task the engine's
nearest-text rule resolves it to, until the argmax reproduces that pathway on all of them with a
margin.

Stages keep different numbers of alternatives (K'), the router tensor has one K: ``K = max K'``
and the logits of alternatives a stage does not have are a constant ``PAD`` (-1e4), so an argmax
over the K entries never picks them.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ..text.corpus import STRUCTURES
from .node import run_tsx

PAD = -1e4

#: Extra ways to ask for the demo tasks (added to ``text.corpus.STRUCTURES`` where it has the task).
EXTRA_PARAPHRASES: Dict[str, Sequence[str]] = {
    'liver': ['liver parenchyma', 'hepatic'],
    'spleen': ['splenic'],
    'kidney_left': ['left renal', 'left kidney parenchyma'],
    'kidney_right': ['right renal', 'right kidney parenchyma'],
    'aorta': ['aortic lumen'],
    'lungs': ['both lungs', 'the lungs', 'lung fields', 'pulmonary parenchyma', 'left and right lung'],
    'vertebrae': ['vertebral bodies', 'the spine', 'spinal column', 'vertebral column', 'backbone'],
    'liver_tumor': ['liver tumors', 'hepatic tumor'],
    'kidney_tumor': ['kidney tumors', 'renal lesion'],
}


def index_texts(task: dict) -> List[str]:
    """The texts the engine indexes for a task (routing.ts taskTexts): prompt, aliases, name."""
    return [task['prompt'], *task['aliases'], task['name']]


def task_texts(task: dict) -> List[str]:
    """Index texts plus paraphrases, without duplicates (exact strings)."""
    out: List[str] = []
    for t in [*index_texts(task), *STRUCTURES.get(task['name'], ()), *EXTRA_PARAPHRASES.get(task['name'], ())]:
        if t not in out:
            out.append(t)
    return out


def embed(texts: Sequence[str], text_dir: str, template: str, raw: bool = False) -> Tuple[np.ndarray, List[str]]:
    """Unit embeddings [N, D] (``raw``: the model's text_embeds before L2 normalisation) and
    prepared texts, computed by the engine's CLIP encoder."""
    with tempfile.TemporaryDirectory(prefix='uniseg-embed-') as tmp:
        src, dst = os.path.join(tmp, 'in.json'), os.path.join(tmp, 'out.json')
        with open(src, 'w') as f:
            json.dump(list(texts), f)
        proc = run_tsx('embed_texts.ts', ['--text', text_dir, '--template', template, *(['--raw'] if raw else []), src, dst], capture=True)
        if proc.returncode != 0:
            raise RuntimeError(f'scripts/embed_texts.ts failed: {proc.stderr.strip()}')
        with open(dst) as f:
            out = json.load(f)
    return np.asarray(out['embeddings'], dtype=np.float32), list(out['prepared'])


class DistilledRouter(nn.Module):
    """``text_embedding [N, D]`` → ``pathway_logits [N, stages, K]``: standardise, Linear, GELU,
    Linear, plus a constant ``PAD`` on alternatives a stage does not have."""

    def __init__(self, dim: int, stages: int, k: int, hidden: int, mean: torch.Tensor, scale: torch.Tensor, sizes: Sequence[int]):
        super().__init__()
        self.stages, self.k = stages, k
        self.register_buffer('mean', mean.reshape(1, dim).float())
        self.register_buffer('scale', scale.reshape(1, dim).float())
        pad = torch.zeros(stages, k)
        for s, n in enumerate(sizes):
            pad[s, n:] = PAD
        self.register_buffer('pad', pad)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, stages * k)

    def forward(self, text_embedding: torch.Tensor) -> torch.Tensor:
        x = (text_embedding - self.mean) * self.scale
        logits = self.fc2(F.gelu(self.fc1(x)))
        return logits.reshape(-1, self.stages, self.k) + self.pad


@dataclass
class Distilled:
    router: DistilledRouter
    texts: List[str]
    targets: Dict[str, str]
    """text → task whose pathway it was trained on."""
    excluded: List[str]
    """texts below minSimilarity (resolved by name, the router is not consulted)."""
    mismatched: List[Tuple[str, str, str]]
    """(text, intended task, nearest task) where the nearest-text rule picks another task."""
    steps: int
    min_margin: float
    correct: bool
    stats: dict = field(default_factory=dict)


def resolve_targets(tasks: Sequence[dict], emb: Dict[str, np.ndarray], min_similarity: float):
    """For every text of every task, the task the engine's nearest-text rule resolves it to."""
    index = [(t['name'], emb[x]) for t in tasks for x in index_texts(t)]
    names = [n for n, _ in index]
    mat = np.stack([v for _, v in index])
    targets, excluded, mismatched = {}, [], []
    for t in tasks:
        for x in task_texts(t):
            sims = mat @ emb[x]
            best = int(np.argmax(sims))
            if sims[best] < min_similarity:
                excluded.append(x)
                continue
            if x in targets and targets[x] != names[best]:
                raise ValueError(f'text {x!r} listed under two tasks')
            targets[x] = names[best]
            if names[best] != t['name']:
                mismatched.append((x, t['name'], names[best]))
    return targets, excluded, mismatched


def distill(
    tasks: Sequence[dict],
    pathways: Dict[str, List[int]],
    sizes: Sequence[int],
    emb: Dict[str, np.ndarray],
    min_similarity: float,
    hidden: int = 64,
    max_steps: int = 4000,
    margin: float = 2.0,
    noise: float = 0.1,
    seed: int = 0,
) -> Distilled:
    """Trains the router; ``pathways`` are the package's (renumbered, 1-based) pathways per task,
    ``sizes`` the number of alternatives per stage."""
    targets, excluded, mismatched = resolve_targets(tasks, emb, min_similarity)
    texts = list(targets)
    x = torch.from_numpy(np.stack([emb[t] for t in texts]))
    y = torch.tensor([[p - 1 for p in pathways[targets[t]]] for t in texts])
    stages, k = len(sizes), max(sizes)
    torch.manual_seed(seed)
    mean = x.mean(0)
    scale = 1.0 / (x - mean).std(0, unbiased=False).clamp_min(1e-6)
    router = DistilledRouter(x.shape[1], stages, k, hidden, mean, scale, sizes)
    opt = torch.optim.Adam(router.parameters(), lr=1e-2)
    g = torch.Generator().manual_seed(seed)
    # noise in the standardised space is scaled back to embedding units
    sigma = noise / scale
    step, min_margin, correct = 0, float('-inf'), False
    for step in range(1, max_steps + 1):
        xb = x + torch.randn(x.shape, generator=g) * sigma
        logits = router(xb)
        loss = F.cross_entropy(logits.reshape(-1, k), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0 or step == max_steps:
            min_margin, correct = evaluate(router, x, y)
            if correct and min_margin >= margin:
                break
    min_margin, correct = evaluate(router, x, y)
    router.eval()
    return Distilled(router, texts, targets, excluded, mismatched, step, min_margin, correct, {'loss': float(loss), 'noise': noise, 'hidden': hidden})


@torch.no_grad()
def evaluate(router: DistilledRouter, x: torch.Tensor, y: torch.Tensor) -> Tuple[float, bool]:
    logits = router(x)
    picked = logits.argmax(-1)
    target = logits.gather(-1, y[..., None])[..., 0]
    others = logits.scatter(-1, y[..., None], float('-inf')).max(-1).values
    return float((target - others).min()), bool((picked == y).all())


@torch.no_grad()
def router_pathway(router: DistilledRouter, embedding: np.ndarray) -> List[int]:
    return [int(a) + 1 for a in router(torch.from_numpy(embedding[None]))[0].argmax(-1).tolist()]


__all__ = ['DistilledRouter', 'Distilled', 'EXTRA_PARAPHRASES', 'PAD', 'distill', 'embed', 'index_texts', 'resolve_targets', 'router_pathway', 'task_texts']
