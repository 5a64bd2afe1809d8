"""A safetensors file written with nothing but struct and json (no safetensors library), holding
the dtypes converted official checkpoints contain (F16, BF16, F64, I64, BOOL, U8, F32, I32), for
test/engine/safetensors.test.ts. The expected values are what struct decodes from the same bytes.
Run: /usr/bin/python3 tools/golden/safetensors.py
"""
import base64
import json
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def bf16_bytes(values):
    # bf16 is the top half of the f32 bits; the values chosen are exact in bf16.
    out = b''
    for v in values:
        bits = struct.unpack('<I', struct.pack('<f', v))[0]
        assert bits & 0xFFFF == 0, v
        out += struct.pack('<H', bits >> 16)
    return out


tensors = [
    # name, dtype, shape, bytes, expected values (as decoded by struct)
    ('backbone.f16', 'F16', [2, 3], struct.pack('<6e', 1.0, -2.5, 0.0001, 65504.0, -0.0, 3.140625),
     list(struct.unpack('<6e', struct.pack('<6e', 1.0, -2.5, 0.0001, 65504.0, -0.0, 3.140625)))),
    ('backbone.bf16', 'BF16', [4], bf16_bytes([1.0, -0.5, 256.0, 0.0078125]), [1.0, -0.5, 256.0, 0.0078125]),
    ('head.f64', 'F64', [3], struct.pack('<3d', 0.1, -1e10, 2.0), [0.1, -1e10, 2.0]),
    ('head.steps', 'I64', [2, 2], struct.pack('<4q', 0, -7, 2147483647, -2147483648), [0, -7, 2147483647, -2147483648]),
    ('mask.bool', 'BOOL', [3], bytes([1, 0, 1]), [1, 0, 1]),
    ('pixels.u8', 'U8', [2], bytes([0, 255]), [0, 255]),
    ('plain.f32', 'F32', [2], struct.pack('<2f', 0.5, -3.25), [0.5, -3.25]),
    ('plain.i32', 'I32', [], struct.pack('<i', -42), [-42]),
    ('empty.f32', 'F32', [0, 4], b'', []),
]

# Data in reverse name order, header keys in name order: a reader must use data_offsets.
header = {'__metadata__': {'format': 'pt', 'written_by': 'tools/golden/safetensors.py'}}
data = b''
for name, dtype, shape, raw, _ in reversed(tensors):
    header[name] = {'dtype': dtype, 'shape': shape, 'data_offsets': [len(data), len(data) + len(raw)]}
    data += raw
header = dict(sorted(header.items()))
text = json.dumps(header).encode('utf-8')
blob = struct.pack('<Q', len(text)) + text + data

fixture = {
    'generator': 'tools/golden/safetensors.py',
    'file_base64': base64.b64encode(blob).decode('ascii'),
    'metadata': header['__metadata__'],
    'tensors': [{'name': n, 'dtype': d, 'shape': s, 'values': v} for n, d, s, _, v in tensors],
}
path = os.path.join(ROOT, 'test', 'fixtures', 'golden', 'safetensors.json')
with open(path + '.tmp', 'w') as f:
    json.dump(fixture, f)
os.replace(path + '.tmp', path)
print(f'wrote {path}: {len(blob)} bytes of safetensors, {len(tensors)} tensors')
