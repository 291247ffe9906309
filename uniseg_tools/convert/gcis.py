"""``uniseg convert gcis``: gCIS checkpoints → a pathway package.

    # a multi-task pathway checkpoint (SwinAP, as main.py --use_prompt training saves it) and the
    # text embeddings of its prompts ([P, 512] float32 rows + their texts)
    python3 -m uniseg_tools convert gcis runs/x/model.pt --prompt-embeddings E.npy --prompt-texts E.json -o DIR

    # the same checkpoint with a CLIP text model (transformers.js layout) that embeds the prompts
    # and goes into the package, so `uniseg resolve TEXT` routes any prompt as gCIS would
    python3 -m uniseg_tools convert gcis runs/x/model.pt --text-encoder CLIP_DIR --task-names "liver,left kidney" -o DIR

    # released trimmed single-task files (SwinSingle params.pth), one task name each
    python3 -m uniseg_tools convert gcis liver.pth kidney.pth --task-names "liver,left kidney" -o DIR

Stages: read the checkpoints (``module.`` prefixes, CUDA storage tags, numpy scalars in the pickle)
→ take them apart (``nets.gcis.split_state``) → choose the alternatives to keep → export the parts
(``gcis_parts``) → ORT parity of every part → manifest → the engine reads it → rename into DIR.

A pathway checkpoint keeps every alternative its router can pick for some embedding (a linear
programme per position, ``gcis_parts.reachable``), and the routers become the package router; each
prompt's task documents the pathway gCIS's eval routing picks for its embedding (with
``--text-encoder``, the embedding the engine computes: ``gcis_text``). Trimmed files
must share the encoder (checked by weight hash; the upsampling steps too); their routed blocks are
deduplicated by hash into stage alternatives and each task gets a fixed pathway. Facts and
measured differences: docs/convert.md, "gCIS".
"""

from __future__ import annotations

import argparse
import os
import re
import time
import warnings
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from uniseg_tools.convert.common import (
    MANIFEST_FORMAT,
    ConvertError,
    UsageError,
    engine_check,
    origin_record,
    parity_check,
    read_state_dict,
    require_file,
    run_main,
    staging_dir,
    write_manifest,
)
from uniseg_tools.convert.gcis_parts import ROUTER_INPUT, ROUTER_OUTPUT, gcis_parts, reachable, stack_router, state_hash
from uniseg_tools.convert.gcis_text import add_text_encoder, check_dims, check_resolution, embed_prompts, read_texts
from uniseg_tools.convert.monai import parse_ints, parse_intensity, parse_orientation, parse_triple
from uniseg_tools.nets.gcis import POSITIONS, GcisWeights, route, router_margins, split_state, swin_config
from uniseg_tools.nets.parts import LOGITS, export_parts
from uniseg_tools.nets.swin import MERGE_OFFSETS
from uniseg_tools.nets.swin_unetr import SIZE_MULTIPLE

NAME_RE = re.compile(r'^[A-Za-z0-9_.-]+$')
# gCIS's defaults (main.py / test.py): 1 mm, ScaleIntensityRanged -175..250 -> 0..1, roi 96, overlap 0.5.
DEFAULTS = {'spacing': '1,1,1', 'intensity': 'clip:-175,250,0,1', 'roi': '96,96,96', 'orientation': 'RAS'}


def task_name(text: str) -> str:
    return re.sub(r'[^A-Za-z0-9_.-]+', '_', text.strip()).strip('_') or 'task'


def read_gcis(path: str) -> GcisWeights:
    state = read_state_dict(path)
    try:
        return split_state(state)
    except KeyError as e:
        raise ConvertError(f'not a gCIS SwinAP/SwinSingle checkpoint: {e.args[0]}', file=path) from e


