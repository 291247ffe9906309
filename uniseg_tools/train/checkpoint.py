"""Checkpoint files and RNG states.

A checkpoint is one ``torch.save`` dict written to ``<path>.tmp`` and renamed, so a crash or a
signal during the write never leaves a truncated ``last.pt``.
"""

from __future__ import annotations

import os
import random
from typing import Any, Dict, Optional

import numpy as np
import torch

FORMAT = 'uniseg.train/1'


def rng_state(np_rng: np.random.Generator, gumbel: Optional[torch.Generator] = None) -> Dict[str, Any]:
    state = {
        'numpy': np_rng.bit_generator.state,
        'python': random.getstate(),
        'torch': torch.get_rng_state(),
    }
    if gumbel is not None:
        state['gumbel'] = gumbel.get_state()
    if torch.cuda.is_available():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Dict[str, Any], np_rng: np.random.Generator, gumbel: Optional[torch.Generator] = None) -> None:
    np_rng.bit_generator.state = state['numpy']
    random.setstate(state['python'])
    torch.set_rng_state(state['torch'])
    if gumbel is not None and 'gumbel' in state:
        gumbel.set_state(state['gumbel'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


def save(path: str, obj: Dict[str, Any]) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + '.tmp'
    torch.save(obj, tmp)
    os.replace(tmp, path)


def load(path: str) -> Dict[str, Any]:
    obj = torch.load(path, map_location='cpu')
    if not isinstance(obj, dict) or obj.get('format') != FORMAT:
        raise ValueError(f'{path}: not a uniseg training checkpoint (format {obj.get("format") if isinstance(obj, dict) else type(obj)})')
    return obj
