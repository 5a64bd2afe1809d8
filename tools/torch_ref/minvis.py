"""Parity fixture for model/minvis: MinVIS's query tracking and video inference.

Our own PyTorch version, written from /work/shared/REFERENCE.md (MinVIS) and M2F_SEMANTICS.md
§3.4 (inference resize path), not copied from the official code:
  tracking   embeddings L2-normalised; for frame t >= 1, cost = 1 - cos(track embeddings of frame
             t-1 (already permuted), queries of frame t); scipy linear_sum_assignment with the
             tracks as rows; frame t's logits, masks, embeddings reordered so row i = track i.
  scoring    mean logits over frames -> softmax -> drop no-object -> top-k over (Q x C);
             label = index % C, query = index // C; mask logits of the query: bilinear
             (align_corners=False) to the padded input, crop to the image, bilinear to the
             original size; instance mask = logit > 0; score = class probability.
  proposals  sigmoid of the same resize path (to a small size) per track; maskness = mean over
             T x H x W; confidence = max class probability of the mean logits (no no-object).
The per-frame inputs are a base set of queries, each frame shuffled by a random permutation
plus noise, so the tracking has one clear answer.

Writes test/fixtures/parity/minvis.safetensors (F32 / I32):
  input.logits [T,Q,C+1], input.masks [T,Q,h,w], input.embeddings [T,Q,D]   model order
  input.shuffle [T,Q]             the permutation frame t was built with (row q = base query)
  output.permutation [T,Q]        query of frame t that continues track q
  output.logits/masks/embeddings  tracked (track order)
  output.scores/labels/queries [K] top-k, highest first
  output.mask_logits [K,T,H0,W0]  resized mask logits of the picks (threshold at 0 in the test)
  output.proposal_soft [Q,T,Hp,Wp], output.maskness [Q], output.confidence [Q]
and the config as JSON in the metadata.
Run: /usr/bin/python3 tools/torch_ref/minvis.py
"""
import json
import os
import struct

import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CFG = {
    'seed': 7,
    'frames': 5,
    'queries': 6,
    'classes': 3,
    'dim': 8,
    'mask_size': [8, 8],       # stride 4 of the padded input
    'input_size': [32, 32],    # padded
    'image_size': [28, 24],    # the resized frame inside it
    'output_size': [35, 30],   # the original video
    'proposal_size': [7, 6],
    'topk': 10,
    'noise': 0.15,
}


def make_inputs(cfg):
    g = torch.Generator().manual_seed(cfg['seed'])
    t, q, c, d = cfg['frames'], cfg['queries'], cfg['classes'], cfg['dim']
    h, w = cfg['mask_size']
    base_embeddings = torch.randn(q, d, generator=g)
    base_logits = 3 * torch.randn(q, c + 1, generator=g)
    base_masks = 4 * torch.randn(q, h, w, generator=g)
    shuffles, logits, masks, embeddings = [], [], [], []
    for _ in range(t):
        shuffle = torch.randperm(q, generator=g)  # frame row j holds base query shuffle[j]
        shuffles.append(shuffle)
        noise = cfg['noise']
        embeddings.append(base_embeddings[shuffle] + noise * torch.randn(q, d, generator=g))
        logits.append(base_logits[shuffle] + noise * torch.randn(q, c + 1, generator=g))
        masks.append(base_masks[shuffle] + noise * torch.randn(q, h, w, generator=g))
    return torch.stack(shuffles), torch.stack(logits), torch.stack(masks), torch.stack(embeddings)


def track(logits, masks, embeddings):
    frames = logits.shape[0]
    q = logits.shape[1]
    perms = [torch.arange(q)]
    for t in range(1, frames):
        prev = embeddings[t - 1][perms[-1]].double()
        cur = embeddings[t].double()
        prev = prev / prev.norm(dim=1, keepdim=True)
        cur = cur / cur.norm(dim=1, keepdim=True)
        cost = 1 - prev @ cur.T  # rows: tracks, cols: this frame's queries
        rows, cols = linear_sum_assignment(cost.numpy())
        assert list(rows) == list(range(q))
        perms.append(torch.as_tensor(cols, dtype=torch.long))
    perm = torch.stack(perms)
    gather = lambda x: torch.stack([x[t][perm[t]] for t in range(frames)])
    return perm, gather(logits), gather(masks), gather(embeddings)


