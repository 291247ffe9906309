"""A MONAI bundle's inference transforms, inferer and postprocessing → the package's
``preprocess``, ``inference`` and task activation. Each transform either maps onto a manifest field
exactly or is refused by name (with its position in the chain); none is dropped silently.

What maps:

- ``Orientationd(axcodes)`` → ``preprocess.orientation``.
- ``Spacingd(pixdim, mode="bilinear")`` → ``preprocess.spacing`` with ``grid: "first-voxel"``
  (MONAI's output grid: round((n - 1) · old / new + 1) voxels from the first voxel centre).
- ``ScaleIntensityRanged`` → a ``clip`` step (its ``clip`` flag kept); ``NormalizeIntensityd`` →
  ``zscore`` (fixed subtrahend/divisor) or ``normalize`` (the image's own statistics, ``nonzero``);
  ``ScaleIntensityd(minv, maxv)`` → ``scale``. Several make an ordered ``steps`` chain.
- Loading and typing transforms (``LoadImaged``, ``EnsureChannelFirstd``, ``EnsureTyped``, …) do
  nothing to the values the engine sees.
- ``SlidingWindowInferer(roi_size, overlap, mode="gaussian", sigma_scale, sw_batch_size,
  padding_mode constant|replicate, cval)`` → ``inference``.
- ``Activationsd(softmax|sigmoid)``, ``AsDiscreted(argmax | threshold)`` → the tasks' activation
  and threshold; ``Invertd``/``SaveImaged`` are what the engine always does (back to the input grid).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from .bundle_config import BundleConfig, Unresolved, need, target_name
from .common import ConvertError

#: Transforms that do not change the values the network sees (loading, typing, channel axis).
NEUTRAL = {
    'LoadImaged', 'LoadImage', 'EnsureTyped', 'EnsureType', 'EnsureChannelFirstd', 'EnsureChannelFirst', 'AddChanneld', 'AddChannel',
    'ToTensord', 'ToTensor', 'ToDeviced', 'Identityd', 'Identity',
}
#: Postprocessing transforms the engine does anyway (invert onto the input grid, write the file).
POST_NEUTRAL = {'Invertd', 'SaveImaged', 'SaveImage', 'EnsureTyped', 'EnsureType', 'ToDeviced', 'CopyItemsd', 'Identityd'}


@dataclass
class Pipeline:
    orientation: str
    spacing: List[float]
    intensity: dict
    roi: List[int]
    overlap: float
    sigma_scale: float
    batch_size: int
    pad_mode: str
    pad_value: float
    activation: str = 'softmax'
    threshold: float = 0.5
    #: what each transform became, for the conversion log and the training record
    notes: List[str] = field(default_factory=list)


class _Chain:
    def __init__(self, cfg: BundleConfig, section: str):
        self.cfg, self.section = cfg, section

    def transforms(self) -> List[Tuple[str, str, dict]]:
        """(path, class name, resolved object) of every transform in the section's Compose."""
        obj = self.cfg.get(self.section)
        listed = obj.get('transforms') if isinstance(obj, dict) and target_name(obj) == 'Compose' else obj
        # Only the list itself and its entries must resolve; a transform's arguments are checked when read.
        need(listed if not isinstance(listed, list) else [t if isinstance(t, Unresolved) else None for t in listed])
        if not isinstance(listed, list):
            raise ConvertError(f'"{self.section}" is not a Compose of transforms (got {type(listed).__name__})', file=self.cfg.files[0], key=self.section)
        base = f'{self.section}#transforms' if isinstance(obj, dict) else self.section
        out = []
        for i, t in enumerate(listed):
            name = target_name(t)
            if name is None:
                raise ConvertError(f'transform {i} has no "_target_"', file=self.cfg.files[0], key=f'{base}#{i}')
            out.append((f'{base}#{i}', name, t))
        return out

    def refuse(self, path: str, name: str, why: str) -> ConvertError:
        return ConvertError(f'{self.section} transform {name} {why}; the package format cannot express it, so the bundle is refused', file=self.cfg.files[0], key=path)


def _arg(obj: dict, key: str, default: Any = None) -> Any:
    return need(obj.get(key, default))


