"""Export a tiny random-weight model bundle that follows docs/model-bundle.md exactly.

Why: packages/model-runtime and services/inference need a real bundle (real ONNX graphs with the
documented I/O names, KV cache, label and zero-shot heads) to test against before the trained
reference model exists. The weights are random but seeded, so the bundle is reproducible, and the
script also writes `expected.json`: PyTorch's own greedy tokens, label logits and zero-shot text
embeddings for a fixed input, plus bilinear-resize reference values, that the TypeScript tests
compare against.

Usage: /usr/bin/python3 make_test_bundle.py <out-dir> [--name NAME] [--version V] [--seed N]
"""
import argparse
import hashlib
import json
import math
import os

import torch
import torch.nn.functional as F
from torch import nn

OPSET = 17
VOCAB = ["<pad>", "<bos>", "<eos>", "<unk>", ".", ",", "no", "acute", "cardiopulmonary",
         "abnormality", "the", "heart", "is", "enlarged", "left", "right", "pleural", "effusion",
         "lungs", "are", "clear", "small", "large", "pneumothorax", "normal", "size", "mild",
         "there", "a", "chest", "x", "-", "ray", "with"]
LABELS = ["cardiomegaly", "effusion_left", "effusion_right", "pneumothorax"]
H = W = 32
PATCH = 8
LAYERS, HEADS, HEAD_DIM = 2, 2, 8
D = HEADS * HEAD_DIM
MAX_LEN = 24
MAX_NEW = 12
POOLED = 8


class VisionEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch = nn.Conv2d(1, D, PATCH, stride=PATCH)
        self.pos = nn.Parameter(torch.randn(1, (H // PATCH) * (W // PATCH), D) * 0.1)
        self.pool = nn.Linear(D, POOLED)
        self.labels = nn.Linear(D, len(LABELS))

    def forward(self, pixel_values):
        x = self.patch(pixel_values).flatten(2).transpose(1, 2) + self.pos
        mean = x.mean(dim=1)
        return x, F.normalize(self.pool(mean), dim=-1), self.labels(mean)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.qkv, self.proj = nn.LayerNorm(D), nn.Linear(D, 3 * D), nn.Linear(D, D)
        self.ln2, self.q2, self.kv2, self.proj2 = nn.LayerNorm(D), nn.Linear(D, D), nn.Linear(D, 2 * D), nn.Linear(D, D)
        self.ln3, self.mlp = nn.LayerNorm(D), nn.Sequential(nn.Linear(D, 2 * D), nn.GELU(), nn.Linear(2 * D, D))

    @staticmethod
    def heads(t):
        b, n, _ = t.shape
        return t.reshape(b, n, HEADS, HEAD_DIM).transpose(1, 2)

    @staticmethod
    def merge(t):
        b, _, n, _ = t.shape
        return t.transpose(1, 2).reshape(b, n, D)

    def forward(self, x, mem, past_k, past_v):
        q, k, v = self.qkv(self.ln1(x)).split(D, dim=-1)
        q, k, v = self.heads(q), self.heads(k), self.heads(v)
        if past_k is not None:
            k, v = torch.cat([past_k, k], dim=2), torch.cat([past_v, v], dim=2)
        t, tk = q.shape[2], k.shape[2]
        qpos = torch.arange(t) + (tk - t)
        mask = torch.arange(tk)[None, :] > qpos[:, None]
        att = (q @ k.transpose(-1, -2)) / math.sqrt(HEAD_DIM)
        att = att.masked_fill(mask, -1e9).softmax(dim=-1)
        x = x + self.proj(self.merge(att @ v))
        q2 = self.heads(self.q2(self.ln2(x)))
        k2, v2 = self.kv2(mem).split(D, dim=-1)
        att2 = ((q2 @ self.heads(k2).transpose(-1, -2)) / math.sqrt(HEAD_DIM)).softmax(dim=-1)
        x = x + self.proj2(self.merge(att2 @ self.heads(v2)))
        return x + self.mlp(self.ln3(x)), k, v


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(len(VOCAB), D)
        self.pos = nn.Embedding(MAX_LEN, D)
        self.blocks = nn.ModuleList([Block() for _ in range(LAYERS)])
        self.ln = nn.LayerNorm(D)
        self.head = nn.Linear(D, len(VOCAB))

    def run(self, input_ids, image_embeds, past):
        t = input_ids.shape[1]
        start = 0 if past is None else past[0].shape[2]
        x = self.embed(input_ids) + self.pos(torch.arange(t) + start)
        presents = []
        for i, block in enumerate(self.blocks):
            pk, pv = (None, None) if past is None else (past[2 * i], past[2 * i + 1])
            x, k, v = block(x, image_embeds, pk, pv)
            presents += [k, v]
        return (self.head(self.ln(x)), *presents)


class DecoderFirst(nn.Module):
    def __init__(self, dec):
        super().__init__()
        self.dec = dec

    def forward(self, input_ids, image_embeds):
        return self.dec.run(input_ids, image_embeds, None)


class DecoderWithPast(nn.Module):
    def __init__(self, dec):
        super().__init__()
        self.dec = dec

    def forward(self, input_ids, image_embeds, *past):
        return self.dec.run(input_ids, image_embeds, list(past))


class TextEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(len(VOCAB), D)
        self.proj = nn.Linear(D, POOLED)

    def forward(self, input_ids):
        keep = (input_ids != 0).unsqueeze(-1).to(torch.float32)
        mean = (self.embed(input_ids) * keep).sum(dim=1) / keep.sum(dim=1).clamp(min=1.0)
        return F.normalize(self.proj(mean), dim=-1)


def kv_names(prefix):
    return [f"{prefix}.{i}.{kind}" for i in range(LAYERS) for kind in ("key", "value")]


def export(model, args, path, inputs, outputs, axes):
    torch.onnx.export(model, args, path, input_names=inputs, output_names=outputs,
                      dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True)


def export_all(out, vision, dec, text):
    b = 2
    pix = torch.rand(b, 1, H, W)
    emb = vision(pix)[0]
    export(vision, (pix,), f"{out}/vision_encoder.onnx", ["pixel_values"],
           ["image_embeds", "image_pooled", "label_logits"],
           {"pixel_values": {0: "B"}, "image_embeds": {0: "B"}, "image_pooled": {0: "B"}, "label_logits": {0: "B"}})
    ids = torch.tensor([[1, 6, 7]] * b)
    kv_axes = {n: {0: "B", 2: "T"} for n in kv_names("present")}
    export(DecoderFirst(dec), (ids, emb), f"{out}/decoder.onnx", ["input_ids", "image_embeds"],
           ["logits", *kv_names("present")],
           {"input_ids": {0: "B", 1: "T"}, "image_embeds": {0: "B"}, "logits": {0: "B", 1: "T"}, **kv_axes})
    past = dec.run(ids, emb, None)[1:]
    past_axes = {n: {0: "B", 2: "Tpast"} for n in kv_names("past")}
    export(DecoderWithPast(dec), (ids[:, :1], emb, *past), f"{out}/decoder_with_past.onnx",
           ["input_ids", "image_embeds", *kv_names("past")], ["logits", *kv_names("present")],
           {"input_ids": {0: "B"}, "image_embeds": {0: "B"}, "logits": {0: "B"}, **past_axes, **kv_axes})
    export(text, (ids,), f"{out}/text_encoder.onnx", ["input_ids"], ["text_embeds"],
           {"input_ids": {0: "B", 1: "T"}, "text_embeds": {0: "B"}})


def greedy(dec, emb):
    ids = torch.tensor([[1]])
    out = []
    for _ in range(MAX_NEW):
        nxt = int(dec.run(ids, emb, None)[0][0, -1].argmax())
        if nxt == 2:
            break
        out.append(nxt)
        ids = torch.cat([ids, torch.tensor([[nxt]])], dim=1)
    return out


def reference_values(vision, dec, text):
    """Outputs for a fixed input (a diagonal ramp) the TypeScript side must reproduce."""
    ramp = (torch.arange(H)[:, None] + torch.arange(W)[None, :]).to(torch.float32) / (H + W - 2)
    pix = ((ramp - 0.5) / 0.25).reshape(1, 1, H, W)
    emb, pooled, logits = vision(pix)
    small = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]).reshape(1, 1, 2, 3)
    prompt_ids = torch.tensor([[28, 29, 30, 31, 32, 33, 11, 0]])
    return {
        "rampInput": "pixel = ((x + y) / (H + W - 2) - 0.5) / 0.25",
        "tokens": greedy(dec, emb),
        "labelLogits": logits[0].tolist(),
        "imagePooled": pooled[0].tolist(),
        "textEmbeds": text(prompt_ids)[0].tolist(),
        "textIds": prompt_ids[0].tolist(),
        "resize": {
            "input": small[0, 0].tolist(),
            "up_4x5": F.interpolate(small, size=(4, 5), mode="bilinear", align_corners=False)[0, 0].tolist(),
            "down_1x2": F.interpolate(small, size=(1, 2), mode="bilinear", align_corners=False)[0, 0].tolist(),
        },
    }


def write_manifest(out, name, version):
    files = []
    for f in sorted(os.listdir(out)):
        if f == "manifest.json":
            continue
        data = open(os.path.join(out, f), "rb").read()
        files.append({"path": f, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)})
    manifest = {
        "schemaVersion": 1, "name": name, "version": version, "task": "report-generation",
        "description": "Random-weight test bundle (packages/model-runtime/scripts/make_test_bundle.py)",
        "input": {"modality": ["CR", "DX"], "channels": 1, "height": H, "width": W},
        "preprocessing": {"window": {"mode": "header"}, "invertMonochrome1": True,
                          "resize": {"method": "bilinear"}, "normalize": {"mean": 0.5, "std": 0.25}},
        "decoder": {"layers": LAYERS, "heads": HEADS, "headDim": HEAD_DIM, "vocabSize": len(VOCAB), "maxLength": MAX_LEN},
        "generation": {"strategy": "greedy", "maxNewTokens": MAX_NEW},
        "labels": LABELS, "files": files,
        "training": {"mode": "pretrain", "baseModel": None, "datasetSha256": "0" * 64, "seed": 0, "steps": 0,
                     "hyperparameters": {}, "codeVersion": "make_test_bundle.py", "durationS": 0},
        "createdAt": "2026-11-29T00:00:00Z",
    }
    with open(os.path.join(out, "manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--name", default="medgrade-test-tiny")
    ap.add_argument("--version", default="1")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    vision, dec, text = VisionEncoder().eval(), Decoder().eval(), TextEncoder().eval()
    with torch.no_grad():
        export_all(a.out, vision, dec, text)
        expected = reference_values(vision, dec, text)
    with open(os.path.join(a.out, "tokenizer.json"), "w") as fh:
        json.dump({"type": "word", "lowercase": True, "vocab": VOCAB, "pad": 0, "bos": 1, "eos": 2, "unk": 3}, fh)
    with open(os.path.join(a.out, "MODEL_CARD.md"), "w") as fh:
        fh.write("# medgrade-test-tiny\n\nRandom weights. For tests only; not for any clinical use.\n")
    write_manifest(a.out, a.name, a.version)
    # expected.json sits beside the bundle, not inside it: it is test data, not part of the model.
    with open(os.path.join(os.path.dirname(os.path.abspath(a.out)), f"{os.path.basename(os.path.abspath(a.out))}.expected.json"), "w") as fh:
        json.dump(expected, fh, indent=2)


if __name__ == "__main__":
    main()
