"""Export a gCIS pathways training checkpoint as the shipped model package (``uniseg.model/1``).

``source`` (checkpoint → network, tasks, kept alternatives), ``parts`` (encoder + stage parts,
composition check, writing), ``router`` (router distilled onto text embeddings), ``parity``
(ORT-vs-torch through scripts/check_parts.ts), ``manifest`` (model.json and the training record),
``build`` (the whole export). The command line is `uniseg_tools export`; see
uniseg_tools/README.md.
"""