def _triple(value: Any, what: str, chain: _Chain, path: str, name: str) -> List[float]:
    values = list(value) if isinstance(value, (list, tuple)) else [value] * 3
    if len(values) != 3 or not all(isinstance(v, (int, float)) for v in values):
        raise chain.refuse(path, name, f'has {what} {value!r}; expected three numbers')
    return [float(v) for v in values]


def read_preprocessing(cfg: BundleConfig, image_key: str) -> Tuple[str, List[float], dict, List[str]]:
    chain = _Chain(cfg, 'preprocessing')
    orientation: Optional[str] = None
    spacing: Optional[List[float]] = None
    steps: List[dict] = []
    notes: List[str] = []
    for path, name, t in chain.transforms():
        keys = _arg(t, 'keys', image_key)
        keys = [keys] if isinstance(keys, str) else list(keys)
        if image_key not in keys:
            notes.append(f'{name}: not applied to "{image_key}", skipped')
            continue
        if name in NEUTRAL:
            notes.append(f'{name}: no effect on values')
        elif name == 'Orientationd':
            codes = _arg(t, 'axcodes')
            if _arg(t, 'as_closest_canonical', False):
                codes = 'RAS'
            if not isinstance(codes, str) or len(codes) != 3:
                raise chain.refuse(path, name, f'has axcodes {codes!r}; expected three axis codes')
            if spacing is not None or steps:
                raise chain.refuse(path, name, 'comes after Spacingd or an intensity transform; the engine reorients first')
            orientation = codes.upper()
            notes.append(f'Orientationd → orientation {orientation}')
        elif name == 'Spacingd':
            spacing = _spacing(t, chain, path, name, steps)
            notes.append(f'Spacingd → spacing {spacing} (MONAI grid: first voxel kept, round-half-even extent)')
        elif name == 'ScaleIntensityRanged':
            a_min, a_max, b_min, b_max = (_arg(t, k) for k in ('a_min', 'a_max', 'b_min', 'b_max'))
            if b_min is None or b_max is None:
                raise chain.refuse(path, name, 'has no b_min/b_max (output range)')
            steps.append({'kind': 'clip', 'aMin': a_min, 'aMax': a_max, 'bMin': b_min, 'bMax': b_max, 'clip': bool(_arg(t, 'clip', False))})
            notes.append(f'ScaleIntensityRanged → clip [{a_min}, {a_max}] → [{b_min}, {b_max}]{" clipped" if steps[-1]["clip"] else ""}')
        elif name == 'NormalizeIntensityd':
            steps.append(_normalize(t, chain, path, name))
            notes.append(f'NormalizeIntensityd → {steps[-1]}')
        elif name == 'ScaleIntensityd':
            if _arg(t, 'factor') is not None:
                raise chain.refuse(path, name, 'uses factor (x · (1 + factor))')
            minv, maxv = _arg(t, 'minv', 0.0), _arg(t, 'maxv', 1.0)
            if minv is None or maxv is None:
                raise chain.refuse(path, name, 'has minv or maxv None')
            steps.append({'kind': 'scale', 'minv': minv, 'maxv': maxv})
            notes.append(f'ScaleIntensityd → scale to [{minv}, {maxv}]')
        else:
            raise chain.refuse(path, name, 'has no equivalent in the engine')
    if orientation is None:
        raise ConvertError('preprocessing has no Orientationd: the bundle runs each CT in its file\'s own orientation, the package needs one', file=cfg.files[0], key='preprocessing')
    if spacing is None:
        raise ConvertError('preprocessing has no Spacingd: the bundle runs each CT at its own voxel size, the package needs one', file=cfg.files[0], key='preprocessing')
    intensity = {'kind': 'none'} if not steps else steps[0] if len(steps) == 1 else {'kind': 'steps', 'steps': steps}
    return orientation, spacing, intensity, notes


