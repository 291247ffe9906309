"""A CLIP-style byte-level BPE: learn merges from a corpus, encode text, write ``tokenizer.json``.

The written tokenizer is read by ``@huggingface/tokenizers`` (through transformers.js
``AutoTokenizer``); :func:`encode` here reproduces what that reader does with the file, so the
ids the TypeScript side produces can be predicted in Python:

1. special tokens (``<|startoftext|>``, ``<|endoftext|>``) are split out of the raw text;
2. normaliser: Unicode NFC, every run of white space becomes one space, lower case;
3. pre-tokeniser: the text is cut into pieces, in this order of preference at each position:
   a special token, an English contraction (``'s 't 're 've 'm 'll 'd``), a run of letters, a
   single number character, a run of anything that is neither white space, letter nor number;
   white space is dropped. Each piece's UTF-8 bytes are then mapped to printable characters
   (the byte-level alphabet below), so every text is representable without an unknown token;
4. model: BPE inside each piece, the last symbol carrying the end-of-word suffix ``</w>``;
5. post-processor: ``<|startoftext|>`` before, ``<|endoftext|>`` after.

Vocabulary layout (as in CLIP): the 256 byte characters, the same 256 with ``</w>``, one token per
merge in merge order, then ``<|startoftext|>`` and ``<|endoftext|>`` (the highest id, which a
CLIP text model pools at).
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Sequence, Tuple

BOS = '<|startoftext|>'
EOS = '<|endoftext|>'
SPECIALS = (BOS, EOS)
END_OF_WORD = '</w>'
CONTRACTIONS = ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d")

# The pre-tokeniser pattern written into tokenizer.json. It must split exactly like
# ``pre_tokenize`` below; the regex is for the JavaScript reader, the scanner is for Python (the
# standard ``re`` module has no \p{..} classes).
SPLIT_REGEX = (
    r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"
)

# Unicode White_Space: what the JavaScript reader's \s means once it has rewritten the pattern.
WHITE_SPACE = frozenset(
    [*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000]
)


def byte_alphabet() -> Dict[int, str]:
    """Byte → printable character: printable Latin-1 bytes stand for themselves, the other 68
    bytes (controls, space, soft hyphen, ...) take the characters from U+0100 up, in byte order."""
    printable = [*range(ord('!'), ord('~') + 1), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    table = {b: chr(b) for b in printable}
    shift = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(0x100 + shift)
            shift += 1
    return table


BYTE_CHARS = byte_alphabet()
# Base-vocabulary order: printable bytes first, then the remapped ones (CLIP's layout).
BASE_SYMBOLS: List[str] = [BYTE_CHARS[b] for b in sorted(BYTE_CHARS, key=lambda b: ord(BYTE_CHARS[b]))]


def _is_space(ch: str) -> bool:
    return ord(ch) in WHITE_SPACE


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch).startswith('L')


def _is_number(ch: str) -> bool:
    return unicodedata.category(ch).startswith('N')


def normalize(text: str) -> str:
    """The tokenizer's normaliser: NFC, white-space runs → one space, lower case."""
    text = unicodedata.normalize('NFC', text)
    out: List[str] = []
    for ch in text:
        if _is_space(ch):
            if not out or out[-1] != ' ':
                out.append(' ')
        else:
            out.append(ch)
    return ''.join(out).lower()


def split_pieces(text: str) -> List[str]:
    """The Split pre-tokeniser (see SPLIT_REGEX), as a scanner."""
    pieces: List[str] = []
    i, n = 0, len(text)
    while i < n:
        special = next((s for s in SPECIALS if text.startswith(s, i)), None)
        contraction = next((c for c in CONTRACTIONS if text.startswith(c, i)), None)
        ch = text[i]
        if special or contraction:
            tok = special or contraction
            pieces.append(tok)
            i += len(tok)
        elif _is_letter(ch):
            j = i + 1
            while j < n and _is_letter(text[j]):
                j += 1
            pieces.append(text[i:j])
            i = j
        elif _is_number(ch):
            pieces.append(ch)
            i += 1
        elif _is_space(ch):
            i += 1
        else:
            j = i + 1
            while j < n and not (_is_space(text[j]) or _is_letter(text[j]) or _is_number(text[j])):
                j += 1
            pieces.append(text[i:j])
            i = j
    return pieces


