"""torch.nn wrappers whose inputs/outputs are exactly the graph I/O of docs/model-bundle.md."""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from .model import ReportModel

OPSET = 17


class EncoderGraph(nn.Module):
    def __init__(self, model: ReportModel):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        memory, label_logits = self.model.encoder(pixel_values)
        if self.model.cfg.contrastive:
            return memory, label_logits, self.model.image_pooled(memory)
        return memory, label_logits


class DecoderGraph(nn.Module):
    def __init__(self, model: ReportModel):
        super().__init__()
        self.decoder = model.decoder

    def forward(self, input_ids, image_embeds):
        logits, presents = self.decoder(input_ids, image_embeds)
        return (logits, *[t for kv in presents for t in kv])


class DecoderWithPastGraph(nn.Module):
    def __init__(self, model: ReportModel):
        super().__init__()
        self.decoder = model.decoder

    def forward(self, input_ids, image_embeds, *flat_past):
        past = [(flat_past[2 * i], flat_past[2 * i + 1]) for i in range(len(flat_past) // 2)]
        logits, presents = self.decoder(input_ids, image_embeds, past)
        return (logits, *[t for kv in presents for t in kv])


class TextGraph(nn.Module):
    def __init__(self, model: ReportModel):
        super().__init__()
        self.text = model.text_encoder

    def forward(self, input_ids):
        return self.text(input_ids)


def _cache_names(prefix: str, layers: int) -> list[str]:
    return [f"{prefix}.{i}.{kind}" for i in range(layers) for kind in ("key", "value")]


def _export(module: nn.Module, args: tuple, path: Path, inputs: list[str], outputs: list[str], axes: dict) -> None:
    # A new wrapper starts in training mode and torch.onnx.export restores that mode afterwards,
    # which would switch BatchNorm to batch statistics (and update them): evaluate-mode first.
    module.eval()
    torch.onnx.export(module, args, str(path), input_names=inputs, output_names=outputs, dynamic_axes=axes,
                      opset_version=OPSET, do_constant_folding=True)


def export_graphs(model: ReportModel, out: Path) -> list[str]:
    """Writes the ONNX files into `out`; returns their names."""
    cfg = model.cfg
    model.eval()
    pixels = torch.zeros(2, 1, cfg.image_size, cfg.image_size)
    enc_out = ["image_embeds", "label_logits"] + (["image_pooled"] if cfg.contrastive else [])
    _export(EncoderGraph(model), (pixels,), out / "vision_encoder.onnx", ["pixel_values"], enc_out,
            {"pixel_values": {0: "B"}, **{n: {0: "B"} for n in enc_out}})
    memory = model.encoder(pixels)[0].detach()
    ids = torch.ones(2, 3, dtype=torch.long)
    present = _cache_names("present", cfg.decoder_layers)
    past = _cache_names("past", cfg.decoder_layers)
    cache_axes = {n: {0: "B", 2: "T"} for n in present}
    _export(DecoderGraph(model), (ids, memory), out / "decoder.onnx", ["input_ids", "image_embeds"], ["logits", *present],
            {"input_ids": {0: "B", 1: "T"}, "image_embeds": {0: "B"}, "logits": {0: "B", 1: "T"}, **cache_axes})
    kv = tuple(torch.zeros(2, cfg.heads, 3, cfg.head_dim) for _ in past)
    _export(DecoderWithPastGraph(model), (ids[:, :1], memory, *kv), out / "decoder_with_past.onnx",
            ["input_ids", "image_embeds", *past], ["logits", *present],
            {"input_ids": {0: "B"}, "image_embeds": {0: "B"}, "logits": {0: "B"},
             **{n: {0: "B", 2: "Tpast"} for n in past}, **{n: {0: "B", 2: "Tnext"} for n in present}})
    files = ["vision_encoder.onnx", "decoder.onnx", "decoder_with_past.onnx"]
    if cfg.contrastive:
        _export(TextGraph(model), (ids,), out / "text_encoder.onnx", ["input_ids"], ["text_embeds"],
                {"input_ids": {0: "B", 1: "T"}, "text_embeds": {0: "B"}})
        files.append("text_encoder.onnx")
    return files