def read_prompts(npy: str, texts_json: str) -> Tuple[torch.Tensor, List[str]]:
    """``E.npy`` rows [P, D] float32 and the text of each row: a JSON list of strings, or gCIS's
    fixture layout ``{"prompts": [{"text", "row_in_prompts_npy"}, ...]}``."""
    require_file(npy, 'embedding file')
    require_file(texts_json, 'prompt text file')
    try:
        emb = np.load(npy, allow_pickle=False)
    except Exception as e:  # noqa: BLE001 - numpy raises several kinds for a bad file
        raise ConvertError(f'not a readable .npy array: {e}', file=npy) from e
    if emb.ndim != 2:
        raise ConvertError(f'expected a [prompts, dim] array; got shape {list(emb.shape)}', file=npy)
    pairs = read_texts(texts_json)
    bad = [r for r, _ in pairs if not 0 <= r < emb.shape[0]]
    if bad or not pairs:
        raise ConvertError(f'{len(pairs)} texts for {emb.shape[0]} embedding rows (rows out of range: {bad})', file=texts_json)
    rows = torch.from_numpy(np.ascontiguousarray(emb[[r for r, _ in pairs]], dtype=np.float32))
    return rows, [t for _, t in pairs]


def check_same_shared(sources: Sequence[Tuple[str, GcisWeights]]) -> None:
    """Trimmed files go into one package only when everything but the routed blocks is bit-identical."""
    first_path, first = sources[0]
    reference = state_hash(first.shared)
    for path, w in sources[1:]:
        if state_hash(w.shared) == reference:
            continue
        keys = sorted(set(first.shared) | set(w.shared))
        diff = next(k for k in keys if k not in first.shared or k not in w.shared or not torch.equal(first.shared[k], w.shared[k]))
        raise ConvertError(
            f'its shared encoder differs from {os.path.basename(first_path)}\'s (first differing tensor shown): trimmed files join one package only when they were cut from the same gCIS model',
            file=path,
            key=diff,
        )


def dedup_blocks(per_task: Sequence[GcisWeights]) -> Tuple[Dict[str, List[dict]], List[List[int]]]:
    """Each position's distinct blocks (by weight hash, in order of first use) and each task's
    1-based pathway over them."""
    blocks: Dict[str, List[dict]] = {p: [] for p in POSITIONS}
    index: Dict[str, Dict[str, int]] = {p: {} for p in POSITIONS}
    pathways = []
    for w in per_task:
        pathway = []
        for p in POSITIONS:
            h = state_hash(w.blocks[p][0])
            if h not in index[p]:
                index[p][h] = len(blocks[p])
                blocks[p].append(w.blocks[p][0])
            pathway.append(index[p][h] + 1)
        pathways.append(pathway)
    return blocks, pathways


def task_entry(name: str, text: str, route_: dict, out_channels: int) -> dict:
    channels = list(range(1, out_channels))
    labels = {name: 1} if out_channels == 2 else {f'{name}_{c}': c for c in channels}
    return {
        'name': name,
        'prompt': text,
        'aliases': [],
        'route': route_,
        'output': {'tensor': LOGITS, 'channels': channels},
        'labels': labels,
        'activation': 'softmax',
        'threshold': 0.5,
    }