def to_byte_chars(piece: str) -> str:
    return ''.join(BYTE_CHARS[b] for b in piece.encode('utf-8'))


def pre_tokenize(text: str) -> List[str]:
    """Normalise and split ordinary text (no special tokens) into byte-level pieces."""
    return [to_byte_chars(p) for p in split_pieces(normalize(text))]


def _word_symbols(piece: str) -> Tuple[str, ...]:
    symbols = list(piece)
    symbols[-1] += END_OF_WORD
    return tuple(symbols)


def _merge_pair(symbols: Sequence[str], pair: Tuple[str, str]) -> Tuple[str, ...]:
    """Replace every occurrence of ``pair``, left to right, without overlaps."""
    out: List[str] = []
    i = 0
    while i < len(symbols):
        if i + 1 < len(symbols) and symbols[i] == pair[0] and symbols[i + 1] == pair[1]:
            out.append(pair[0] + pair[1])
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return tuple(out)


@dataclass
class Bpe:
    """A trained tokenizer: merges in rank order and the vocabulary (token → id)."""

    merges: List[Tuple[str, str]]
    vocab: Dict[str, int] = field(default_factory=dict)
    model_max_length: int = 77

    def __post_init__(self) -> None:
        if not self.vocab:
            self.vocab = _layout_vocab(self.merges)
        self.ranks = {pair: r for r, pair in enumerate(self.merges)}
        self.bos_id = self.vocab[BOS]
        self.eos_id = self.vocab[EOS]

    @property
    def size(self) -> int:
        return max(self.vocab.values()) + 1

    def bpe(self, piece: str) -> List[str]:
        symbols = _word_symbols(piece)
        while len(symbols) > 1:
            pairs = list(zip(symbols, symbols[1:]))
            rank, pair = min((self.ranks.get(p, float('inf')), p) for p in pairs)
            if rank == float('inf'):
                break
            symbols = _merge_pair(symbols, pair)
        return list(symbols)

    def tokens(self, text: str) -> List[str]:
        """Token strings of ``text`` without BOS/EOS (special tokens in the text are kept whole)."""
        out: List[str] = []
        for section in _split_specials(text):
            if section in SPECIALS:
                out.append(section)
            else:
                for piece in pre_tokenize(section):
                    out.extend(self.bpe(piece))
        return out

    def encode(self, text: str, max_length: int | None = None) -> List[int]:
        """Ids with BOS/EOS. With ``max_length``, a longer result keeps its first
        ``max_length - 1`` ids and ends with EOS (what uniseg's CLIP encoder does)."""
        ids = [self.bos_id, *(self.vocab[t] for t in self.tokens(text)), self.eos_id]
        if max_length is not None and len(ids) > max_length:
            ids = ids[: max_length - 1] + [self.eos_id]
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        """Ids → text (special tokens dropped, words separated by one space)."""
        inverse = {i: t for t, i in self.vocab.items()}
        byte_of = {c: b for b, c in BYTE_CHARS.items()}
        text = ''.join(inverse[i] for i in ids if inverse[i] not in SPECIALS)
        words = text.split(END_OF_WORD)
        return ' '.join(bytes(byte_of[c] for c in w).decode('utf-8', 'replace') for w in words if w)


def _split_specials(text: str) -> List[str]:
    out: List[str] = []
    start = i = 0
    while i < len(text):
        special = next((s for s in SPECIALS if text.startswith(s, i)), None)
        if special:
            if i > start:
                out.append(text[start:i])
            out.append(special)
            i += len(special)
            start = i
        else:
            i += 1
    if start < len(text):
        out.append(text[start:])
    return out


def _layout_vocab(merges: Sequence[Tuple[str, str]]) -> Dict[str, int]:
    tokens = [*BASE_SYMBOLS, *(s + END_OF_WORD for s in BASE_SYMBOLS)]
    seen = set(tokens)
    for a, b in merges:
        if a + b not in seen:
            seen.add(a + b)
            tokens.append(a + b)
    tokens.extend(SPECIALS)
    return {t: i for i, t in enumerate(tokens)}


