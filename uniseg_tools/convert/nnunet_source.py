"""Reading one nnU-Net v2 trainer folder (``Dataset…/Trainer__Plans__Configuration``): plans, dataset.json,
the folds' ``checkpoint_final.pth``, and the network each fold's weights load into.

Only facts nnU-Net's own inference reads are taken (``nnUNetPredictor.initialize_from_trained_model_folder``):
the configuration's patch size, spacing, transpose, normalisation and resampling kwargs, the
plans' intensity properties, the architecture (new ``architecture`` block or the pre-2.4 ``UNet_class_name``
keys), the labels (label- or region-based) and the first fold's ``inference_allowed_mirroring_axes``.
"""

from __future__ import annotations

import glob
import json
import os
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import torch

from uniseg_tools.convert.nnunet_labels import LabelSpec, SourceError, read_labels
from uniseg_tools.nets.nnunet_unet import NETWORKS, NnUNet, OpSpec

CHECKPOINT = 'checkpoint_final.pth'
#: readers that reorient to the closest RAS before reading (nnU-Net's NibabelIOWithReorient)
REORIENTING_READERS = ('NibabelIOWithReorient',)


@dataclass
class Fold:
    name: str  # '0', '1', …, 'all'
    path: str
    weights: 'OrderedDict[str, torch.Tensor]'
    mirror_axes: Optional[Tuple[int, ...]]


@dataclass
class TrainerSource:
    dir: str
    dataset: str  # e.g. Dataset990_UnisegParityCT
    configuration: str
    reader: str
    transpose_forward: List[int]
    spacing: List[float]  # network axes (after transpose_forward)
    patch_size: List[int]  # network axes
    intensity: dict  # manifest intensity spec
    resampling: dict  # {'data': {...}, 'logits': {...}}
    network_class: str
    arch_kwargs: dict
    labels: LabelSpec
    folds: List[Fold] = field(default_factory=list)
    files: List[str] = field(default_factory=list)

    def build_network(self) -> NnUNet:
        return build_network(self.network_class, self.arch_kwargs, self.labels.channels, f'{os.path.join(self.dir, "plans.json")}: configurations.{self.configuration}')


def _read_json(path: str) -> dict:
    if not os.path.isfile(path):
        raise SourceError(f'{path}: no such file (an nnU-Net trainer folder holds plans.json, dataset.json and fold_*/{CHECKPOINT})')
    try:
        with open(path) as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise SourceError(f'{path}: not valid JSON ({e})') from e


def _configuration(plans: dict, name: str, where: str) -> dict:
    """The configuration with nnU-Net's ``inherits_from`` chain resolved (child keys win)."""
    configs = plans.get('configurations', {})
    if name not in configs:
        raise SourceError(f'{where}: configurations has no "{name}" (it has {", ".join(configs) or "none"})')
    conf = dict(configs[name])
    seen = {name}
    while 'inherits_from' in conf:
        parent = conf.pop('inherits_from')
        if parent in seen or parent not in configs:
            raise SourceError(f'{where}: configurations.{name}.inherits_from "{parent}" does not exist or forms a cycle')
        seen.add(parent)
        conf = {**configs[parent], **conf}
    return conf


def _op_name(value, key: str, where: str) -> Optional[str]:
    if value is None:
        return None
    return str(value).rsplit('.', 1)[-1]


def architecture(conf: dict, where: str) -> Tuple[str, dict]:
    """(class name, arch kwargs) from a 2.4+ ``architecture`` block or the older ``UNet_class_name`` keys."""
    if 'architecture' in conf:
        arch = conf['architecture']
        return str(arch.get('network_class_name', '')), dict(arch.get('arch_kwargs', {}))
    if 'UNet_class_name' not in conf:
        raise SourceError(f'{where}: the configuration has neither "architecture" nor "UNet_class_name"')
    # nnU-Net < 2.4 plans: get_network_from_plans fills in these fixed choices.
    kernels = conf['conv_kernel_sizes']
    n = len(kernels)
    base, most = conf['UNet_base_num_features'], conf['unet_max_num_features']
    kw = {
        'n_stages': n,
        'features_per_stage': [min(base * 2**i, most) for i in range(n)],
        'conv_op': 'torch.nn.modules.conv.Conv%dd' % len(kernels[0]),
        'kernel_sizes': kernels,
        'strides': conf['pool_op_kernel_sizes'],
        'n_conv_per_stage_decoder': conf['n_conv_per_stage_decoder'],
        'conv_bias': True,
        'norm_op': 'torch.nn.modules.instancenorm.InstanceNorm%dd' % len(kernels[0]),
        'norm_op_kwargs': {'eps': 1e-5, 'affine': True},
        'dropout_op': None,
        'nonlin': 'torch.nn.LeakyReLU',
        'nonlin_kwargs': {'inplace': True},
    }
    key = 'n_blocks_per_stage' if conf['UNet_class_name'] == 'ResidualEncoderUNet' else 'n_conv_per_stage'
    kw[key] = conf['n_conv_per_stage_encoder']
    return str(conf['UNet_class_name']), kw


