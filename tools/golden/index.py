"""Golden values for engine/ops/index-ops.ts and shape-ops.ts: gather, scatter_add,
index_select, one_hot, cumsum, roll, pad."""
import torch
import torch.nn.functional as F

from common import case, write

cases = []

x = torch.randn(3, 4, 5)
index = torch.randint(0, 4, (2, 6, 4))
cases.append(case('gather_axis1', lambda a, i: torch.gather(a, 1, i), [x, index], {'axis': 1}))
index = torch.randint(0, 5, (3, 2, 7))
cases.append(case('gather_axis_last', lambda a, i: torch.gather(a, -1, i), [x, index], {'axis': -1}))

x = torch.randn(4, 5)
index = torch.randint(0, 4, (3, 5))
src = torch.randn(3, 5)
cases.append(case('scatter_add_axis0', lambda a, i, s: torch.scatter_add(a, 0, i, s), [x, index, src], {'axis': 0}))
index = torch.randint(0, 5, (4, 3))
src = torch.randn(5, 6)  # larger than the index: only its leading corner is used
cases.append(case('scatter_add_axis1_big_src', lambda a, i, s: torch.scatter_add(a, 1, i, s), [x, index, src], {'axis': 1},
                  grad=False))  # torch 1.13's backward rejects a src larger than the index

x = torch.randn(4, 5, 3)
sel = torch.tensor([3, 0, 3, 2])
cases.append(case('index_select_axis1', lambda a, i: torch.index_select(a, 1, i), [x, sel], {'axis': 1}))

labels = torch.tensor([[0, 3], [2, 2], [1, 0]])
cases.append(case('one_hot', lambda i: F.one_hot(i, 4), [labels], {'classes': 4}, grad=False))

cases.append(case('cumsum_last', lambda a: torch.cumsum(a, 1), [torch.randn(3, 7)], {'axis': 1}))
cases.append(case('cumsum_middle', lambda a: torch.cumsum(a, 1), [torch.randn(2, 5, 3)], {'axis': 1}))

x = torch.randn(2, 5, 4)
cases.append(case('roll_two_axes', lambda a: torch.roll(a, (2, -1), (1, 2)), [x], {'shifts': [2, -1], 'axes': [1, 2]}))
cases.append(case('roll_flat', lambda a: torch.roll(a, 3), [x], {'shifts': [3]}))

x = torch.randn(1, 2, 3, 4)
# F.pad pairs run from the last dim backwards; params hold ours: [before, after] per trailing dim, in dim order.
cases.append(case('pad_constant', lambda a: F.pad(a, (1, 2, 0, 3), value=0.5), [x],
                  {'pads': [[0, 3], [1, 2]], 'value': 0.5}))
cases.append(case('pad_crop', lambda a: F.pad(a, (-1, 2, 1, -1)), [x], {'pads': [[1, -1], [-1, 2]], 'value': 0}))

write('index', cases)
