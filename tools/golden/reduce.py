"""PyTorch golden values for reductions and softmax (engine/ops/reduce.ts, engine/ops/softmax.ts).
Run: /usr/bin/python3 tools/golden/reduce.py  ->  test/fixtures/golden/reduce.json
"""
import torch

from common import case, write

cases = []
x = torch.randn(3, 4, 5)

cases.append(case('sum_all', lambda t: t.sum(), [x]))
cases.append(case('sum_axes_0_2', lambda t: t.sum(dim=(0, 2)), [x], {'axes': [0, 2]}))
cases.append(case('sum_axis1_keepdim', lambda t: t.sum(dim=1, keepdim=True), [x], {'axes': [1], 'keepdim': True}))
cases.append(case('mean_axis_neg1', lambda t: t.mean(dim=-1), [x], {'axes': [-1]}))
cases.append(case('mean_all', lambda t: t.mean(), [x]))
cases.append(case('max_axis1', lambda t: t.max(dim=1).values, [x], {'axes': [1]}))
cases.append(case('min_axis0_keepdim', lambda t: t.min(dim=0, keepdim=True).values, [x], {'axes': [0], 'keepdim': True}))
cases.append(case('logsumexp_axis2', lambda t: torch.logsumexp(t, dim=2), [x * 10], {'axes': [2]}))
cases.append(case('logsumexp_axes_0_1', lambda t: torch.logsumexp(t, dim=(0, 1)), [x], {'axes': [0, 1]}))
cases.append(case('logsumexp_large', lambda t: torch.logsumexp(t, dim=1),
                  [torch.tensor([[1e4, 1e4 - 1.0, -1e4], [-1e4, -1e4 - 2.0, -1e4 - 50.0]])], {'axes': [1]}))
ties = torch.tensor([[1.0, 3.0, 3.0, 2.0], [5.0, 5.0, 5.0, 5.0], [0.0, -1.0, 0.0, -1.0]])
cases.append(case('argmax_ties', lambda t: t.argmax(dim=1).to(torch.float64), [ties], {'axis': 1}, grad=False))
cases.append(case('argmin_ties', lambda t: t.argmin(dim=1).to(torch.float64), [ties], {'axis': 1}, grad=False))
cases.append(case('argmax_all', lambda t: t.argmax().to(torch.float64), [x], grad=False))
cases.append(case('softmax_last', lambda t: torch.softmax(t, dim=-1), [x * 3], {'axis': -1}))
cases.append(case('softmax_axis1', lambda t: torch.softmax(t, dim=1), [x * 3], {'axis': 1}))
cases.append(case('log_softmax_axis0', lambda t: torch.log_softmax(t, dim=0), [x * 3], {'axis': 0}))
cases.append(case('log_softmax_last', lambda t: torch.log_softmax(t, dim=-1), [x * 3], {'axis': -1}))
large = torch.tensor([[100.0, -100.0, 0.0], [1e4, 1e4 - 1.0, -1e4], [-1e4, -1e4, -1e4 + 3.0]])
cases.append(case('softmax_large', lambda t: torch.softmax(t, dim=1), [large], {'axis': 1}))
cases.append(case('log_softmax_large', lambda t: torch.log_softmax(t, dim=1), [large], {'axis': 1}))

write('reduce', cases)
