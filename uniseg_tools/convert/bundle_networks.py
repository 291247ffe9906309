"""A bundle's ``network_def`` → uniseg's torch rebuild of that MONAI network, with its arguments
checked. Supported: SegResNet, UNet, SwinUNETR; any other class, and any argument value that
changes the network in a way the rebuild does not follow, is refused by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Tuple

import torch.nn as nn

from uniseg_tools.nets.monai_unet import UNet
from uniseg_tools.nets.segresnet import SegResNet, size_multiple
from uniseg_tools.nets.swin_unetr import SIZE_MULTIPLE as SWIN_MULTIPLE, SwinUNETR

from .bundle_config import need, target_name
from .common import ConvertError


@dataclass
class Network:
    module: nn.Module
    #: the MONAI class and the arguments it was built with (for the training record)
    monai: str
    kwargs: Dict[str, Any]
    #: window sizes must be multiples of this
    multiple: int
    #: fully convolutional: the ONNX part takes any window size
    dynamic_spatial: bool


def _norm_spec(value: Any) -> Tuple[str, dict]:
    """MONAI's norm/act spec: "name", ("name", {args}) or ["name", {args}] → (NAME, args)."""
    if isinstance(value, str):
        return value.upper(), {}
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], str):
        return value[0].upper(), dict(value[1]) if len(value) > 1 and isinstance(value[1], dict) else {}
    return repr(value), {}


class _Args:
    """network_def's arguments: ``take`` reads one (with MONAI's default); leftovers are refused."""

    def __init__(self, obj: dict, file: str, cls: str):
        self.values = {k: need(v) for k, v in obj.items() if not k.startswith('_')}
        self.file, self.cls = file, cls
        self.used: List[str] = []

    def take(self, key: str, default: Any) -> Any:
        self.used.append(key)
        return self.values.get(key, default)

    def require(self, key: str, default: Any, allowed: Tuple[Any, ...], why: str) -> Any:
        value = self.take(key, default)
        if value not in allowed:
            raise self.refuse(key, f'{key}={value!r} ({why})')
        return value

    def ignore(self, *keys: str) -> None:
        self.used.extend(keys)

    def refuse(self, key: str, what: str) -> ConvertError:
        return ConvertError(f'network_def {self.cls}: {what} is not supported', file=self.file, key=f'network_def#{key}')

    def finish(self) -> None:
        extra = [k for k in self.values if k not in self.used]
        if extra:
            raise self.refuse(extra[0], f'argument {extra[0]}={self.values[extra[0]]!r}')


def _segresnet(a: _Args) -> Network:
    a.require('spatial_dims', 3, (3,), 'only 3D networks')
    norm, norm_args = _norm_spec(a.take('norm', ('GROUP', {'num_groups': 8})))
    if norm not in ('GROUP', 'BATCH'):
        raise a.refuse('norm', f'norm {norm}')
    num_groups = int(norm_args.get('num_groups', a.take('num_groups', 8)))
    act, act_args = _norm_spec(a.take('act', ('RELU', {'inplace': True})))
    if act not in ('RELU', 'LEAKYRELU'):
        raise a.refuse('act', f'act {act}')
    a.require('norm_name', '', ('',), 'deprecated; use norm')
    a.require('use_conv_final', True, (True,), 'the package needs the logits')
    a.require('upsample_mode', 'nontrainable', ('nontrainable',), 'only the trilinear upsampling is rebuilt')
    a.ignore('dropout_prob')  # dropout is the identity in eval mode
    kwargs = {
        'in_channels': int(a.take('in_channels', 1)),
        'out_channels': int(a.take('out_channels', 2)),
        'init_filters': int(a.take('init_filters', 8)),
        'blocks_down': [int(b) for b in a.take('blocks_down', (1, 2, 2, 4))],
        'blocks_up': [int(b) for b in a.take('blocks_up', (1, 1, 1))],
        'norm': norm,
        'num_groups': num_groups,
        'act': act,
        'negative_slope': float(act_args.get('negative_slope', 0.01)),
    }
    a.finish()
    return Network(SegResNet(**kwargs), 'monai.networks.nets.SegResNet', kwargs, size_multiple(kwargs['blocks_down']), True)


