"""A CLIP-architecture text transformer in torch and its export to the transformers.js layout.

Architecture (as in CLIP's text tower): token embedding + learned position embedding; pre-LN
blocks (LayerNorm → causal multi-head self-attention → residual; LayerNorm → Linear → quick_gelu
→ Linear → residual); a final LayerNorm; the hidden state at the end-of-text token is projected
(no bias) to ``text_embeds``. The end-of-text token is found as the position of the highest id in
``input_ids`` (the vocabulary puts ``<|endoftext|>`` last, and padding with it after the text
does not move the first maximum), which is how CLIP text models with the original vocabulary
pool. ``text_embeds`` is not normalised; the caller L2-normalises.

Exported directory (what ``CLIPTextModelWithProjection.from_pretrained`` reads):

    config.json            model_type "clip_text_model", sizes, token ids
    onnx/text_model.onnx   input ``input_ids`` int64 [batch, seq] → ``text_embeds`` [batch, proj],
                           ``last_hidden_state`` [batch, seq, hidden]; batch and seq dynamic;
                           opset 16

There is no ``attention_mask`` input: with a causal mask, padding after the end-of-text token
cannot change the pooled state (as in the usual CLIP text exports).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass
from typing import Dict, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OPSET = 16


@dataclass(frozen=True)
class ClipTextConfig:
    vocab_size: int
    hidden_size: int = 32
    intermediate_size: int = 128
    num_hidden_layers: int = 2
    num_attention_heads: int = 2
    max_position_embeddings: int = 77
    projection_dim: int = 16
    layer_norm_eps: float = 1e-5
    bos_token_id: int = 0
    eos_token_id: int = 0
    pad_token_id: int = 0

    def config_json(self) -> dict:
        """``config.json`` for transformers.js (and for Hugging Face's CLIPTextConfig)."""
        return {
            'architectures': ['CLIPTextModelWithProjection'],
            'model_type': 'clip_text_model',
            'hidden_act': 'quick_gelu',
            'torch_dtype': 'float32',
            **asdict(self),
        }


def quick_gelu(x: torch.Tensor) -> torch.Tensor:
    return x * torch.sigmoid(1.702 * x)


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: ClipTextConfig):
        super().__init__()
        if cfg.hidden_size % cfg.num_attention_heads:
            raise ValueError('hidden_size must be a multiple of num_attention_heads')
        self.heads = cfg.num_attention_heads
        self.head_dim = cfg.hidden_size // cfg.num_attention_heads
        self.q_proj = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.k_proj = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.v_proj = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.out_proj = nn.Linear(cfg.hidden_size, cfg.hidden_size)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, s, h = x.shape

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.reshape(b, s, self.heads, self.head_dim).transpose(1, 2)

        q = split(self.q_proj(x)) * (1.0 / math.sqrt(self.head_dim))
        k = split(self.k_proj(x))
        v = split(self.v_proj(x))
        scores = torch.matmul(q, k.transpose(-1, -2)).masked_fill(mask, float('-inf'))
        out = torch.matmul(F.softmax(scores, dim=-1), v)
        return self.out_proj(out.transpose(1, 2).reshape(b, s, h))


class Block(nn.Module):
    def __init__(self, cfg: ClipTextConfig):
        super().__init__()
        self.layer_norm1 = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.self_attn = CausalSelfAttention(cfg)
        self.layer_norm2 = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.fc1 = nn.Linear(cfg.hidden_size, cfg.intermediate_size)
        self.fc2 = nn.Linear(cfg.intermediate_size, cfg.hidden_size)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = x + self.self_attn(self.layer_norm1(x), mask)
        return x + self.fc2(quick_gelu(self.fc1(self.layer_norm2(x))))


