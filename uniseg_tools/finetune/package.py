"""The package a finetune starts from: a trimmed task export (``uniseg export``) that carries the
``training`` record of the package it was cut from (written by `uniseg_tools export`).

``read_package(dir)`` checks, in Python, what `uniseg_tools finetune` relies on (the engine's zod
schema, src/models/manifest.ts, is checked again by the engine when the result is loaded):

- ``model.json`` is ``uniseg.model/1`` with exactly one task, no stages and no router, a task
  route ``fixed`` (a pathway task) or ``head`` (a clNet head task), and an ``origin``;
- ``training`` is a ``uniseg.training-record/1`` with a ``network`` this toolchain can build and a
  record in ``training.parts`` for every part: ``kind`` ``encoder`` (modules ``swinViT``,
  ``encoder1..4``), ``block`` (a decoder position; ``module`` is its torch prefix in the source
  network, e.g. ``encoder10.1``) or ``head`` (a clNet head; ``module`` defaults to
  ``heads.<head>``);
- every part file exists.

Errors are ``FinetuneError``s that say what is wrong, in which file and which field.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from ..nets.swin_unetr import ENCODER_MODULES, POSITION_NAMES

MODEL_FORMAT = 'uniseg.model/1'
RECORD_FORMAT = 'uniseg.training-record/1'
MANIFEST_FILE = 'model.json'
#: ``training.network.class`` values whose networks `uniseg_tools finetune` rebuilds.
KNOWN_NETWORKS = ('uniseg_tools.nets.pathways.PathwayNet', 'uniseg_tools.nets.clnet.ClNet', 'uniseg_tools.nets.swin_unetr.SwinUNETR')
NETWORK_FIELDS = ('in_channels', 'feature_size', 'depths', 'num_heads')
EXPORT_HINT = 'export one task first: node bin/uniseg.mjs export --model DIR --prompt "TASK" -o EXPORTED'


class FinetuneError(RuntimeError):
    pass


@dataclass
class PartInfo:
    name: str
    file: str
    inputs: List[str]
    outputs: List[str]
    sha256: Optional[str]
    record: dict
    kind: str
    #: torch state prefix of the part's initializers ('' for the encoder, 'encoder10.1.', 'heads.Organs.')
    source_prefix: str
    #: the decoder position of a block, the head name of a head
    position: Optional[str] = None
    head: Optional[str] = None


@dataclass
class Package:
    dir: str
    manifest: dict
    training: dict
    task: dict
    #: 'pathway' (fixed route: a plain SwinUNETR) or 'head' (a clNet head task)
    kind: str
    parts: Dict[str, PartInfo]
    network: dict
    #: head name → manifest head entry (head tasks: the routed head and the heads supporting it)
    heads: Dict[str, dict] = field(default_factory=dict)

    @property
    def manifest_path(self) -> str:
        return os.path.join(self.dir, MANIFEST_FILE)

    @property
    def roi(self) -> List[int]:
        return [int(v) for v in self.manifest['inference']['roi']]

    @property
    def fp16(self) -> bool:
        """Whether the parts store their weights as float16 (+ Cast), read from the files."""
        import onnx
        from onnx import TensorProto

        return any(i.data_type == TensorProto.FLOAT16 for p in self.parts for i in onnx.load(self.part_path(p)).graph.initializer)

    def part_path(self, name: str) -> str:
        return os.path.join(self.dir, self.parts[name].file)


def _fail(where: str, what: str) -> None:
    raise FinetuneError(f'{where}: {what}')


def read_package(pkg_dir: str) -> Package:
    pkg_dir = os.path.abspath(pkg_dir)
    path = os.path.join(pkg_dir, MANIFEST_FILE)
    if not os.path.isdir(pkg_dir):
        _fail(pkg_dir, 'not a directory')
    if not os.path.isfile(path):
        _fail(pkg_dir, f'no {MANIFEST_FILE}: not a model package')
    try:
        with open(path) as f:
            m = json.load(f)
    except json.JSONDecodeError as e:
        _fail(path, f'not valid JSON ({e})')
    if not isinstance(m, dict) or m.get('format') != MODEL_FORMAT:
        _fail(path, f'field "format" is {m.get("format") if isinstance(m, dict) else None!r}, expected {MODEL_FORMAT!r}')
    for key in ('input', 'preprocess', 'inference', 'parts', 'tasks'):
        if key not in m:
            _fail(path, f'field "{key}" is missing')

    # -- a trimmed export? ------------------------------------------------------------------
    tasks = m['tasks']
    if not isinstance(tasks, list) or len(tasks) != 1:
        n = len(tasks) if isinstance(tasks, list) else '?'
        _fail(path, f'field "tasks" has {n} entries; `uniseg_tools finetune` takes a trimmed task export with exactly one task ({EXPORT_HINT})')
    if m.get('stages'):
        _fail(path, f'field "stages" has {len(m["stages"])} stages; a trimmed export has none ({EXPORT_HINT})')
    if (m.get('prompting') or {}).get('router'):
        _fail(path, f'field "prompting.router" is set; a trimmed export has no router ({EXPORT_HINT})')
    task = tasks[0]
    route = (task.get('route') or {}).get('kind')
    if route not in ('fixed', 'head'):
        _fail(path, f'field "tasks[0].route.kind" is {route!r}; a trimmed export has route "fixed" (pathway task) or "head" (clNet head task)')
    if not isinstance(m.get('origin'), dict):
        _fail(path, f'field "origin" is missing: not written by uniseg export ({EXPORT_HINT})')

    # -- the training record -----------------------------------------------------------------
    tr = m.get('training')
    if not isinstance(tr, dict):
        _fail(path, 'field "training" is missing: the package has no record of the torch network behind its parts '
              '(packages made by `uniseg_tools export` carry one, and uniseg export keeps it)')
    if tr.get('format') != RECORD_FORMAT:
        _fail(path, f'field "training.format" is {tr.get("format")!r}, expected {RECORD_FORMAT!r}')
    net = tr.get('network')
    if not isinstance(net, dict):
        _fail(path, 'field "training.network" is missing')
    if net.get('class') not in KNOWN_NETWORKS:
        _fail(path, f'field "training.network.class" is {net.get("class")!r}; `uniseg_tools finetune` rebuilds {", ".join(KNOWN_NETWORKS)}')
    for k in NETWORK_FIELDS:
        if k not in net:
            _fail(path, f'field "training.network.{k}" is missing')
    records = tr.get('parts')
    if not isinstance(records, dict):
        _fail(path, 'field "training.parts" is missing (part → torch module record)')

    parts: Dict[str, PartInfo] = {}
    for name, entry in m['parts'].items():
        rec = records.get(name)
        where = f'{path}: field "training.parts[{json.dumps(name)}]"'
        if not isinstance(rec, dict):
            raise FinetuneError(f'{where} is missing: no record of the torch module behind part "{name}"')
        kind = rec.get('kind')
        position = head = None
        if kind == 'encoder':
            mods = rec.get('modules', list(ENCODER_MODULES))
            if sorted(mods) != sorted(ENCODER_MODULES):
                raise FinetuneError(f'{where}.modules is {mods}; expected {list(ENCODER_MODULES)}')
            prefix = ''
        elif kind == 'block':
            position = rec.get('position')
            if position not in POSITION_NAMES:
                raise FinetuneError(f'{where}.position is {position!r}; expected one of {list(POSITION_NAMES)}')
            if not isinstance(rec.get('module'), str) or not rec['module'].split('.')[0] == position:
                raise FinetuneError(f'{where}.module is {rec.get("module")!r}; expected the torch prefix of the block, e.g. "{position}.0"')
            prefix = rec['module'] + '.'
        elif kind == 'head':
            head = rec.get('head') or next((h for h, e in (m.get('heads') or {}).items() if name in e.get('parts', [])), None)
            if not head:
                raise FinetuneError(f'{where}.head is missing and no head of model.json lists part "{name}"')
            prefix = (rec.get('module') or f'heads.{head}') + '.'
        else:
            raise FinetuneError(f'{where}.kind is {kind!r}; `uniseg_tools finetune` understands "encoder", "block" and "head"')
        file = entry.get('file')
        if not file or not os.path.isfile(os.path.join(pkg_dir, file)):
            _fail(path, f'field "parts[{json.dumps(name)}].file": {file!r} does not exist in {pkg_dir}')
        parts[name] = PartInfo(name, file, list(entry['inputs']), list(entry['outputs']), entry.get('sha256'), rec, kind, prefix, position, head)

    kinds = [p.kind for p in parts.values()]
    if kinds.count('encoder') != 1:
        _fail(path, f'fields "parts" / "training.parts": {kinds.count("encoder")} encoder parts, expected 1')
    if route == 'fixed':
        kind = 'pathway'
        positions = sorted((p.position for p in parts.values() if p.kind == 'block'), key=POSITION_NAMES.index)
        if positions != list(POSITION_NAMES) or 'head' in kinds:
            _fail(path, f'a fixed-route export must hold the encoder and one block per decoder position {list(POSITION_NAMES)}; '
                  f'its parts are {sorted(parts)} (positions {positions})')
        heads: Dict[str, dict] = {}
    else:
        kind = 'head'
        heads = dict(m.get('heads') or {})
        routed = task['route'].get('head')
        if routed not in heads:
            _fail(path, f'field "tasks[0].route.head" is {routed!r}, not a head of the package')
        for h, e in heads.items():
            for p in e.get('parts', []):
                if p not in parts or parts[p].kind not in ('head', 'block'):
                    _fail(path, f'field "heads[{json.dumps(h)}].parts": part {p!r} is not a head part with a training record')
        bad = [p.name for p in parts.values() if p.kind == 'block' and p.position != 'encoder10']
        if bad:
            _fail(path, f'parts {bad} are decoder blocks other than encoder10; a clNet head task reads at most the shared bottleneck (encoder10)')
    return Package(pkg_dir, m, tr, task, kind, parts, net, heads)


__all__ = ['ENCODER_MODULES', 'FinetuneError', 'KNOWN_NETWORKS', 'MANIFEST_FILE', 'MODEL_FORMAT', 'Package', 'PartInfo', 'RECORD_FORMAT', 'read_package']