def _unet(a: _Args) -> Network:
    a.require('spatial_dims', 3, (3,), 'only 3D networks')
    a.require('adn_ordering', 'NDA', ('NDA',), 'only the default order norm → dropout → act')
    a.ignore('dropout')
    norm, norm_args = _norm_spec(a.take('norm', 'INSTANCE'))
    act, act_args = _norm_spec(a.take('act', 'PRELU'))
    kwargs = {
        'in_channels': int(a.take('in_channels', 1)),
        'out_channels': int(a.take('out_channels', 2)),
        'channels': [int(c) for c in a.take('channels', ())],
        'strides': [int(s) if isinstance(s, int) else s for s in a.take('strides', ())],
        'kernel_size': a.take('kernel_size', 3),
        'up_kernel_size': a.take('up_kernel_size', 3),
        'num_res_units': int(a.take('num_res_units', 0)),
        'norm': norm,
        'norm_args': norm_args,
        'act': act,
        'act_args': act_args,
        'bias': bool(a.take('bias', True)),
    }
    a.finish()
    try:
        module = UNet(**kwargs)
    except ValueError as e:
        raise ConvertError(f'network_def UNet: {e}', file=a.file, key='network_def') from e
    multiple = 1
    for s in kwargs['strides']:
        multiple *= s if isinstance(s, int) else max(s)
    return Network(module, 'monai.networks.nets.UNet', kwargs, multiple, True)


def _swin(a: _Args) -> Network:
    a.require('spatial_dims', 3, (3,), 'only 3D networks')
    a.require('norm_name', 'instance', ('instance', 'INSTANCE'), 'only instance norm is rebuilt')
    a.require('use_v2', False, (False,), 'the v2 residual convolutions are not rebuilt')
    downsample = a.require('downsample', 'merging', ('merging', 'mergingv2'), 'patch merging of MONAI 1.5')
    a.ignore('img_size', 'use_checkpoint', 'drop_rate', 'attn_drop_rate', 'dropout_path_rate')
    kwargs = {
        'in_channels': int(a.take('in_channels', 1)),
        'out_channels': int(a.take('out_channels', 2)),
        'feature_size': int(a.take('feature_size', 24)),
        'depths': [int(d) for d in a.take('depths', (2, 2, 2, 2))],
        'num_heads': [int(h) for h in a.take('num_heads', (3, 6, 12, 24))],
        'window_size': 7,
        'normalize': bool(a.take('normalize', True)),
        'merge': downsample,
    }
    a.finish()
    return Network(SwinUNETR(**kwargs), 'monai.networks.nets.SwinUNETR', kwargs, SWIN_MULTIPLE, False)


BUILDERS: Dict[str, Callable[[_Args], Network]] = {'SegResNet': _segresnet, 'UNet': _unet, 'Unet': _unet, 'SwinUNETR': _swin}


def build_network(network_def: Any, file: str) -> Network:
    cls = target_name(network_def)
    if cls is None:
        raise ConvertError(f'network_def is not an object with a "_target_" (got {type(network_def).__name__})', file=file, key='network_def')
    builder = BUILDERS.get(cls)
    if builder is None:
        raise ConvertError(f'network_def class {network_def["_target_"]!r} is not supported (supported: SegResNet, UNet, SwinUNETR)', file=file, key='network_def#_target_')
    network = builder(_Args(network_def, file, cls))
    if network.kwargs['in_channels'] != 1:
        raise ConvertError(f'network_def {cls} takes {network.kwargs["in_channels"]} input channels; packages feed one CT channel', file=file, key='network_def#in_channels')
    return network
