"""Tiny torch networks in the three shapes of a uniseg model package, with fixed-seed weights,
their ONNX export (opset 16, dynamic batch axis, static spatial window) and the ``model.json``
writer.

- ``plain``: one part ``net`` (image → logits, 3 classes).
- ``pathways``: ``encoder`` (image → feat0, feat1), stage ``decoder`` with alternatives
  ``decoder.1..3`` (feat1 → up), stage ``out`` with ``out.1..3`` ((up, feat0) → logits).
- ``heads``: ``encoder`` (image → feats), head ``Organs`` (``head.Organs``: feats → head.Organs)
  and head ``Tumor`` supported by ``Organs`` (``head.Tumor``: (feats, head.Organs) → head.Tumor).

Weights are drawn from ``numpy.random.RandomState`` (a frozen stream), then the last 1x1 conv of
every logits-producing part is calibrated on synthetic CT so that each channel's logits have a
chosen mean and spread: masks come out neither empty nor full and probabilities are not
saturated. Calibration runs in float64 and its factors are rounded, so the stored weights do not
depend on the machine's last-bit arithmetic.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from scipy import ndimage

from .intensity import normalize_intensity

OPSET = 16
LEAK = 0.1


def act(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, LEAK)


# --------------------------------------------------------------------------------------------
# Modules
# --------------------------------------------------------------------------------------------


class PlainNet(nn.Module):
    """image [N,1,...] → logits [N,classes,...]: conv, stride-2 conv, conv, transposed conv, skip, 1x1."""

    def __init__(self, width: int = 6, deep: int = 10, classes: int = 3):
        super().__init__()
        self.stem = nn.Conv3d(1, width, 3, padding=1)
        self.down = nn.Conv3d(width, deep, 3, stride=2, padding=1)
        self.mid = nn.Conv3d(deep, deep, 3, padding=1)
        self.up = nn.ConvTranspose3d(deep, width, 2, stride=2)
        self.final = nn.Conv3d(2 * width, classes, 1)

    def features(self, image: torch.Tensor) -> torch.Tensor:
        a = act(self.stem(image))
        b = act(self.mid(act(self.down(a))))
        return torch.cat([a, act(self.up(b))], 1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.final(self.features(image))


class PathEncoder(nn.Module):
    """image → (feat0 [N,w0,full res], feat1 [N,w1,half res])."""

    def __init__(self, w0: int = 6, w1: int = 8):
        super().__init__()
        self.stem = nn.Conv3d(1, w0, 3, padding=1)
        self.down = nn.Conv3d(w0, w1, 3, stride=2, padding=1)
        self.mid = nn.Conv3d(w1, w1, 3, padding=1)

    def forward(self, image: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        feat0 = act(self.stem(image))
        feat1 = act(self.mid(act(self.down(feat0))))
        return feat0, feat1


class PathDecoder(nn.Module):
    """feat1 → up [N,w0,full res]."""

    def __init__(self, w0: int = 6, w1: int = 8):
        super().__init__()
        self.conv = nn.Conv3d(w1, w1, 3, padding=1)
        self.up = nn.ConvTranspose3d(w1, w0, 2, stride=2)

    def forward(self, feat1: torch.Tensor) -> torch.Tensor:
        return act(self.up(act(self.conv(feat1))))


class PathOut(nn.Module):
    """(up, feat0) → logits [N,classes,full res]."""

    def __init__(self, w0: int = 6, classes: int = 2):
        super().__init__()
        self.fuse = nn.Conv3d(2 * w0, w0, 3, padding=1)
        self.final = nn.Conv3d(w0, classes, 1)

    def features(self, up: torch.Tensor, feat0: torch.Tensor) -> torch.Tensor:
        return act(self.fuse(torch.cat([up, feat0], 1)))

    def forward(self, up: torch.Tensor, feat0: torch.Tensor) -> torch.Tensor:
        return self.final(self.features(up, feat0))


class HeadsEncoder(nn.Module):
    """image → feats [N,feats,full res] (a small U: conv, stride-2 conv, conv, transposed conv, skip)."""

    def __init__(self, width: int = 6, deep: int = 8, feats: int = 8):
        super().__init__()
        self.stem = nn.Conv3d(1, width, 3, padding=1)
        self.down = nn.Conv3d(width, deep, 3, stride=2, padding=1)
        self.mid = nn.Conv3d(deep, deep, 3, padding=1)
        self.up = nn.ConvTranspose3d(deep, width, 2, stride=2)
        self.mix = nn.Conv3d(2 * width, feats, 1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        a = act(self.stem(image))
        b = act(self.mid(act(self.down(a))))
        return act(self.mix(torch.cat([a, act(self.up(b))], 1)))


class OrgansHead(nn.Module):
    """feats → organ logits [N,classes,...]."""

    def __init__(self, feats: int = 8, width: int = 6, classes: int = 3):
        super().__init__()
        self.conv = nn.Conv3d(feats, width, 3, padding=1)
        self.final = nn.Conv3d(width, classes, 1)

    def features(self, feats: torch.Tensor) -> torch.Tensor:
        return act(self.conv(feats))

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        return self.final(self.features(feats))


class TumorHead(nn.Module):
    """(feats, organ logits) → tumour logits; the supporting head's logits enter as a softmax."""

    def __init__(self, feats: int = 8, support: int = 3, width: int = 6, classes: int = 2):
        super().__init__()
        self.conv = nn.Conv3d(feats + support, width, 3, padding=1)
        self.final = nn.Conv3d(width, classes, 1)

    def features(self, feats: torch.Tensor, organs: torch.Tensor) -> torch.Tensor:
        return act(self.conv(torch.cat([feats, torch.softmax(organs, 1)], 1)))

    def forward(self, feats: torch.Tensor, organs: torch.Tensor) -> torch.Tensor:
        return self.final(self.features(feats, organs))


