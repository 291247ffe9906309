"""The training configuration: every knob of a run, stored in its checkpoints so a resume, an
export or ``network_from_checkpoint`` rebuilds exactly the same network."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Dict, List

from .. import data as D


@dataclass
class TrainConfig:
    mode: str = 'pathways'
    """'pathways' (gCIS: router + K alternatives per position) or 'heads' (clNet)."""
    tasks: List[str] = field(default_factory=lambda: list(D.TASK_NAMES))
    heads: Dict[str, dict] = field(default_factory=dict)
    """heads mode: name -> {'tasks': [...], 'supporting': [...]}."""
    # network
    feature_size: int = 12
    depths: List[int] = field(default_factory=lambda: [1, 1, 1, 1])
    num_heads: List[int] = field(default_factory=lambda: [3, 6, 12, 24])
    k: int = 4
    embed_dim: int = 32
    router_hidden: int = 64
    """0 = a linear router."""
    mix: str = 'selected'
    """Training selection: 'all' alternatives weighted (exact straight-through gradient for every
    router logit, K x the decoder cost), 'selected' (only the chosen block runs) or 'hybrid'
    ('all' at the first ``hybrid_positions`` positions, which are small and cheap)."""
    hybrid_positions: int = 3
    # data
    cache: str = ''
    val_cache: str = ''
    train_seeds: List[int] = field(default_factory=list)
    val_seeds: List[int] = field(default_factory=list)
    patch: List[int] = field(default_factory=lambda: [64, 64, 64])
    fg_fraction: float = 0.75
    intensity: dict = field(default_factory=lambda: dict(D.DEFAULT_INTENSITY))
    jitter_scale: float = 0.05
    jitter_shift: float = 20.0
    jitter_noise: float = 15.0
    # real CTs (partial labels): a cache of realct.openkbp; its training split joins the phantoms
    real_cache: str = ''
    real_weight: float = 0.5
    """share of patches drawn from the real cases when phantoms are trained too"""
    real_val: int = 0
    """validation-split cases of ``real_cache`` validated during training (the full set: the bench)"""
    real_require: List[str] = field(default_factory=list)
    """only real cases whose labels know these tasks (heads mode: the trained heads' tasks)"""
    spatial_p: float = 0.0
    """real cases: probability of a small rotation/zoom (``rotate_deg``, ``zoom``)"""
    rotate_deg: float = 10.0
    zoom: float = 0.1
    flip_lr: float = 0.0
    """real cases: probability of a left/right flip with left and right labels swapped"""
    # optimisation
    steps: int = 2000
    tasks_per_step: int = 3
    lr: float = 5e-4
    router_lr_mult: float = 5.0
    weight_decay: float = 1e-4
    warmup: int = 100
    min_lr_ratio: float = 0.01
    clip: float = 1.0
    ema_decay: float = 0.999
    tau_start: float = 2.0
    tau_end: float = 0.3
    present_weight: float = 3.0
    """Task choice weight of a task present in the patch relative to an absent one."""
    dice_floor: float = 0.25
    """Task choice weight is (present ? present_weight : 1) * (dice_floor + 1 - recent Dice)."""
    # continual / frozen
    freeze_encoder: bool = False
    freeze_bottleneck: bool = False
    """pathways mode: ``encoder10`` (every alternative) is frozen with the encoder, so clNet heads
    trained on the ``init_from`` checkpoint's encoder and bottleneck stay valid."""
    train_heads: List[str] = field(default_factory=list)
    """heads mode: only these heads train (empty = all)."""
    init_from: str = ''
    shared_bottleneck: int = 0
    """heads mode: the ``encoder10`` alternative (1-based; -1 = the one most of the heads' tasks
    use) of the ``init_from`` pathways checkpoint that becomes a bottleneck shared by all heads and
    frozen with the encoder; the heads are then decoder5..decoder1 + out only. 0 = every head has
    its own encoder10. Kept in the config, so resume and export rebuild the same network."""
    init_heads_from_task: Dict[str, str] = field(default_factory=dict)
    stop_at: int = 0
    """Stop (checkpoint, exit 0) after this step without finishing the schedule; 0 = run to ``steps``."""
    pinned_pathways: Dict[str, List[int]] = field(default_factory=dict)
    """pathways mode: task -> fixed 1-based pathway (all distinct); the router is then bypassed."""
    """heads mode: head -> pathway task whose blocks initialise the head (decoder5..decoder1, and
    ``out`` when its shape agrees)."""
    bottleneck_origin: dict = field(default_factory=dict)
    """Written at initialisation from a pathways checkpoint and kept on resume: checkpoint path
    and step, the bottleneck alternative, the heads' source tasks and their pathways."""
    # run
    seed: int = 0
    threads: int = 2
    device: str = 'auto'
    deterministic: bool = False
    out: str = ''
    ckpt_every: int = 100
    keep_every: int = 0
    log_every: int = 10
    val_every: int = 0
    val_overlap: float = 0.25

    @staticmethod
    def from_dict(d: dict) -> 'TrainConfig':
        names = {f.name for f in fields(TrainConfig)}
        return TrainConfig(**{k: v for k, v in d.items() if k in names})