def _spacing(t: dict, chain: _Chain, path: str, name: str, steps: List[dict]) -> List[float]:
    if steps:
        raise chain.refuse(path, name, 'comes after an intensity transform; the engine resamples first')
    pixdim = _triple(_arg(t, 'pixdim'), 'pixdim', chain, path, name)
    if any(p <= 0 for p in pixdim):
        raise chain.refuse(path, name, f'has pixdim {pixdim} (<= 0 keeps the input spacing on that axis)')
    mode = _arg(t, 'mode', 'bilinear')
    mode = mode[0] if isinstance(mode, (list, tuple)) else mode
    checks = {
        'mode': (mode, ('bilinear', 1)),
        'padding_mode': (_arg(t, 'padding_mode', 'border'), ('border',)),
        'align_corners': (_arg(t, 'align_corners', False), (False,)),
        'diagonal': (_arg(t, 'diagonal', False), (False,)),
        'scale_extent': (_arg(t, 'scale_extent', False), (False,)),
        'min_pixdim': (_arg(t, 'min_pixdim'), (None,)),
        'max_pixdim': (_arg(t, 'max_pixdim'), (None,)),
    }
    for arg, (value, allowed) in checks.items():
        if value not in allowed:
            raise chain.refuse(path, name, f'has {arg}={value!r} (the engine resamples trilinearly with edge clamping: {arg}={allowed[0]!r})')
    return pixdim


def _normalize(t: dict, chain: _Chain, path: str, name: str) -> dict:
    sub, div = _arg(t, 'subtrahend'), _arg(t, 'divisor')
    if _arg(t, 'channel_wise', False) not in (False, True):
        raise chain.refuse(path, name, 'has a non-boolean channel_wise')
    if sub is not None or div is not None:
        if sub is None or div is None or _arg(t, 'nonzero', False) or not isinstance(sub, (int, float)) or not isinstance(div, (int, float)):
            raise chain.refuse(path, name, 'mixes fixed and image statistics (or uses nonzero with fixed ones)')
        return {'kind': 'zscore', 'mean': sub, 'std': div}
    return {'kind': 'normalize', 'nonzero': bool(_arg(t, 'nonzero', False))}


def read_inferer(cfg: BundleConfig) -> Tuple[dict, List[str]]:
    obj = cfg.get('inferer')
    name = target_name(obj)
    if name != 'SlidingWindowInferer':
        raise ConvertError(f'inferer {name or obj!r} is not a SlidingWindowInferer; the engine runs sliding windows only', file=cfg.files[0], key='inferer')

    def arg(key, default=None):
        return _arg(obj, key, default)

    roi = arg('roi_size')
    roi = list(roi) if isinstance(roi, (list, tuple)) else [roi] * 3
    if len(roi) != 3 or not all(isinstance(r, int) and r > 0 for r in roi):
        raise ConvertError(f'inferer roi_size {roi!r}: expected three positive integers (-1, "the whole image", has no fixed window)', file=cfg.files[0], key='inferer#roi_size')
    mode = arg('mode', 'constant')
    if mode != 'gaussian':
        raise ConvertError(f'inferer mode {mode!r}: the engine blends windows with a gaussian importance map only', file=cfg.files[0], key='inferer#mode')
    pad_mode = arg('padding_mode', 'constant')
    if pad_mode not in ('constant', 'replicate'):
        raise ConvertError(f'inferer padding_mode {pad_mode!r}: the engine pads with a constant or replicates the edge', file=cfg.files[0], key='inferer#padding_mode')
    sigma = arg('sigma_scale', 0.125)
    if isinstance(sigma, (list, tuple)):
        if len(set(sigma)) != 1:
            raise ConvertError(f'inferer sigma_scale {sigma!r}: the engine uses one sigma scale for every axis', file=cfg.files[0], key='inferer#sigma_scale')
        sigma = sigma[0]
    overlap = arg('overlap', 0.25)
    if isinstance(overlap, (list, tuple)):
        if len(set(overlap)) != 1:
            raise ConvertError(f'inferer overlap {overlap!r}: the engine uses one overlap for every axis', file=cfg.files[0], key='inferer#overlap')
        overlap = overlap[0]
    for key, default in (('buffer_steps', None), ('with_coord', False)):
        if arg(key, default) not in (default,):
            raise ConvertError(f'inferer {key}={arg(key)!r} has no engine equivalent', file=cfg.files[0], key=f'inferer#{key}')
    inference = {
        'roi': [int(r) for r in roi],
        'overlap': float(overlap),
        'sigmaScale': float(sigma),
        'batchSize': int(arg('sw_batch_size', 1)),
        'padValue': float(arg('cval', 0.0)),
        'padMode': pad_mode,
    }
    return inference, [f'SlidingWindowInferer → roi {inference["roi"]}, overlap {inference["overlap"]}, gaussian σ {inference["sigmaScale"]}·roi, padding {pad_mode}, batch {inference["batchSize"]}']


