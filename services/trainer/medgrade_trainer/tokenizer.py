"""Word-level tokenizer exactly as docs/model-bundle.md specifies (the TypeScript side mirrors it)."""
from __future__ import annotations

import json
import re
from pathlib import Path

SPECIALS = ["<pad>", "<bos>", "<eos>", "<unk>"]
PAD, BOS, EOS, UNK = 0, 1, 2, 3
UNUSED = "<unused"
_SPLIT = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")
_NO_SPACE_BEFORE = re.compile(r" ([.,;:])")


def words(text: str) -> list[str]:
    return _SPLIT.findall(text.lower())


class Tokenizer:
    def __init__(self, vocab: list[str]):
        if vocab[:4] != SPECIALS:
            raise ValueError("tokenizer vocabulary must start with <pad>, <bos>, <eos>, <unk>")
        self.vocab = vocab
        self.index = {w: i for i, w in enumerate(vocab)}

    @classmethod
    def build(cls, texts: list[str], size: int) -> "Tokenizer":
        found = sorted({w for t in texts for w in words(t)})
        if len(found) + len(SPECIALS) > size:
            raise ValueError(f"{len(found)} distinct words do not fit a vocabulary of {size}; raise --vocab-size")
        return cls(SPECIALS + found).padded(size)

    def padded(self, size: int) -> "Tokenizer":
        """Fills the vocabulary to the model's size with `<unusedN>` slots (no text can encode to
        them) that fine-tuning later gives to new words; the bundle's vocab then matches vocabSize."""
        return Tokenizer(self.vocab + [f"{UNUSED}{i}>" for i in range(len(self.vocab), size)])

    def with_words(self, new: list[str]) -> "Tokenizer":
        """Puts new words into unused slots, keeping every existing id."""
        vocab = list(self.vocab)
        free = [i for i, w in enumerate(vocab) if w.startswith(UNUSED)]
        if len(new) > len(free):
            raise ValueError(f"{len(new)} new words, but only {len(free)} unused vocabulary slots")
        for i, word in zip(free, new):
            vocab[i] = word
        return Tokenizer(vocab)

    @classmethod
    def load(cls, path: Path) -> "Tokenizer":
        return cls(json.loads(Path(path).read_text())["vocab"])

    def encode(self, text: str) -> list[int]:
        return [self.index.get(w, UNK) for w in words(text)]

    def decode(self, ids: list[int]) -> str:
        # Specials (<unk> too) are dropped, as docs/model-bundle.md says; ids past the vocabulary
        # are slots reserved for fine-tuning words and are dropped as well.
        out = [self.vocab[i] for i in ids if len(SPECIALS) <= i < len(self.vocab)]
        return _NO_SPACE_BEFORE.sub(r"\1", " ".join(out))

    def to_json(self) -> dict:
        return {"type": "word", "lowercase": True, "vocab": self.vocab, "pad": PAD, "bos": BOS, "eos": EOS, "unk": UNK}

    def normalize(self, text: str) -> str:
        """The text a perfect model would produce: what exact match compares against."""
        return self.decode(self.encode(text))