def resize(mask_logits, cfg, size):
    """[N, T, h, w] -> [N, T, size]: padded size, crop, target size (sem_seg_postprocess)."""
    x = F.interpolate(mask_logits, size=tuple(cfg['input_size']), mode='bilinear', align_corners=False)
    x = x[:, :, : cfg['image_size'][0], : cfg['image_size'][1]]
    return F.interpolate(x, size=tuple(size), mode='bilinear', align_corners=False)


def video_inference(logits, masks, cfg):
    c = cfg['classes']
    probs = F.softmax(logits.mean(0), dim=-1)[:, :-1]  # [Q, C]
    scores, index = probs.flatten().topk(cfg['topk'], sorted=True)
    labels = index % c
    queries = index // c
    picked = masks[:, queries].transpose(0, 1)  # [K, T, h, w]
    return scores, labels, queries, resize(picked, cfg, cfg['output_size'])


def proposals(logits, masks, cfg):
    soft = resize(masks.transpose(0, 1), cfg, cfg['proposal_size']).sigmoid()  # [Q, T, Hp, Wp]
    maskness = soft.mean(dim=(1, 2, 3))
    confidence = F.softmax(logits.mean(0), dim=-1)[:, :-1].max(dim=-1).values
    return soft, maskness, confidence


def write_safetensors(path, tensors, metadata):
    """F32 for floating tensors, I32 for integer ones; header padded to 8 bytes."""
    header = {'__metadata__': metadata}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        if t.is_floating_point():
            raw = struct.pack(f'<{t.numel()}f', *t.float().reshape(-1).tolist())
            dtype = 'F32'
        else:
            raw = struct.pack(f'<{t.numel()}i', *t.int().reshape(-1).tolist())
            dtype = 'I32'
        header[name] = {'dtype': dtype, 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))
    os.replace(tmp, path)
    return 8 + len(text) + offset


def main():
    cfg = CFG
    shuffle, logits, masks, embeddings = make_inputs(cfg)
    perm, t_logits, t_masks, t_embeddings = track(logits, masks, embeddings)
    # The tracks must be the base queries (up to frame 0's order): shuffle[t][perm[t]] = shuffle[0].
    for t in range(cfg['frames']):
        assert torch.equal(shuffle[t][perm[t]], shuffle[0]), f'frame {t}: tracking did not recover the shuffle'
    scores, labels, queries, mask_logits = video_inference(t_logits, t_masks, cfg)
    gaps = (scores[:-1] - scores[1:]).min().item()
    assert gaps > 1e-4, f'top-k scores too close to order reliably: {gaps}'
    soft, maskness, confidence = proposals(t_logits, t_masks, cfg)
    tensors = {
        'input.logits': logits,
        'input.masks': masks,
        'input.embeddings': embeddings,
        'input.shuffle': shuffle,
        'output.permutation': perm,
        'output.logits': t_logits,
        'output.masks': t_masks,
        'output.embeddings': t_embeddings,
        'output.scores': scores,
        'output.labels': labels,
        'output.queries': queries,
        'output.mask_logits': mask_logits,
        'output.proposal_soft': soft,
        'output.maskness': maskness,
        'output.confidence': confidence,
    }
    path = os.path.join(ROOT, 'test', 'fixtures', 'parity', 'minvis.safetensors')
    size = write_safetensors(path, tensors, {'config': json.dumps(cfg), 'written_by': 'tools/torch_ref/minvis.py'})
    near_zero = (mask_logits.abs() < 1e-3).sum().item()
    print(f'wrote {path}: {size} bytes; scores {[round(s, 4) for s in scores.tolist()]}; '
          f'{int((mask_logits > 0).sum())} / {mask_logits.numel()} mask pixels on, {near_zero} within 1e-3 of 0')


if __name__ == '__main__':
    main()