def read_postprocessing(cfg: BundleConfig, pred_key: str = 'pred') -> Tuple[str, float, List[str]]:
    """(activation, threshold, notes). Without a postprocessing section: softmax + argmax."""
    if not cfg.has('postprocessing'):
        return 'softmax', 0.5, ['no postprocessing: softmax + argmax assumed']
    chain = _Chain(cfg, 'postprocessing')
    activation, threshold, discrete, notes = None, 0.5, None, []
    for path, name, t in chain.transforms():
        if name in POST_NEUTRAL:
            notes.append(f'{name}: what the engine does anyway')
        elif name == 'Activationsd':
            if _arg(t, 'other') is not None:
                raise chain.refuse(path, name, 'uses a custom "other" activation')
            softmax, sigmoid = bool(_arg(t, 'softmax', False)), bool(_arg(t, 'sigmoid', False))
            if softmax == sigmoid:
                raise chain.refuse(path, name, 'sets neither or both of softmax and sigmoid')
            activation = 'softmax' if softmax else 'sigmoid'
            notes.append(f'Activationsd → {activation}')
        elif name == 'AsDiscreted':
            argmax, thr = bool(_arg(t, 'argmax', False)), _arg(t, 'threshold')
            if argmax == (thr is not None) or _arg(t, 'to_onehot') is not None or _arg(t, 'rounding') is not None:
                raise chain.refuse(path, name, 'is neither a plain argmax nor a plain threshold')
            discrete = 'argmax' if argmax else 'threshold'
            if thr is not None:
                threshold = float(thr)
            notes.append(f'AsDiscreted → {discrete}{f" {threshold}" if thr is not None else ""}')
        else:
            raise chain.refuse(path, name, 'has no equivalent in the engine')
    activation = activation or ('softmax' if discrete != 'threshold' else 'sigmoid')
    if (activation, discrete) in (('softmax', 'threshold'), ('sigmoid', 'argmax')):
        raise ConvertError(f'postprocessing combines {activation} with {discrete}; the engine decides softmax by argmax and sigmoid by threshold', file=cfg.files[0], key='postprocessing')
    if not 0 < threshold < 1:
        raise ConvertError(f'postprocessing threshold {threshold} is not a probability in (0, 1)', file=cfg.files[0], key='postprocessing')
    return activation, threshold, notes


def read_pipeline(cfg: BundleConfig) -> Pipeline:
    image_key = need(cfg.get('image_key', 'image'))
    orientation, spacing, intensity, notes = read_preprocessing(cfg, image_key)
    inference, inf_notes = read_inferer(cfg)
    activation, threshold, post_notes = read_postprocessing(cfg)
    return Pipeline(
        orientation=orientation, spacing=spacing, intensity=intensity, roi=inference['roi'], overlap=inference['overlap'],
        sigma_scale=inference['sigmaScale'], batch_size=inference['batchSize'], pad_mode=inference['padMode'], pad_value=inference['padValue'],
        activation=activation, threshold=threshold, notes=notes + inf_notes + post_notes,
    )


def manifest_sections(p: Pipeline) -> Dict[str, dict]:
    return {
        'preprocess': {'orientation': p.orientation, 'spacing': p.spacing, 'intensity': p.intensity, 'axes': 'xyz', 'grid': 'first-voxel'},
        'inference': {'roi': p.roi, 'overlap': p.overlap, 'sigmaScale': p.sigma_scale, 'batchSize': p.batch_size, 'padValue': p.pad_value, 'padMode': p.pad_mode},
    }