def build_network(class_name: str, kw: dict, num_classes: int, where: str) -> NnUNet:
    short = class_name.rsplit('.', 1)[-1]
    if short not in NETWORKS:
        raise SourceError(f'{where}: architecture.network_class_name "{class_name}" is not supported (supported: {", ".join(NETWORKS)})')
    conv = _op_name(kw.get('conv_op'), 'conv_op', where)
    if conv != 'Conv3d':
        raise SourceError(f'{where}: arch_kwargs.conv_op is "{kw.get("conv_op")}"; only 3D configurations (Conv3d) are supported')
    norm = _op_name(kw.get('norm_op'), 'norm_op', where)
    norms = {'InstanceNorm3d': 'instance', 'BatchNorm3d': 'batch', None: None}
    nonlin = _op_name(kw.get('nonlin'), 'nonlin', where)
    nonlins = {'LeakyReLU': 'leakyrelu', 'ReLU': 'relu', None: None}
    dropout = _op_name(kw.get('dropout_op'), 'dropout_op', where)
    for key, value, known in (('norm_op', norm, norms), ('nonlin', nonlin, nonlins)):
        if value not in known:
            raise SourceError(f'{where}: arch_kwargs.{key} "{kw.get(key)}" is not supported (supported: {", ".join(k for k in known if k)})')
    if dropout not in (None, 'Dropout3d', 'Dropout'):
        raise SourceError(f'{where}: arch_kwargs.dropout_op "{kw.get("dropout_op")}" is not supported')
    block = _op_name(kw.get('block'), 'block', where)
    if block not in (None, 'BasicBlockD'):
        raise SourceError(f'{where}: arch_kwargs.block "{kw.get("block")}" is not supported (BasicBlockD only)')
    ops = OpSpec(norms[norm], kw.get('norm_op_kwargs') or {}, nonlins[nonlin], kw.get('nonlin_kwargs') or {}, dropout)
    try:
        return NETWORKS[short](ops, 1, num_classes, kw).eval()
    except (KeyError, IndexError, TypeError) as e:
        raise SourceError(f'{where}: arch_kwargs cannot build {short}: {type(e).__name__} {e}') from e


def _intensity(conf: dict, plans: dict, where: str) -> dict:
    schemes = conf.get('normalization_schemes', [])
    if len(schemes) != 1:
        raise SourceError(f'{where}: normalization_schemes has {len(schemes)} entries; uniseg feeds one CT channel')
    scheme = schemes[0]
    if scheme == 'CTNormalization':
        props = plans.get('foreground_intensity_properties_per_channel', {}).get('0')
        if not props:
            raise SourceError(f'{where}: CTNormalization needs foreground_intensity_properties_per_channel["0"]')
        return {'kind': 'ct', 'lower': float(props['percentile_00_5']), 'upper': float(props['percentile_99_5']),
                'mean': float(props['mean']), 'std': float(props['std'])}
    if scheme == 'NoNormalization':
        return {'kind': 'none'}
    raise SourceError(f'{where}: normalization scheme "{scheme}" is not supported (CTNormalization, NoNormalization)')


def _resampling(conf: dict, where: str) -> dict:
    out = {}
    for key, name in (('data', 'resampling_fn_data'), ('logits', 'resampling_fn_probabilities')):
        fn = conf.get(name)
        if fn != 'resample_data_or_seg_to_shape':
            raise SourceError(f'{where}: {name} "{fn}" is not supported (resample_data_or_seg_to_shape)')
        kw = conf.get(name + '_kwargs', {})
        out[key] = {'order': int(kw.get('order', 3)), 'orderZ': int(kw.get('order_z', 0)), 'forceSeparateZ': kw.get('force_separate_z')}
        if out[key]['order'] not in (0, 1, 3) or out[key]['orderZ'] not in (0, 1):
            raise SourceError(f'{where}: {name}_kwargs order {out[key]["order"]} / order_z {out[key]["orderZ"]}: uniseg implements orders 0, 1, 3 and order_z 0, 1')
    return out


def read_checkpoint(path: str) -> dict:
    try:
        ck = torch.load(path, map_location='cpu', weights_only=False)
    except Exception as e:  # noqa: BLE001 - truncated zips, pickles, wrong files: all unreadable
        raise SourceError(f'{path}: not a readable torch checkpoint ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""})') from e
    if not isinstance(ck, dict) or 'network_weights' not in ck:
        keys = list(ck)[:8] if isinstance(ck, dict) else type(ck).__name__
        raise SourceError(f'{path}: not an nnU-Net v2 checkpoint: no "network_weights" (top-level: {keys})')
    return ck


