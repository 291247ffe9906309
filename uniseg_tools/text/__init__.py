"""Text side of uniseg's prompt encoders (Python tools, not used at inference time).

- ``bpe``: a CLIP-style byte-level BPE: the pre-tokenisation pipeline, a merge trainer
  (``build_bpe``), an encoder that mirrors what ``@huggingface/tokenizers`` does with the written
  file, and the ``tokenizer.json`` / ``tokenizer_config.json`` writer (``write_tokenizer_json``).
- ``clip_text``: a CLIP-architecture text transformer in torch (token + position embeddings,
  pre-LN causal blocks with quick_gelu, final layer norm, pooling at the end-of-text token,
  projection) and its export to the transformers.js layout (``export_clip_text``).
- ``corpus``: a small corpus of CT prompts and paraphrases to learn merges from.

Run with Debian's ``/usr/bin/python3`` (torch, onnx, numpy).
"""

__all__ = ['bpe', 'clip_text', 'corpus']
