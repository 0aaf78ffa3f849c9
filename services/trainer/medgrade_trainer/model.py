"""Vision-language model: conv stem + transformer image encoder, causal text decoder with
cross-attention and a KV cache, a multi-label head and an optional CLIP-style contrastive head.

Attention is written out by hand (not nn.MultiheadAttention) so that the exported ONNX graphs
have exactly the inputs and outputs docs/model-bundle.md fixes, including the per-layer cache.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class ModelConfig:
    image_size: int = 64
    width: int = 64
    heads: int = 4
    encoder_layers: int = 2
    decoder_layers: int = 2
    vocab_size: int = 64
    max_length: int = 48
    num_labels: int = 9
    contrastive: bool = False
    embed_dim: int = 64
    lora_rank: int = 0
    lora_alpha: float = 8.0

    @property
    def head_dim(self) -> int:
        return self.width // self.heads

    def to_dict(self) -> dict:
        return asdict(self)


class LoRALinear(nn.Module):
    """y = W x + (alpha/r) B A x with W frozen: parameter-efficient fine-tuning of the decoder."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float):
        super().__init__()
        self.base = base
        self.scale = alpha / rank
        self.lora_a = nn.Parameter(torch.randn(rank, base.in_features) / math.sqrt(base.in_features))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + F.linear(F.linear(x, self.lora_a), self.lora_b) * self.scale

    def merged(self) -> nn.Linear:
        """Folds the adapter into a plain Linear, so the exported graph has no extra matmuls."""
        out = nn.Linear(self.base.in_features, self.base.out_features)
        with torch.no_grad():
            out.weight.copy_(self.base.weight + (self.lora_b @ self.lora_a) * self.scale)
            out.bias.copy_(self.base.bias)
        return out


