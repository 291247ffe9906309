"""Finetune one task of a trimmed export (``uniseg export``) and write it back as a package of the
same shape. The command line is `uniseg_tools finetune`; see uniseg_tools/README.md
("Finetuning an exported task").

``package`` (read and check the trimmed package and its ``training`` record), ``network``
(rebuild the torch network from the parts alone, strict loading, part modules and their
dataflow), ``data`` (phantom cache, the task's target classes, patches), ``train`` (the few
AdamW steps), ``export`` (parts written back with export_demo's fp16 writer, structure and ORT
parity checks, manifest, engine check) and ``run`` (the whole thing).
"""
