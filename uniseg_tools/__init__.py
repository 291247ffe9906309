"""Python side of uniseg's engine tests.

- ``tiny_models``: tiny, fixed-seed torch networks in the three package shapes (plain network,
  gCIS-style pathways, clNet-style heads), their ONNX export and the ``model.json`` writer.
- ``reference``: an independent reference of the inference pipeline the TypeScript engine
  implements (reorient, resample, normalise, sliding window, activation, resample back, mask),
  run with torch on the same weights.

Run with Debian's ``/usr/bin/python3`` (torch, onnx, nibabel, scipy, numpy).
"""

__all__ = ['reference', 'tiny_models']