def split_heads(x: torch.Tensor, heads: int) -> torch.Tensor:
    b, t, d = x.shape
    return x.view(b, t, heads, d // heads).transpose(1, 2)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    b, h, t, hd = x.shape
    return x.transpose(1, 2).reshape(b, t, h * hd)


def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(mask, -1e9)
    return torch.softmax(scores, dim=-1) @ v


class Attention(nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(width, width)
        self.k = nn.Linear(width, width)
        self.v = nn.Linear(width, width)
        self.out = nn.Linear(width, width)

    def forward(self, x, memory=None, mask=None, past=None):
        """Self-attention when memory is None (returns the updated cache), else cross-attention."""
        src = x if memory is None else memory
        q = split_heads(self.q(x), self.heads)
        k = split_heads(self.k(src), self.heads)
        v = split_heads(self.v(src), self.heads)
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        return self.out(merge_heads(attend(q, k, v, mask))), (k, v)


# SiLU, not GELU: Debian's torch 1.13 CPU build computes the exact-GELU backward wrongly for
# non-contiguous gradients (zeros or garbage, differing run to run; found by the resume check).
def mlp(width: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(width, 4 * width), nn.SiLU(), nn.Linear(4 * width, width))


class EncoderBlock(nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.ln1, self.attn = nn.LayerNorm(width), Attention(width, heads)
        self.ln2, self.mlp = nn.LayerNorm(width), mlp(width)

    def forward(self, x, mask=None):
        x = x + self.attn(self.ln1(x), mask=mask)[0]
        return x + self.mlp(self.ln2(x))


class DecoderBlock(nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.ln1, self.self_attn = nn.LayerNorm(width), Attention(width, heads)
        self.ln2, self.cross_attn = nn.LayerNorm(width), Attention(width, heads)
        self.ln3, self.mlp = nn.LayerNorm(width), mlp(width)

    def forward(self, x, memory, mask, past):
        h, present = self.self_attn(self.ln1(x), mask=mask, past=past)
        x = x + h
        x = x + self.cross_attn(self.ln2(x), memory=memory)[0]
        return x + self.mlp(self.ln3(x)), present


def conv_block(cin: int, cout: int, refine: bool = True) -> nn.Sequential:
    """Stride-2 conv, then (optionally) a 3x3 refinement at the new resolution."""
    layers = [nn.Conv2d(cin, cout, 3, stride=2, padding=1), nn.BatchNorm2d(cout), nn.SiLU()]
    if refine:
        layers += [nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.SiLU()]
    return nn.Sequential(*layers)


class VisionEncoder(nn.Module):
    """pixels [B,1,H,W] -> image tokens [B, (H/8)(W/8), D], plus pooled label logits."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        d = cfg.width
        # No refinement at the largest resolution: it would cost a third of the encoder's compute.
        self.stem = nn.Sequential(conv_block(1, d // 4, refine=False), conv_block(d // 4, d // 2), conv_block(d // 2, d))
        self.pos = nn.Parameter(torch.zeros(1, (cfg.image_size // 8) ** 2, d))
        self.blocks = nn.ModuleList(EncoderBlock(d, cfg.heads) for _ in range(cfg.encoder_layers))
        self.ln = nn.LayerNorm(d)
        self.label_head = nn.Linear(d, cfg.num_labels)

    def forward(self, pixels):
        x = self.stem(pixels).flatten(2).transpose(1, 2) + self.pos
        for block in self.blocks:
            x = block(x)
        x = self.ln(x)
        return x, self.label_head(x.mean(dim=1))


class TextDecoder(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.tok = nn.Embedding(cfg.vocab_size, cfg.width)
        self.pos = nn.Embedding(cfg.max_length, cfg.width)
        self.blocks = nn.ModuleList(DecoderBlock(cfg.width, cfg.heads) for _ in range(cfg.decoder_layers))
        self.ln = nn.LayerNorm(cfg.width)
        self.head = nn.Linear(cfg.width, cfg.vocab_size)

    def forward(self, ids, memory, past=None):
        """ids [B,T]; past: per-layer (key, value) or None. Returns logits and the per-layer cache."""
        t = ids.shape[1]
        start = 0 if past is None else past[0][0].shape[2]
        positions = torch.arange(t, device=ids.device) + start
        x = self.tok(ids) + self.pos(positions)[None]
        # Causal mask over the new tokens; cached positions are all in the past, so always visible.
        mask = None
        if past is None:
            idx = torch.arange(t, device=ids.device)
            mask = idx[None, :] > idx[:, None]
        presents = []
        for i, block in enumerate(self.blocks):
            x, present = block(x, memory, mask, None if past is None else past[i])
            presents.append(present)
        return self.head(self.ln(x)), presents


class TextEncoder(nn.Module):
    """CLIP-style text tower for zero-shot classification: mean of non-pad tokens, projected."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.tok = nn.Embedding(cfg.vocab_size, cfg.width)
        self.pos = nn.Embedding(cfg.max_length, cfg.width)
        self.block = EncoderBlock(cfg.width, cfg.heads)
        self.proj = nn.Linear(cfg.width, cfg.embed_dim)

    def forward(self, ids):
        keep = (ids != 0).float().unsqueeze(-1)
        x = self.tok(ids) + self.pos(torch.arange(ids.shape[1], device=ids.device))[None]
        x = self.block(x, mask=(ids == 0)[:, None, None, :])
        pooled = (x * keep).sum(1) / keep.sum(1).clamp(min=1.0)
        return F.normalize(self.proj(pooled), dim=-1)


class ReportModel(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = VisionEncoder(cfg)
        self.decoder = TextDecoder(cfg)
        if cfg.contrastive:
            self.image_proj = nn.Linear(cfg.width, cfg.embed_dim)
            self.text_encoder = TextEncoder(cfg)
            self.logit_scale = nn.Parameter(torch.tensor(math.log(10.0)))
        if cfg.lora_rank > 0:
            self.add_lora(cfg.lora_rank, cfg.lora_alpha)

    def add_lora(self, rank: int, alpha: float) -> None:
        self.cfg.lora_rank, self.cfg.lora_alpha = rank, alpha
        for block in self.decoder.blocks:
            for attn in (block.self_attn, block.cross_attn):
                if not isinstance(attn.q, LoRALinear):
                    attn.q, attn.v = LoRALinear(attn.q, rank, alpha), LoRALinear(attn.v, rank, alpha)

    def merge_lora(self) -> None:
        for block in self.decoder.blocks:
            for attn in (block.self_attn, block.cross_attn):
                if isinstance(attn.q, LoRALinear):
                    attn.q, attn.v = attn.q.merged(), attn.v.merged()
        self.cfg.lora_rank = 0

    def image_pooled(self, memory):
        return F.normalize(self.image_proj(memory.mean(dim=1)), dim=-1)

    def forward(self, pixels, ids):
        memory, label_logits = self.encoder(pixels)
        logits, _ = self.decoder(ids, memory)
        return logits, label_logits, memory
