"""``convert gcis --text-encoder DIR``: the prompts' embeddings from a CLIP text model, computed by
the engine itself, and the check that the written package routes every prompt as recorded.

gCIS feeds its routers open_clip's ``encode_text(tokenizer([prompt]))``: no template, not
normalised. The engine embeds the same way here (``scripts/embed_texts.ts --template {} --raw``,
the code ``uniseg resolve`` runs) and the package says so (``prompting.textEncoder.template`` "{}",
``prompting.router.normalize`` false), so the pathway a prompt gets at run time is the one gCIS's
routing gives for the embedding the engine computes. The engine still normalises the prompt's
wording first (lower case, punctuation dropped: src/prompt/normalize.ts), as for every package.
"""

from __future__ import annotations

import json
import os
from typing import List, Sequence, Tuple

import numpy as np
import torch

from uniseg_tools.convert.common import ConvertError
from uniseg_tools.export_demo.manifest import copy_text_encoder
from uniseg_tools.export_demo.node import EngineResolveError, engine_resolve
from uniseg_tools.export_demo.router import embed

#: gCIS embeds the bare prompt.
TEMPLATE = '{}'
#: The package's copy of the text model.
TEXT_DIR = 'text'


def read_texts(path: str) -> List[Tuple[int, str]]:
    """(row, text) pairs of a prompt-text file: a JSON list of strings, or gCIS's fixture layout
    ``{"prompts": [{"text", "row_in_prompts_npy"}, ...]}``."""
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise ConvertError(f'not valid JSON: {e}', file=path) from e
    if isinstance(doc, dict) and isinstance(doc.get('prompts'), list):
        return [(int(p.get('row_in_prompts_npy', p.get('index', i))), str(p['text'])) for i, p in enumerate(doc['prompts'])]
    if isinstance(doc, list) and all(isinstance(t, str) for t in doc):
        return list(enumerate(doc))
    raise ConvertError('expected a JSON list of prompt texts or {"prompts": [{"text": ..., "row_in_prompts_npy": ...}]}', file=path)


def embed_prompts(text_dir: str, texts: Sequence[str]) -> torch.Tensor:
    """Raw text embeddings [P, D] as the engine computes them. The engine checks the directory (its
    TEXT_ENCODER_INVALID names the missing or broken file); two texts the engine cannot tell apart
    (the same wording after its normalisation) are refused."""
    try:
        vectors, prepared = embed(texts, text_dir, TEMPLATE, raw=True)
    except RuntimeError as e:
        raise ConvertError(f'the engine cannot embed the prompts with this text model: {e}', file=text_dir) from e
    seen = {}
    for text, p in zip(texts, prepared):
        if p in seen:
            raise ConvertError(f'prompts "{seen[p]}" and "{text}" are the same text to the engine ("{p}"); give each task a distinct prompt')
        seen[p] = text
    return torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))


def check_dims(embeddings: torch.Tensor, router_weight: torch.Tensor, text_dir: str) -> None:
    dim = int(router_weight.shape[1])
    if embeddings.shape[1] != dim:
        raise ConvertError(f'the text model gives {embeddings.shape[1]}-dimensional embeddings; the gCIS routers take {dim} (prompt_router.weight {list(router_weight.shape)}): use the text model the checkpoint was trained with', file=text_dir)


def add_text_encoder(text_dir: str, package: str) -> dict:
    """Copies the text model into the package (as it is: fp32, like the converted parts) and
    returns ``prompting.textEncoder``."""
    copy_text_encoder(text_dir, os.path.join(package, TEXT_DIR), fp16=False)
    return {'dir': TEXT_DIR, 'template': TEMPLATE}


def check_resolution(package: str, tasks: Sequence[dict]) -> List[dict]:
    """Every task's prompt, resolved by the engine on the written package (its text model, nearest-
    task rule and router, as ``uniseg resolve`` runs them), must give that task and its recorded
    pathway."""
    try:
        resolutions = engine_resolve(package, [t['prompt'] for t in tasks])
    except EngineResolveError as e:
        raise ConvertError(f'the engine cannot resolve prompts with the package: {e}') from e
    for task, r in zip(tasks, resolutions):
        want = task['route']['pathway']
        if r.get('task') != task['name'] or r.get('pathway') != want:
            raise ConvertError(f'the engine resolves "{task["prompt"]}" to {r} but the converter recorded task "{task["name"]}" with pathway {want}')
    return resolutions


__all__ = ['TEMPLATE', 'TEXT_DIR', 'add_text_encoder', 'check_dims', 'check_resolution', 'embed_prompts', 'read_texts']