def build_bpe(corpus: Iterable[str], vocab_size: int, min_frequency: int = 2, model_max_length: int = 77) -> Bpe:
    """Learn merges from ``corpus`` until the vocabulary has ``vocab_size`` tokens or no pair
    occurs ``min_frequency`` times. Ties between equally frequent pairs go to the pair that sorts
    first, so training is deterministic."""
    base = 2 * len(BASE_SYMBOLS) + len(SPECIALS)
    if vocab_size < base:
        raise ValueError(f'vocab_size must be at least {base} (bytes, bytes + </w>, specials)')
    words: Counter = Counter()
    for line in corpus:
        for section in _split_specials(line):
            if section not in SPECIALS:
                words.update(_word_symbols(p) for p in pre_tokenize(section))
    merges: List[Tuple[str, str]] = []
    known = set(BASE_SYMBOLS) | {s + END_OF_WORD for s in BASE_SYMBOLS}
    while len(known) + len(SPECIALS) < vocab_size:
        pairs: Counter = Counter()
        for symbols, count in words.items():
            for pair in zip(symbols, symbols[1:]):
                pairs[pair] += count
        if not pairs:
            break
        best_count = max(pairs.values())
        if best_count < min_frequency:
            break
        best = min(p for p, c in pairs.items() if c == best_count)
        merges.append(best)
        known.add(best[0] + best[1])
        merged: Counter = Counter()
        for symbols, count in words.items():
            merged[_merge_pair(symbols, best)] += count
        words = merged
    return Bpe(merges=merges, model_max_length=model_max_length)


def tokenizer_json(bpe: Bpe) -> dict:
    """The ``tokenizer.json`` document (Hugging Face tokenizers format) for ``bpe``."""
    added = [
        {'id': bpe.vocab[s], 'content': s, 'single_word': False, 'lstrip': False, 'rstrip': False,
         'normalized': False, 'special': True}
        for s in SPECIALS
    ]
    return {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': added,
        'normalizer': {'type': 'Sequence', 'normalizers': [
            {'type': 'NFC'},
            {'type': 'Replace', 'pattern': {'Regex': r'\s+'}, 'content': ' '},
            {'type': 'Lowercase'},
        ]},
        'pre_tokenizer': {'type': 'Sequence', 'pretokenizers': [
            {'type': 'Split', 'pattern': {'Regex': SPLIT_REGEX}, 'behavior': 'Removed', 'invert': True},
            {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': False},
        ]},
        'post_processor': {'type': 'RobertaProcessing', 'sep': [EOS, bpe.eos_id], 'cls': [BOS, bpe.bos_id],
                           'trim_offsets': False, 'add_prefix_space': False},
        'decoder': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': True},
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': EOS, 'continuing_subword_prefix': '',
                  'end_of_word_suffix': END_OF_WORD, 'fuse_unk': False, 'byte_fallback': False,
                  'vocab': dict(sorted(bpe.vocab.items(), key=lambda kv: kv[1])),
                  'merges': [f'{a} {b}' for a, b in bpe.merges]},
    }


def tokenizer_config_json(bpe: Bpe) -> dict:
    return {
        'tokenizer_class': 'CLIPTokenizer',
        'bos_token': BOS,
        'eos_token': EOS,
        'unk_token': EOS,
        'pad_token': EOS,
        'model_max_length': bpe.model_max_length,
        'do_lower_case': True,
        'add_prefix_space': False,
        'clean_up_tokenization_spaces': False,
    }


def write_json(path: str, doc: dict) -> None:
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write('\n')


def write_tokenizer_json(bpe: Bpe, out_dir: str) -> None:
    """Write ``tokenizer.json`` and ``tokenizer_config.json`` into ``out_dir``."""
    os.makedirs(out_dir, exist_ok=True)
    write_json(os.path.join(out_dir, 'tokenizer.json'), tokenizer_json(bpe))
    write_json(os.path.join(out_dir, 'tokenizer_config.json'), tokenizer_config_json(bpe))


def read_tokenizer_json(path: str, model_max_length: int = 77) -> Bpe:
    """Load a tokenizer written by :func:`write_tokenizer_json` (or any CLIP-layout BPE)."""
    with open(path, encoding='utf-8') as f:
        doc = json.load(f)
    model = doc['model']
    merges = [tuple(m.split(' ', 1)) if isinstance(m, str) else tuple(m) for m in model['merges']]
    vocab = dict(model['vocab'])
    for t in doc.get('added_tokens', []):
        vocab[t['content']] = t['id']
    return Bpe(merges=list(merges), vocab=vocab, model_max_length=model_max_length)