def find_folds(trainer_dir: str, wanted: Optional[List[str]], checkpoint: str) -> List[Tuple[str, str]]:
    found = {}
    for d in sorted(glob.glob(os.path.join(trainer_dir, 'fold_*'))):
        name = os.path.basename(d)[len('fold_'):]
        if os.path.isfile(os.path.join(d, checkpoint)):
            found[name] = os.path.join(d, checkpoint)
    if wanted is None:
        if not found:
            raise SourceError(f'{trainer_dir}: no fold_*/{checkpoint}')
        return list(found.items())
    missing = [w for w in wanted if w not in found]
    if missing:
        raise SourceError(f'{trainer_dir}: fold_{missing[0]}/{checkpoint} does not exist (folds with a checkpoint: {", ".join(found) or "none"})')
    return [(w, found[w]) for w in wanted]


def read_trainer(trainer_dir: str, folds: Optional[List[str]] = None, checkpoint: str = CHECKPOINT) -> TrainerSource:
    trainer_dir = os.path.abspath(trainer_dir)
    if not os.path.isdir(trainer_dir):
        raise SourceError(f'{trainer_dir}: no such directory')
    plans_path, ds_path = os.path.join(trainer_dir, 'plans.json'), os.path.join(trainer_dir, 'dataset.json')
    plans, ds = _read_json(plans_path), _read_json(ds_path)
    parts = os.path.basename(trainer_dir).split('__')
    configuration = parts[2] if len(parts) == 3 else None
    fold_files = find_folds(trainer_dir, folds, checkpoint)
    first = read_checkpoint(fold_files[0][1])
    configuration = configuration or first.get('init_args', {}).get('configuration')
    conf = _configuration(plans, configuration, plans_path)
    where = f'{plans_path}: configurations.{configuration}'
    if conf.get('previous_stage'):
        raise SourceError(f'{where}: previous_stage "{conf["previous_stage"]}": a cascade stage reads the previous stage\'s segmentation; cascades are not supported')
    cls, kw = architecture(conf, where)
    transpose = [int(a) for a in plans.get('transpose_forward', [0, 1, 2])]
    if sorted(transpose) != [0, 1, 2]:
        raise SourceError(f'{plans_path}: transpose_forward {transpose} is not a permutation of 0, 1, 2')
    patch, spacing = [int(p) for p in conf['patch_size']], [float(s) for s in conf['spacing']]
    if len(patch) != 3 or len(spacing) != 3:
        raise SourceError(f'{where}: patch_size {patch} / spacing {spacing}: only 3D configurations are supported')
    if len(ds.get('channel_names', ds.get('modality', {}))) != 1:
        raise SourceError(f'{ds_path}: channel_names has {len(ds.get("channel_names", {}))} channels; uniseg feeds one CT channel')
    source = TrainerSource(
        dir=trainer_dir,
        dataset=str(plans.get('dataset_name') or os.path.basename(os.path.dirname(trainer_dir))),
        configuration=configuration,
        reader=str(plans.get('image_reader_writer') or ds.get('overwrite_image_reader_writer') or 'SimpleITKIO'),
        transpose_forward=transpose,
        spacing=spacing,
        patch_size=patch,
        intensity=_intensity(conf, plans, where),
        resampling=_resampling(conf, where),
        network_class=cls,
        arch_kwargs=kw,
        labels=read_labels(ds, ds_path),
        files=[plans_path, ds_path],
    )
    net = source.build_network()
    for i, (name, path) in enumerate(fold_files):
        ck = first if i == 0 else read_checkpoint(path)
        weights = ck['network_weights']
        check_weights(net, weights, source, path)
        axes = ck.get('inference_allowed_mirroring_axes')
        source.folds.append(Fold(name, path, weights, tuple(int(a) for a in axes) if axes is not None else None))
        source.files.append(path)
    return source


def check_weights(net: NnUNet, weights, source: TrainerSource, path: str) -> None:
    """Strict load, and the last seg layer's channel count against dataset.json's labels."""
    seg = [k for k in weights if re.match(r'decoder\.seg_layers\.\d+\.weight$', k)]
    if seg:
        last = max(seg, key=lambda k: int(k.split('.')[2]))
        channels = int(weights[last].shape[0])
        if channels != source.labels.channels:
            raise SourceError(
                f'{os.path.join(source.dir, "dataset.json")}: labels give {source.labels.channels} output channels '
                f'({source.labels.describe()}) but {path} has {channels} ({last} {list(weights[last].shape)})'
            )
    try:
        net.load_state_dict(weights, strict=True)
    except RuntimeError as e:
        lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()][:4]
        raise SourceError(f'{path}: network_weights do not load strictly into {source.network_class.rsplit(".", 1)[-1]} built from plans.json: ' + ' '.join(lines)[:600]) from e
