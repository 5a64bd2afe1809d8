"""Golden linear assignments from scipy.optimize.linear_sum_assignment, in the batched layout of
hungarianBatched: costs [B, maxRows, maxCols] (float32 values, padding 0), sizes [B, 2] (rows,
cols), output [B, maxRows] (column per row, -1 when unassigned or padding).

Only problems whose optimum is unique by a clear margin are kept (the second-best assignment
costs at least MARGIN more), so an f32 solver must return exactly scipy's assignment.
Run: /usr/bin/python3 tools/golden/hungarian.py
"""
import numpy as np
from scipy.optimize import linear_sum_assignment

from common import write

MARGIN = 1e-3
rng = np.random.default_rng(0)


def solve(cost):
    rows, cols = linear_sum_assignment(cost)
    out = np.full(cost.shape[0], -1, dtype=np.int64)
    out[rows] = cols
    return out, float(cost[rows, cols].sum())


def second_best_gap(cost, assignment, best):
    # Every other assignment drops one of the optimal (row, col) pairs: forbid each in turn.
    gap = np.inf
    for r, c in enumerate(assignment):
        if c < 0:
            continue
        forbidden = cost.copy()
        forbidden[r, c] = 1e12
        gap = min(gap, solve(forbidden)[1] - best)
    return gap


def unique_problem(rows, cols, scale, offset):
    while True:
        cost = (rng.random((rows, cols)) * scale + offset).astype(np.float32).astype(np.float64)
        assignment, best = solve(cost)
        if rows == 0 or cols == 0 or second_best_gap(cost, assignment, best) > MARGIN * scale:
            return cost, assignment


def batch_case(name, shapes, scale=1.0, offset=0.0):
    problems = [unique_problem(r, c, scale, offset) for r, c in shapes]
    max_rows = max(r for r, _ in shapes)
    max_cols = max(c for _, c in shapes)
    costs = np.zeros((len(shapes), max_rows, max_cols))
    out = np.full((len(shapes), max_rows), -1, dtype=np.int64)
    for b, (cost, assignment) in enumerate(problems):
        r, c = cost.shape
        costs[b, :r, :c] = cost
        out[b, :r] = assignment
    return {
        'name': name,
        'params': {},
        'inputs': [
            {'data': [float(x) for x in costs.reshape(-1)], 'shape': list(costs.shape), 'dtype': 'f32'},
            {'data': [int(x) for s in shapes for x in s], 'shape': [len(shapes), 2], 'dtype': 'i32'},
        ],
        'output': {'data': [int(x) for x in out.reshape(-1)], 'shape': list(out.shape)},
    }


cases = [
    batch_case('mixed_shapes', [(5, 5), (3, 8), (8, 3), (12, 12), (1, 7), (0, 4), (6, 0), (12, 2)]),
    batch_case('detr_like_30x6', [(30, 6)] * 4, scale=10.0, offset=-5.0),
    batch_case('wide_10x40', [(10, 40)] * 3),
]
write('hungarian', cases)
