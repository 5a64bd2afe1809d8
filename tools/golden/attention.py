"""PyTorch golden values for fused attention (engine/ops/attention.ts).

Each case is torch's softmax(q·kᵀ·scale + bias) · v with autograd, written the way the official
Swin and Mask2Former code write it (window view + broadcast shift mask; boolean attention mask
with the fully-masked-row fix applied before the attention).
Run: /usr/bin/python3 tools/golden/attention.py  ->  test/fixtures/golden/attention.json
"""
import torch

from common import case, write

cases = []


def sdpa(q, k, v, scale, bias=None):
    attn = (q * scale) @ k.transpose(-2, -1)
    if bias is not None:
        attn = attn + bias
    return torch.softmax(attn, dim=-1) @ v


# Swin: 2 images x 2 windows of 3x3 tokens, 2 heads, head dim 4. The relative-position bias
# [1, H, N, N] is shared by all windows; the shift mask [nW, 1, N, N] (0 / -100) is indexed by
# window = b mod nW, exactly as swin.py adds it: attn.view(B/nW, nW, H, N, N) + mask[None].
images, nW, H, N, D = 2, 2, 2, 9, 4
regions = torch.tensor([[0, 0, 1, 0, 0, 1, 2, 2, 3], [0, 1, 1, 0, 1, 1, 0, 1, 1]])
shift_mask = torch.where(regions[:, :, None] != regions[:, None, :], -100.0, 0.0)[:, None]


def swin(q, k, v, rel, mask):
    attn = (q * D ** -0.5) @ k.transpose(-2, -1) + rel
    attn = attn.view(images, nW, H, N, N) + mask[None]
    attn = torch.softmax(attn.view(-1, H, N, N), dim=-1)
    return attn @ v


cases.append(case(
    'swin_window_bias_and_shift_mask', swin,
    [torch.randn(images * nW, H, N, D), torch.randn(images * nW, H, N, D), torch.randn(images * nW, H, N, D),
     torch.randn(1, H, N, N), shift_mask],
    {'biasBatchModulo': True},
))

# Mask2Former cross-attention: bool mask [B*H, Q, HW] (True = blocked), rows with every key
# blocked are unblocked first (attn_mask[attn_mask.sum(-1) == HW] = False).
B, H, Q, L, D = 2, 2, 5, 13, 4
blocked = torch.rand(B * H, Q, L) < 0.6
blocked[0, 1, :] = True
blocked[3, 4, :] = True
blocked[2, 0, :] = False


def decoder(q, k, v, mask):
    m = mask.bool().clone()
    m[m.sum(-1) == m.shape[-1]] = False
    bias = torch.zeros(m.shape, dtype=q.dtype).masked_fill(m, float('-inf')).view(B, H, Q, L)
    return sdpa(q, k, v, D ** -0.5, bias)


cases.append(case(
    'decoder_bool_mask_fully_masked_rows', decoder,
    [torch.randn(B, H, Q, D), torch.randn(B, H, L, D), torch.randn(B, H, L, D), blocked.to(torch.int32)],
))

# Lq != Lk, head dims not multiples of 4 (D=5, Dv=7), custom scale, a per-key bias [1, 1, 1, Lk].
cases.append(case(
    'odd_dims_key_bias_custom_scale', lambda q, k, v, b: sdpa(q, k, v, 0.37, b),
    [torch.randn(1, 3, 6, 5), torch.randn(1, 3, 11, 5), torch.randn(1, 3, 11, 7), torch.randn(1, 1, 1, 11)],
    {'scale': 0.37},
))

# Additive f32 mask [B, Q, L] broadcast over heads; the mask is not differentiated.
add_mask = torch.where(torch.rand(2, 4, 6) < 0.4, -2.5, 0.0)
entry = case(
    'additive_mask_per_batch', lambda q, k, v, m: sdpa(q, k, v, 0.5, m[:, None]),
    [torch.randn(2, 2, 4, 4), torch.randn(2, 2, 6, 4), torch.randn(2, 2, 6, 4), add_mask],
    {'scale': 0.5},
)
entry['grads'][3] = None
cases.append(entry)

write('attention', cases)