def convert(args: argparse.Namespace, say: Callable[[str], None] = print) -> dict:
    started = time.time()
    roi = parse_ints('--roi', args.roi, 3)
    if any(r % SIZE_MULTIPLE for r in roi):
        raise UsageError(f'--roi {args.roi}: the Swin encoder needs window sizes divisible by {SIZE_MULTIPLE}')
    if args.merge not in MERGE_OFFSETS:
        raise UsageError(f'--merge {args.merge!r}: expected one of {sorted(MERGE_OFFSETS)}')
    embedded = args.text_encoder is not None
    routed = embedded or args.prompt_embeddings is not None or args.prompt_texts is not None
    if embedded:
        if args.prompt_embeddings is not None:
            raise UsageError('--text-encoder computes the prompt embeddings; drop --prompt-embeddings (or --text-encoder)')
        if (args.prompt_texts is None) == (not args.task_names):
            raise UsageError('--text-encoder takes the prompts from --prompt-texts E.json or from --task-names "a,b" (one of the two)')
    elif routed and (args.prompt_embeddings is None or args.prompt_texts is None):
        raise UsageError('--prompt-embeddings and --prompt-texts go together')
    elif routed and args.task_names:
        raise UsageError('--task-names is for trimmed single-task files; a pathway checkpoint takes --prompt-embeddings/--prompt-texts')
    if routed and len(args.sources) != 1:
        raise UsageError(f'a pathway checkpoint is converted alone; got {len(args.sources)} files')
    if not routed and not args.task_names:
        raise UsageError('trimmed single-task files need --task-names "name,name,..." (one per file); a pathway checkpoint needs --prompt-embeddings and --prompt-texts, or --text-encoder')

    embeddings: Optional[torch.Tensor] = None
    if embedded:
        texts = [t for _, t in read_texts(args.prompt_texts)] if args.prompt_texts else [n.strip() for n in args.task_names.split(',') if n.strip()]
        if not texts:
            raise UsageError('--text-encoder: no prompt texts given')
        embeddings = embed_prompts(args.text_encoder, texts)
        say(f'text model {args.text_encoder}: {len(texts)} prompts embedded by the engine (no template, not normalised: {embeddings.shape[1]} dimensions)')
    sources = [(p, read_gcis(p)) for p in args.sources]
    for path, w in sources:
        ap = bool(w.routers)
        if routed and not ap:
            hint = '--text-encoder is for a pathway checkpoint (SwinAP)' if embedded else 'list it with --task-names instead'
            raise ConvertError(f'a trimmed single-task checkpoint (SwinSingle) has no router: {hint}', file=path)
        if not routed and ap:
            raise ConvertError('a pathway checkpoint (SwinAP, with prompt routers) needs --prompt-embeddings and --prompt-texts, or --text-encoder', file=path)
    cfg = swin_config(sources[0][1].shared)
    out_channels = int(next(iter(sources[0][1].blocks['out'][0].values())).shape[0])
    say(f'gCIS {"SwinAP" if routed else "SwinSingle"}: feature {cfg.feature_size}, depths {",".join(map(str, cfg.depths))}, heads {",".join(map(str, cfg.num_heads))}, window {cfg.window_size}, {out_channels} output channels')

    router = None
    training: dict = {}
    if routed:
        path, w = sources[0]
        if embedded:
            check_dims(embeddings, w.routers['out'][0], args.text_encoder)
        else:
            embeddings, texts = read_prompts(args.prompt_embeddings, args.prompt_texts)
        dim = int(w.routers['out'][0].shape[1])
        if embeddings.shape[1] != dim:
            raise ConvertError(f'embeddings have {embeddings.shape[1]} dimensions; the routers take {dim} (prompt_router.weight {list(w.routers["out"][0].shape)})', file=args.prompt_embeddings)
        kept = {p: reachable(*w.routers[p]) for p in POSITIONS}
        for p in POSITIONS:
            dropped = [k + 1 for k in range(len(w.blocks[p])) if k not in kept[p]]
            say(f'  {p:<9} alternatives {len(w.blocks[p])}, kept {[k + 1 for k in kept[p]]}' + (f' (no embedding selects {dropped})' if dropped else ''))
        blocks = {p: [w.blocks[p][k] for k in kept[p]] for p in POSITIONS}
        router = stack_router(w.routers, kept)
        tasks, names = [], set()
        for i, text in enumerate(texts):
            gcis_path = route(w, embeddings[i])
            pathway = [kept[p].index(k) + 1 for p, k in zip(POSITIONS, gcis_path)]
            name = task_name(text)
            if name in names:
                raise ConvertError(f'two prompts make the task name "{name}"', file=args.prompt_texts)
            names.add(name)
            margins = router_margins(w, embeddings[i])
            say(f'  "{text}": gCIS path_selection {",".join(str(k + 1) for k in gcis_path)} -> package pathway {",".join(map(str, pathway))} (smallest router margin {min(margins):.3g})')
            tasks.append(task_entry(name, text, {'kind': 'router', 'pathway': pathway}, out_channels))
            training.setdefault('prompts', []).append({'text': text, 'task': name, 'gcisPathSelection': [k + 1 for k in gcis_path], 'pathway': pathway, 'minRouterMargin': min(margins)})
        training['kept'] = {p: [k + 1 for k in kept[p]] for p in POSITIONS}
        origin_files = [path, *(f for f in (args.prompt_embeddings, args.prompt_texts) if f)]
    else:
        names_given = [n.strip() for n in args.task_names.split(',') if n.strip()]
        if len(names_given) != len(sources):
            raise UsageError(f'--task-names lists {len(names_given)} names for {len(sources)} files')
        check_same_shared(sources)
        blocks, pathways = dedup_blocks([w for _, w in sources])
        tasks = []
        for (path, _), text, pathway in zip(sources, names_given, pathways):
            say(f'  "{text}" ({os.path.basename(path)}): pathway {",".join(map(str, pathway))}')
            tasks.append(task_entry(task_name(text), text, {'kind': 'pathway', 'pathway': pathway}, out_channels))
        if len({t['name'] for t in tasks}) != len(tasks):
            raise UsageError(f'--task-names repeats a name: {args.task_names!r}')
        say('  alternatives after deduplication: ' + ', '.join(f'{p} {len(blocks[p])}' for p in POSITIONS))
        origin_files = [p for p, _ in sources]

    shared = sources[0][1].shared
    parts = gcis_parts(shared, blocks, roi, args.merge, not args.no_normalize, router, embeddings)
    name = args.name or task_name(os.path.basename(os.path.abspath(args.output)))
    if not NAME_RE.match(name):
        raise UsageError(f'--name {name!r}: letters, digits, "_", "." and "-" only')

    with staging_dir(args.output, args.force) as tmp:
        t0 = time.time()
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # tracer notes on shape-dependent branches: the window is fixed at roi
            sections = export_parts(parts, tmp)
        say(f'exported {len(parts)} parts ({time.time() - t0:.0f} s)')
        say(f'parity, onnxruntime-node vs torch (tolerance {args.tolerance}, absolute):')
        parity = parity_check(parts, tmp, args.tolerance, args.threads, say)
        manifest = {
            'format': MANIFEST_FORMAT,
            'name': name,
            'description': f'gCIS {"pathway model" if routed else "trimmed tasks"} (feature {cfg.feature_size}) converted by uniseg convert gcis',
            'input': {'tensor': 'image'},
            'preprocess': {'orientation': args.orientation, 'spacing': list(args.spacing), 'intensity': args.intensity, 'axes': 'xyz'},
            'inference': {'roi': list(roi), 'overlap': args.overlap, 'sigmaScale': 0.125, 'batchSize': 1, 'padValue': 0},
            'parts': sections['parts'],
            'stages': sections['stages'],
            'tasks': tasks,
            'origin': origin_record('gcis', origin_files),
            'training': {
                'format': 'uniseg.training-record/1',
                'exportedBy': 'uniseg_tools convert gcis',
                'network': {'class': 'gCIS SwinAP' if routed else 'gCIS SwinSingle', 'feature_size': cfg.feature_size, 'depths': list(cfg.depths), 'num_heads': list(cfg.num_heads), 'window_size': cfg.window_size, 'merge': args.merge, 'normalize': not args.no_normalize, 'out_channels': out_channels},
                'export': {'parity': parity, 'roi': list(roi)},
                **training,
            },
        }
        if routed:
            # gCIS's routers read the unnormalised text embedding.
            manifest['prompting'] = {'router': {'part': 'router', 'input': ROUTER_INPUT, 'output': ROUTER_OUTPUT, 'normalize': False}, 'minSimilarity': 0.8}
        if embedded:
            manifest['prompting']['textEncoder'] = add_text_encoder(args.text_encoder, tmp)
        write_manifest(tmp, manifest)
        listing = engine_check(tmp)
        say(f'the engine reads the package: {len(listing.get("tasks", []))} tasks, {len(sections["stages"])} stages')
        if embedded:
            check_resolution(tmp, tasks)
            say(f'the engine resolves every prompt to its task and recorded pathway with the package\'s text model')
    say(f'wrote {os.path.abspath(args.output)} in {time.time() - started:.0f} s')
    return manifest


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog='uniseg convert gcis', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('sources', nargs='+', metavar='CKPT', help='a gCIS pathway checkpoint (model.pt), or trimmed single-task params.pth files')
    p.add_argument('-o', '--output', required=True, metavar='DIR', help='new package directory (refused when it exists, unless --force)')
    g = p.add_argument_group('tasks')
    g.add_argument('--prompt-embeddings', metavar='E.npy', help='[P, D] float32 text embeddings of the prompts (gCIS: open_clip ViT-B-32-quickgelu encode_text, unnormalised)')
    g.add_argument('--prompt-texts', metavar='E.json', help='the text of each row: a JSON list, or {"prompts": [{"text", "row_in_prompts_npy"}]}')
    g.add_argument('--text-encoder', metavar='DIR', help='a CLIP text model in the transformers.js layout (config.json, tokenizer.json, tokenizer_config.json, onnx/text_model.onnx) whose embedding length is the routers\' (gCIS: 512): the engine embeds the prompts of --prompt-texts or --task-names with it (no template, not normalised, as gCIS does) and it goes into the package, so `uniseg resolve TEXT` routes any prompt')
    g.add_argument('--task-names', metavar='"a,b"', help='trimmed files: one task name (its prompt) per file, in order; with --text-encoder: the prompts')
    g = p.add_argument_group('network (not in the weights)')
    g.add_argument('--merge', default='merging-legacy', help='Swin patch-merging order: merging-legacy = MONAI 0.9.x, which gCIS pins (default); merging for MONAI >= 1.0 training')
    g.add_argument('--no-normalize', action='store_true', help='the network was built with normalize=False')
    g = p.add_argument_group("package (gCIS's test.py defaults; set them to your run's)")
    g.add_argument('--spacing', default=DEFAULTS['spacing'], help='voxel size in mm along i,j,k (default 1,1,1: --space_x/y/z)')
    g.add_argument('--orientation', default=DEFAULTS['orientation'], help='orientation the training volumes were stored in (gCIS does not reorient; default RAS)')
    g.add_argument('--intensity', default=DEFAULTS['intensity'], help='clip:LO,HI,OUTLO,OUTHI | zscore:MEAN,STD | none (default clip:-175,250,0,1: --a_min/--a_max)')
    g.add_argument('--roi', default=DEFAULTS['roi'], help='sliding-window size, multiples of 32 (default 96,96,96); the ONNX parts are fixed at it')
    g.add_argument('--overlap', type=float, default=0.5, help='sliding-window overlap (default 0.5, test.py --infer_overlap)')
    g.add_argument('--name', help='package name (default: the directory name)')
    g = p.add_argument_group('checks and output')
    g.add_argument('--force', action='store_true', help='replace an existing DIR')
    g.add_argument('--tolerance', type=float, default=1e-4, help='parity: max |ORT - torch| per part output (default 1e-4)')
    g.add_argument('--threads', type=int, default=2, help='onnxruntime threads for the parity check (default 2)')
    return p


def _prepare(args: argparse.Namespace) -> argparse.Namespace:
    try:
        args.spacing = parse_triple('--spacing', args.spacing)
        args.orientation = parse_orientation(args.orientation)
        args.intensity = parse_intensity(args.intensity)
    except ConvertError as e:
        raise UsageError(str(e)) from e
    if not 0 <= args.overlap < 1:
        raise UsageError(f'--overlap must be in [0, 1); got {args.overlap}')
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    return run_main(build_parser(), lambda a: convert(_prepare(a)), argv)


__all__ = ['build_parser', 'convert', 'main']
