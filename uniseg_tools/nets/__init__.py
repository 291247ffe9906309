"""Networks for uniseg model packages (torch, MONAI-compatible names; no MONAI needed).

- ``swin_unetr``: ``SwinUNETR`` (loads MONAI 1.5 state_dicts unchanged), ``SwinEncoder``, the
  encoder/decoder split and the seven decoder positions (``POSITIONS``).
- ``pathways``: ``PathwayNet`` (gCIS: K alternatives per position), ``Router``, pathway formatting.
- ``clnet``: ``ClNet`` (clNet: frozen shared encoder, named decoder heads with supporting heads).
- ``parts``: split into package parts, ONNX export, manifest sections, composition check.
- ``swin``, ``blocks``: the Swin transformer and the UNETR convolution blocks.
"""

from .clnet import ClNet, HeadDecoder
from .pathways import PathwayNet, Router, format_pathway, manifest_pathway, parse_pathway
from .swin_unetr import ENCODER_OUTPUTS, POSITION_NAMES, POSITIONS, SwinEncoder, SwinUNETR, load_monai_state

__all__ = [
    'ClNet',
    'ENCODER_OUTPUTS',
    'HeadDecoder',
    'POSITIONS',
    'POSITION_NAMES',
    'PathwayNet',
    'Router',
    'SwinEncoder',
    'SwinUNETR',
    'format_pathway',
    'load_monai_state',
    'manifest_pathway',
    'parse_pathway',
]
