"""Where things are: the repository root, its TypeScript helpers and the toolchain's cache.

Every command finds files through here, so nothing a user runs depends on the folder layout.
"""

import os

#: The repository checkout this package lives in.
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
#: TypeScript helpers the toolchain runs through tsx (ORT parity, text embeddings).
NODE_SCRIPTS = os.path.join(REPO_ROOT, 'scripts')
#: Default home of phantom caches and training runs (ignored by git). UNISEG_CACHE overrides it.
CACHE_DIR = os.environ.get('UNISEG_CACHE') or os.path.join(REPO_ROOT, '.cache')
#: Data files the toolchain ships (held-out prompt lists).
DATA_DIR = os.path.join(os.path.dirname(__file__), 'data')

__all__ = ['REPO_ROOT', 'NODE_SCRIPTS', 'CACHE_DIR', 'DATA_DIR']
