"""Greedy decoding through the KV-cache path, the same loop the inference service runs on ONNX."""
from __future__ import annotations

import torch

from .model import ReportModel
from .tokenizer import BOS, EOS


@torch.no_grad()
def greedy(model: ReportModel, pixels: torch.Tensor, max_new_tokens: int) -> tuple[list[list[int]], torch.Tensor]:
    """Returns generated ids per image (without <bos>/<eos>) and the label logits."""
    model.eval()
    device = next(model.parameters()).device
    pixels = pixels.to(device)
    # Positions run 0..max_length-1 and <bos> takes 0, so at most max_length-1 tokens fit.
    max_new_tokens = min(max_new_tokens, model.cfg.max_length - 1)
    memory, label_logits = model.encoder(pixels)
    b = pixels.shape[0]
    ids = torch.full((b, 1), BOS, dtype=torch.long, device=device)
    logits, past = model.decoder(ids, memory)
    out = [[] for _ in range(b)]
    done = torch.zeros(b, dtype=torch.bool, device=device)
    for _ in range(max_new_tokens):
        nxt = logits[:, -1].argmax(-1)
        for i in range(b):
            if not done[i] and int(nxt[i]) != EOS:
                out[i].append(int(nxt[i]))
        done |= nxt == EOS
        if bool(done.all()):
            break
        logits, past = model.decoder(nxt[:, None], memory, past)
    return out, label_logits


def generate_texts(model: ReportModel, tok, pixels: torch.Tensor, max_new_tokens: int, batch: int = 128):
    texts, logits = [], []
    for start in range(0, pixels.shape[0], batch):
        ids, lg = greedy(model, pixels[start:start + batch], max_new_tokens)
        texts += [tok.decode(x) for x in ids]
        logits.append(lg.cpu())
    return texts, torch.cat(logits)
