"""Carry the clNet heads of an existing package into a re-exported one (``export --keep-heads``).

A head is an ONNX part that reads the shared encoder's tensors and the output of the ``encoder10``
alternative the package's heads share. When the new checkpoint trained with that encoder and that
bottleneck frozen, the head still reads exactly the tensors it was trained on, so its file can be
copied as it is. That is checked here, not assumed: the weights of the old and the new ``encoder``
part, and of the old bottleneck part and some new ``encoder10`` alternative, must be bit-identical
(read back from the ONNX initializers); otherwise the export is refused. The head's part file, its
manifest entries and its tasks (prompt, aliases, trainedOn, caution) are copied verbatim, so every
head keeps its SHA-256.
"""

from __future__ import annotations

import os
import shutil
from typing import Callable, Dict, List, Tuple

import torch

from ..package_io import read_manifest, read_part_state


class KeepHeadsError(ValueError):
    pass


def _same_weights(a: str, b: str) -> bool:
    sa, sb = read_part_state(a), read_part_state(b)
    return sa.keys() == sb.keys() and all(sa[k].dtype == sb[k].dtype and torch.equal(sa[k], sb[k]) for k in sa)


def keep_heads(old_dir: str, new_dir: str, new_parts: Dict[str, dict], new_stages: List[dict], say: Callable[[str], None] = print) -> Tuple[Dict[str, dict], Dict[str, dict], List[dict], dict]:
    """Copies ``old_dir``'s heads into ``new_dir`` (the package being written, whose parts are
    ``new_parts`` / ``new_stages``). Returns (part entries, head entries, head tasks, record)."""
    try:
        old = read_manifest(old_dir)
    except ValueError as e:
        raise KeepHeadsError(f'--keep-heads: {e}') from e
    heads = old.get('heads') or {}
    if not heads:
        raise KeepHeadsError(f'--keep-heads {old_dir}: the package has no heads')
    old_parts, old_stages = old['parts'], old['stages']
    if 'encoder' not in new_parts or not _same_weights(os.path.join(old_dir, old_parts['encoder']['file']), os.path.join(new_dir, new_parts['encoder']['file'])):
        raise KeepHeadsError('--keep-heads: the new encoder differs from the one the heads were trained on (train with --freeze-bottleneck)')
    stage_of = {out: i for i, s in enumerate(old_stages) for out in old_parts[s['alternatives'][0]]['outputs']}
    part_entries: Dict[str, dict] = {}
    head_entries: Dict[str, dict] = {}
    matched: Dict[Tuple[int, int], int] = {}
    for name, head in heads.items():
        inputs = {i for p in head['parts'] for i in old_parts[p]['inputs']}
        pathway = [1] * len(new_stages)
        for tensor in sorted(inputs & set(stage_of)):
            i = stage_of[tensor]
            if old_stages[i]['name'] != new_stages[i]['name']:
                raise KeepHeadsError(f'--keep-heads: stage {i + 1} is {old_stages[i]["name"]} in {old_dir} but {new_stages[i]["name"]} in the new package')
            was = head['pathway'][i]
            key = (i, was)
            if key not in matched:
                old_file = os.path.join(old_dir, old_parts[old_stages[i]['alternatives'][was - 1]]['file'])
                hits = [k for k, alt in enumerate(new_stages[i]['alternatives'], 1) if _same_weights(old_file, os.path.join(new_dir, new_parts[alt]['file']))]
                if not hits:
                    raise KeepHeadsError(f'--keep-heads: head {name} reads {tensor} of {old_stages[i]["name"]} alternative {was}, and no alternative of the new package has its weights (train with --freeze-bottleneck)')
                matched[key] = hits[0]
            pathway[i] = matched[key]
        for p in head['parts']:
            entry = dict(old_parts[p])
            dest = os.path.join(new_dir, entry['file'])
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copyfile(os.path.join(old_dir, entry['file']), dest)
            part_entries[p] = entry
        head_entries[name] = {**head, 'pathway': pathway}
        say(f'  kept head {name}: {", ".join(old_parts[p]["file"] for p in head["parts"])} (reads pathway {",".join(map(str, pathway))})')
    tasks = [dict(t) for t in old['tasks'] if t['route']['kind'] == 'head' and t['route']['head'] in heads]
    record = {'from': os.path.abspath(old_dir), 'heads': {n: {p: old_parts[p].get('sha256') for p in h['parts']} for n, h in heads.items()}}
    return part_entries, head_entries, tasks, record