MODULE_CLASSES = {
    cls.__name__: cls for cls in (PlainNet, PathEncoder, PathDecoder, PathOut, HeadsEncoder, OrgansHead, TumorHead)
}


def init_module(module: nn.Module, seed: int, bias_std: float = 0.3) -> None:
    """He-normal weights and N(0, bias_std) biases from RandomState(seed), in parameter order."""
    rng = np.random.RandomState(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            owner = module.get_submodule(name.rsplit('.', 1)[0])
            if name.endswith('weight'):
                if isinstance(owner, nn.ConvTranspose3d):
                    # k=2, s=2: each output voxel sees every input channel through one kernel tap.
                    fan_in = p.shape[0]
                else:
                    fan_in = int(np.prod(p.shape[1:]))
                value = rng.standard_normal(tuple(p.shape)) * np.sqrt(2.0 / fan_in)
            else:
                value = rng.normal(0.0, bias_std, size=tuple(p.shape))
            p.copy_(torch.from_numpy(value.astype(np.float32)))


# --------------------------------------------------------------------------------------------
# Synthetic CT
# --------------------------------------------------------------------------------------------

BLOB_HU = (62.0, 48.0, 30.0, 160.0, -70.0, 420.0, 8.0, 95.0)


def synthetic_ct(shape: Sequence[int], seed: int, blobs: int = 7, noise: float = 8.0) -> np.ndarray:
    """CT-like Hounsfield units (int16) on an index grid: air around an ellipsoidal body with a
    fat rim, soft tissue inside and smooth blobs of different HU (organ, kidney, contrast,
    fat, bone), light noise. Coordinates are normalised to [-1, 1] across each axis."""
    rng = np.random.RandomState(seed)
    grids = np.meshgrid(*[np.linspace(-1.0, 1.0, n) for n in shape], indexing='ij')

    def ellipsoid(centre, radii) -> np.ndarray:
        return sum(((g - c) / r) ** 2 for g, c, r in zip(grids, centre, radii))

    hu = np.full(tuple(shape), -1000.0)
    hu[ellipsoid((0, 0, 0), (0.92, 0.82, 1.6)) <= 1] = -95.0
    hu[ellipsoid((0, 0, 0), (0.8, 0.7, 1.5)) <= 1] = 38.0
    for b in range(blobs):
        centre = rng.uniform(-0.45, 0.45, size=3)
        radii = rng.uniform(0.18, 0.4, size=3)
        hu[ellipsoid(centre, radii) <= 1] = BLOB_HU[(b + seed) % len(BLOB_HU)]
    hu = ndimage.gaussian_filter(hu, sigma=0.8, mode='nearest')
    hu = hu + rng.normal(0.0, noise, size=hu.shape)
    return np.clip(np.round(hu), -1024, 3071).astype(np.int16)


# --------------------------------------------------------------------------------------------
# Calibration
# --------------------------------------------------------------------------------------------


def _round_sig(x: float, digits: int = 4) -> float:
    return float(f'{x:.{digits}g}')


def calibrate_final(final: nn.Conv3d, logits: np.ndarray, gains: Sequence[float], offsets: Sequence[float]) -> None:
    """Rescale a final 1x1 conv so channel c of ``logits`` ([C, ...], computed with the current
    weights) becomes (l_c - mean_c) / std_c * gains[c] + offsets[c]."""
    flat = logits.reshape(logits.shape[0], -1)
    mean = flat.mean(axis=1)
    std = flat.std(axis=1)
    with torch.no_grad():
        w = final.weight.detach().double().clone()
        b = final.bias.detach().double().clone()
        for c in range(flat.shape[0]):
            scale = _round_sig(gains[c] / max(float(std[c]), 1e-6))
            shift = _round_sig(float(mean[c]), 4)
            w[c] *= scale
            b[c] = (b[c] - shift) * scale + offsets[c]
        final.weight.copy_(w.float())
        final.bias.copy_(b.float())


def _calibration_images(intensity: dict, seeds: Sequence[int], shape=(40, 40, 40)) -> List[torch.Tensor]:
    out = []
    for s in seeds:
        ct = synthetic_ct(shape, s).astype(np.float64)
        out.append(torch.from_numpy(normalize_intensity(ct, intensity)[None, None]))
    return out


# --------------------------------------------------------------------------------------------
# Packages
# --------------------------------------------------------------------------------------------

CLIP = {'kind': 'clip', 'aMin': -200, 'aMax': 300, 'bMin': 0, 'bMax': 1, 'clip': True}
ZSCORE = {'kind': 'zscore', 'mean': 40, 'std': 300}
CALIBRATION_SEEDS = (9001, 9002, 9003)


class PackageSpec:
    """Everything needed to write a package: manifest (without hashes), modules, their kwargs,
    the tensor-layout shape of each part's example inputs."""

    def __init__(self, name: str, manifest: dict):
        self.name = name
        self.manifest = manifest
        self.modules: Dict[str, nn.Module] = {}
        self.kwargs: Dict[str, dict] = {}

    def add(self, part: str, cls, seed: int, **kwargs) -> nn.Module:
        module = cls(**kwargs)
        init_module(module, seed)
        module.eval()
        self.modules[part] = module
        self.kwargs[part] = kwargs
        return module


def _part(file: str, inputs: List[str], outputs: List[str]) -> dict:
    return {'file': file, 'inputs': inputs, 'outputs': outputs}


def build_plain(seed: int = 101) -> PackageSpec:
    manifest = {
        'format': 'uniseg.model/1',
        'name': 'tiny-plain',
        'description': 'Test package: one random-weight network (3 classes). Not a real model.',
        'input': {'tensor': 'image'},
        'preprocess': {'orientation': 'RAS', 'spacing': [1.5, 1.5, 1.5], 'intensity': dict(CLIP), 'axes': 'xyz'},
        'inference': {'roi': [24, 24, 24], 'overlap': 0.5, 'sigmaScale': 0.125, 'batchSize': 1, 'padValue': 0},
        'parts': {'net': _part('net.onnx', ['image'], ['logits'])},
        'tasks': [
            {
                'name': 'liver',
                'prompt': 'liver',
                'aliases': ['hepar'],
                'route': {'kind': 'fixed'},
                'output': {'tensor': 'logits', 'channels': [1]},
                'labels': {'liver': 1},
                'activation': 'softmax',
            },
            {
                'name': 'spleen',
                'prompt': 'spleen',
                'aliases': [],
                'route': {'kind': 'fixed'},
                'output': {'tensor': 'logits', 'channels': [2]},
                'labels': {'spleen': 1},
                'activation': 'softmax',
            },
        ],
    }
    spec = PackageSpec('plain', manifest)
    net = spec.add('net', PlainNet, seed, width=6, deep=10, classes=3)
    with torch.no_grad():
        net64 = net.double()
        logits = np.concatenate([net64(x)[0].numpy().reshape(3, -1) for x in _calibration_images(CLIP, CALIBRATION_SEEDS)], 1)
        calibrate_final(net64.final, logits, gains=[1.6, 1.8, 1.8], offsets=[0.9, 0.0, 0.0])
        net.float()
    return spec


def build_pathways(seed: int = 202) -> PackageSpec:
    roi = [24, 20, 16]  # along i, j, k; the tensor window is [16, 20, 24] (axes zyx)
    manifest = {
        'format': 'uniseg.model/1',
        'name': 'tiny-pathways',
        'description': 'Test package: gCIS-style encoder, 2 stages of 3 alternatives. Random weights, not a real model.',
        'input': {'tensor': 'image'},
        'preprocess': {'orientation': 'RAS', 'spacing': [1.5, 1.5, 2.0], 'intensity': dict(CLIP), 'axes': 'zyx'},
        'inference': {'roi': roi, 'overlap': 0.5, 'sigmaScale': 0.125, 'batchSize': 1, 'padValue': 0},
        'parts': {
            'encoder': _part('encoder.onnx', ['image'], ['feat0', 'feat1']),
            **{f'decoder.{k}': _part(f'decoder.{k}.onnx', ['feat1'], ['up']) for k in (1, 2, 3)},
            **{f'out.{k}': _part(f'out.{k}.onnx', ['up', 'feat0'], ['logits']) for k in (1, 2, 3)},
        },
        'stages': [
            {'name': 'decoder', 'alternatives': ['decoder.1', 'decoder.2', 'decoder.3']},
            {'name': 'out', 'alternatives': ['out.1', 'out.2', 'out.3']},
        ],
        'tasks': [
            {
                'name': 'liver',
                'prompt': 'liver',
                'aliases': [],
                'route': {'kind': 'pathway', 'pathway': [1, 2]},
                'output': {'tensor': 'logits', 'channels': [1]},
                'labels': {'liver': 1},
                'activation': 'sigmoid',
            },
            {
                'name': 'spleen',
                'prompt': 'spleen',
                'aliases': [],
                'route': {'kind': 'pathway', 'pathway': [2, 2]},
                'output': {'tensor': 'logits', 'channels': [1]},
                'labels': {'spleen': 1},
                'activation': 'sigmoid',
                'threshold': 0.6,
            },
            {
                'name': 'kidney',
                'prompt': 'kidney',
                'aliases': ['kidneys'],
                'route': {'kind': 'pathway', 'pathway': [1, 3]},
                'output': {'tensor': 'logits', 'channels': [1]},
                'labels': {'kidney': 1},
                'activation': 'softmax',
            },
            {
                'name': 'lesions',
                'prompt': 'liver lesions',
                'aliases': [],
                'route': {'kind': 'pathway', 'pathway': [3, 1]},
                'output': {'tensor': 'logits', 'channels': [0, 1]},
                'labels': {'cyst': 1, 'lesion': 2},
                'activation': 'sigmoid',
                'threshold': 0.4,
            },
        ],
    }
    spec = PackageSpec('pathways', manifest)
    enc = spec.add('encoder', PathEncoder, seed, w0=6, w1=8)
    decs = [spec.add(f'decoder.{k}', PathDecoder, seed + k, w0=6, w1=8) for k in (1, 2, 3)]
    outs = [spec.add(f'out.{k}', PathOut, seed + 10 + k, w0=6, classes=2) for k in (1, 2, 3)]
    # Per out alternative: gains and offsets of its 2 channels (sigmoid tasks read each channel).
    targets = {1: ([1.6, 1.6], [-0.3, 0.2]), 2: ([1.7, 1.7], [0.0, -0.2]), 3: ([1.5, 1.5], [0.3, -0.1])}
    with torch.no_grad():
        images = _calibration_images(CLIP, CALIBRATION_SEEDS)
        enc64 = enc.double()
        feats = [enc64(x) for x in images]
        for k, out in enumerate(outs, start=1):
            out64 = out.double()
            logits = [out64(dec.double()(f1), f0)[0].numpy().reshape(2, -1) for f0, f1 in feats for dec in decs]
            calibrate_final(out64.final, np.concatenate(logits, 1), *targets[k])
        for m in [enc, *decs, *outs]:
            m.float()
    return spec


def build_heads(seed: int = 303) -> PackageSpec:
    manifest = {
        'format': 'uniseg.model/1',
        'name': 'tiny-heads',
        'description': 'Test package: clNet-style shared encoder with an organ head and a supported tumour head. Random weights, not a real model.',
        'input': {'tensor': 'image'},
        'preprocess': {'orientation': 'RAS', 'spacing': [1.5, 1.5, 1.5], 'intensity': dict(ZSCORE), 'axes': 'xyz'},
        'inference': {'roi': [24, 24, 24], 'overlap': 0.25, 'sigmaScale': 0.125, 'batchSize': 2, 'padValue': -3.5},
        'parts': {
            'encoder': _part('encoder.onnx', ['image'], ['feats']),
            'head.Organs': _part('head.Organs.onnx', ['feats'], ['head.Organs']),
            'head.Tumor': _part('head.Tumor.onnx', ['feats', 'head.Organs'], ['head.Tumor']),
        },
        'heads': {
            'Organs': {'parts': ['head.Organs'], 'output': 'head.Organs', 'labels': {'kidney_left': 1, 'kidney_right': 2}, 'supporting': []},
            'Tumor': {'parts': ['head.Tumor'], 'output': 'head.Tumor', 'labels': {'kidney_tumor': 1}, 'supporting': ['Organs']},
        },
        'tasks': [
            {
                'name': 'kidney_left',
                'prompt': 'left kidney',
                'aliases': ['kidney left'],
                'route': {'kind': 'head', 'head': 'Organs'},
                'output': {'tensor': 'head.Organs', 'channels': [1]},
                'labels': {'kidney_left': 1},
                'activation': 'softmax',
            },
            {
                'name': 'kidney_right',
                'prompt': 'right kidney',
                'aliases': ['kidney right'],
                'route': {'kind': 'head', 'head': 'Organs'},
                'output': {'tensor': 'head.Organs', 'channels': [2]},
                'labels': {'kidney_right': 1},
                'activation': 'softmax',
            },
            {
                'name': 'kidneys',
                'prompt': 'kidneys',
                'aliases': ['both kidneys'],
                'route': {'kind': 'head', 'head': 'Organs'},
                'output': {'tensor': 'head.Organs', 'channels': [1, 2]},
                'labels': {'kidney_left': 1, 'kidney_right': 2},
                'activation': 'softmax',
            },
            {
                'name': 'kidney_tumor',
                'prompt': 'kidney tumor',
                'aliases': ['renal tumor', 'kidney tumour'],
                'route': {'kind': 'head', 'head': 'Tumor'},
                'output': {'tensor': 'head.Tumor', 'channels': [1]},
                'labels': {'kidney_tumor': 1},
                'activation': 'sigmoid',
            },
        ],
    }
    spec = PackageSpec('heads', manifest)
    enc = spec.add('encoder', HeadsEncoder, seed, width=6, deep=8, feats=8)
    organs = spec.add('head.Organs', OrgansHead, seed + 1, feats=8, width=6, classes=3)
    tumor = spec.add('head.Tumor', TumorHead, seed + 2, feats=8, support=3, width=6, classes=2)
    with torch.no_grad():
        feats = [enc.double()(x) for x in _calibration_images(ZSCORE, CALIBRATION_SEEDS)]
        o64 = organs.double()
        calibrate_final(o64.final, np.concatenate([o64(f)[0].numpy().reshape(3, -1) for f in feats], 1), [1.6, 1.8, 1.8], [0.8, 0.0, 0.0])
        t64 = tumor.double()
        logits = np.concatenate([t64(f, o64(f))[0].numpy().reshape(2, -1) for f in feats], 1)
        calibrate_final(t64.final, logits, [1.0, 1.8], [0.0, -0.4])
        for m in (enc, organs, tumor):
            m.float()
    return spec


BUILDERS = {'plain': build_plain, 'pathways': build_pathways, 'heads': build_heads}


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


def tensor_window(manifest: dict) -> Tuple[int, int, int]:
    roi = manifest['inference']['roi']
    return (roi[0], roi[1], roi[2]) if manifest['preprocess']['axes'] == 'xyz' else (roi[2], roi[1], roi[0])


def example_inputs(spec: PackageSpec, batch: int, seed: int = 0) -> Dict[str, torch.Tensor]:
    """A value for every tensor of the package (first stage alternatives), batch ``batch``."""
    m = spec.manifest
    g = torch.Generator().manual_seed(seed)
    values = {m['input']['tensor']: torch.rand((batch, 1) + tensor_window(m), generator=g, dtype=torch.float32)}
    stage_first = {st['alternatives'][0] for st in m.get('stages', [])}
    in_stage = {a for st in m.get('stages', []) for a in st['alternatives']}
    pending = [p for p in m['parts'] if p not in in_stage or p in stage_first]
    with torch.no_grad():
        while pending:
            for p in list(pending):
                part = m['parts'][p]
                if all(t in values for t in part['inputs']):
                    outs = spec.modules[p](*[values[t] for t in part['inputs']])
                    outs = outs if isinstance(outs, tuple) else (outs,)
                    values.update(zip(part['outputs'], outs))
                    pending.remove(p)
    return values


def export_onnx(module: nn.Module, inputs: List[str], outputs: List[str], args: Tuple[torch.Tensor, ...]) -> bytes:
    buf = io.BytesIO()
    dynamic = {name: {0: 'N'} for name in [*inputs, *outputs]}
    with torch.no_grad():
        torch.onnx.export(
            module,
            args,
            buf,
            input_names=inputs,
            output_names=outputs,
            dynamic_axes=dynamic,
            opset_version=OPSET,
            do_constant_folding=True,
            export_params=True,
        )
    return buf.getvalue()


def state_bytes(module: nn.Module) -> bytes:
    buf = io.BytesIO()
    torch.save({k: v.detach().clone() for k, v in module.state_dict().items()}, buf)
    return buf.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_package(spec: PackageSpec, out_dir: str) -> Dict[str, bytes]:
    """Writes model.json, one .onnx per part and torch/{spec.json,<part>.pt}; returns the ONNX bytes."""
    os.makedirs(os.path.join(out_dir, 'torch'), exist_ok=True)
    m = json.loads(json.dumps(spec.manifest))
    values = example_inputs(spec, batch=2)
    onnx_bytes: Dict[str, bytes] = {}
    torch_spec = {'format': 'uniseg.torch-reference/1', 'module': 'uniseg_tools.tiny_models', 'parts': {}}
    for name, part in m['parts'].items():
        module = spec.modules[name]
        data = export_onnx(module, part['inputs'], part['outputs'], tuple(values[t] for t in part['inputs']))
        onnx_bytes[name] = data
        with open(os.path.join(out_dir, part['file']), 'wb') as f:
            f.write(data)
        part['sha256'] = sha256(data)
        with open(os.path.join(out_dir, 'torch', f'{name}.pt'), 'wb') as f:
            f.write(state_bytes(module))
        torch_spec['parts'][name] = {'class': type(module).__name__, 'kwargs': spec.kwargs[name], 'state': f'{name}.pt'}
    with open(os.path.join(out_dir, 'model.json'), 'w') as f:
        f.write(json.dumps(m, indent=2) + '\n')
    with open(os.path.join(out_dir, 'torch', 'spec.json'), 'w') as f:
        f.write(json.dumps(torch_spec, indent=2) + '\n')
    return onnx_bytes


def check_part(spec: PackageSpec, name: str, data: bytes) -> None:
    """onnx.checker (with shape inference) on the exported bytes, the declared names and shapes,
    and torch.jit.trace giving the eager output at another batch size (no data-dependent flow)."""
    import onnx

    model = onnx.load_from_string(data)
    onnx.checker.check_model(model, full_check=True)
    part = spec.manifest['parts'][name]
    assert [i.name for i in model.graph.input if i.name not in {x.name for x in model.graph.initializer}] == part['inputs'], name
    assert [o.name for o in model.graph.output] == part['outputs'], name
    assert model.opset_import[0].version == OPSET
    for vi in list(model.graph.input) + list(model.graph.output):
        dims = vi.type.tensor_type.shape.dim
        assert dims[0].dim_param == 'N', f'{name}: {vi.name} batch axis is not dynamic'
        assert all(d.dim_value > 0 for d in dims[1:]), f'{name}: {vi.name} has a non-static dim'
    module = spec.modules[name]
    example = example_inputs(spec, batch=1, seed=1)
    other = example_inputs(spec, batch=3, seed=2)
    args = tuple(example[t] for t in part['inputs'])
    with torch.no_grad():
        traced = torch.jit.trace(module, args)
        for vals in (example, other):
            a = tuple(vals[t] for t in part['inputs'])
            eager = module(*a)
            got = traced(*a)
            eager = eager if isinstance(eager, tuple) else (eager,)
            got = got if isinstance(got, tuple) else (got,)
            for e, t in zip(eager, got):
                assert torch.equal(e, t), f'{name}: traced output differs from eager'