class ClipTextModel(nn.Module):
    """input_ids [batch, seq] (int64) → (text_embeds [batch, proj], last_hidden_state [batch, seq, hidden])."""

    def __init__(self, cfg: ClipTextConfig):
        super().__init__()
        self.cfg = cfg
        self.token_embedding = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.position_embedding = nn.Embedding(cfg.max_position_embeddings, cfg.hidden_size)
        self.layers = nn.ModuleList([Block(cfg) for _ in range(cfg.num_hidden_layers)])
        self.final_layer_norm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.text_projection = nn.Linear(cfg.hidden_size, cfg.projection_dim, bias=False)

    def forward(self, input_ids: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        seq = input_ids.shape[1]
        positions = torch.arange(seq, device=input_ids.device)
        x = self.token_embedding(input_ids) + self.position_embedding(positions)[None]
        # True above the diagonal: position i may not attend to j > i.
        mask = positions[None, :] > positions[:, None]
        for layer in self.layers:
            x = layer(x, mask)
        hidden = self.final_layer_norm(x)
        # int32 argmax: the first position of the highest id (the end-of-text token).
        eos = input_ids.to(torch.int32).argmax(dim=-1)
        index = eos[:, None, None].expand(-1, 1, hidden.shape[-1])
        pooled = hidden.gather(1, index).squeeze(1)
        return self.text_projection(pooled), hidden


def init_random(model: ClipTextModel, seed: int) -> None:
    """Fixed-seed weights from numpy's frozen RandomState stream, in parameter-name order, so
    they do not depend on torch's generator. Scales keep activations O(1) through the tiny net."""
    rng = np.random.RandomState(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters(), key=lambda kv: kv[0]):
            if 'layer_norm' in name:
                base = 1.0 if name.endswith('weight') else 0.0
                values = base + 0.1 * rng.standard_normal(p.shape)
            elif name.endswith('bias'):
                values = 0.02 * rng.standard_normal(p.shape)
            elif 'embedding' in name:
                values = 0.5 * rng.standard_normal(p.shape)
            else:
                values = rng.standard_normal(p.shape) / math.sqrt(p.shape[-1])
            p.copy_(torch.from_numpy(values.astype(np.float32)))


def export_clip_text(model: ClipTextModel, out_dir: str) -> Dict[str, str]:
    """Write ``config.json`` and ``onnx/text_model.onnx`` into ``out_dir`` (the layout
    transformers.js reads); checks the graph with the ONNX checker. Returns the written paths."""
    import onnx

    os.makedirs(os.path.join(out_dir, 'onnx'), exist_ok=True)
    config_path = os.path.join(out_dir, 'config.json')
    with open(config_path, 'w', encoding='utf-8') as f:
        json.dump(model.cfg.config_json(), f, indent=1)
        f.write('\n')
    onnx_path = os.path.join(out_dir, 'onnx', 'text_model.onnx')
    model.eval()
    example = torch.tensor([[model.cfg.bos_token_id, 1, 2, model.cfg.eos_token_id]], dtype=torch.int64)
    torch.onnx.export(
        model,
        (example,),
        onnx_path,
        input_names=['input_ids'],
        output_names=['text_embeds', 'last_hidden_state'],
        dynamic_axes={
            'input_ids': {0: 'batch_size', 1: 'sequence_length'},
            'text_embeds': {0: 'batch_size'},
            'last_hidden_state': {0: 'batch_size', 1: 'sequence_length'},
        },
        opset_version=OPSET,
        do_constant_folding=True,
    )
    graph = onnx.load(onnx_path)
    onnx.checker.check_model(graph, full_check=True)
    names = ([i.name for i in graph.graph.input], [o.name for o in graph.graph.output])
    if names != (['input_ids'], ['text_embeds', 'last_hidden_state']):
        raise RuntimeError(f'unexpected ONNX inputs/outputs {names}')
    return {'config': config_path, 'onnx': onnx_path}


def embed(model: ClipTextModel, ids: list) -> np.ndarray:
    """Raw ``text_embeds`` of one id sequence (float32, not normalised)."""
    with torch.no_grad():
        out, _ = model(torch.tensor([ids], dtype=torch.int64))
    return out[0].numpy()
