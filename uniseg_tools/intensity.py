"""Package intensity specs (``preprocess.intensity`` of model.json) applied to a CT array, as the
engine's ``applyIntensity`` does. Shared by the reference pipeline and the tiny fixture models."""

import numpy as np


def normalize_intensity(data: np.ndarray, spec: dict) -> np.ndarray:
    kind = spec['kind']
    if kind == 'none':
        return np.array(data, dtype=np.float64)
    if kind == 'clip':
        a_min, a_max, b_min, b_max = (float(spec[k]) for k in ('aMin', 'aMax', 'bMin', 'bMax'))
        out = (data - a_min) / (a_max - a_min) * (b_max - b_min) + b_min
        if spec.get('clip', True):
            out = np.clip(out, b_min, b_max)
        return out
    if kind == 'zscore':
        return (data - float(spec['mean'])) / float(spec['std'])
    raise ValueError(f'unknown intensity kind {kind!r}')
