"""PyTorch golden values for matmul and linear: tools/golden/matmul.py -> test/fixtures/golden/matmul.json."""
import torch
import torch.nn.functional as F

from common import case, write

r = torch.randn
cases = [
    case('mm_1x1x1', torch.matmul, [r(1, 1), r(1, 1)]),
    case('mm_3x5x7', torch.matmul, [r(3, 5), r(5, 7)]),
    case('mm_9x6x11', torch.matmul, [r(9, 6), r(6, 11)]),
    # Stored transposed; the test multiplies transposed views (no copies).
    case('mm_at_bt', lambda a, b: a.t() @ b.t(), [r(5, 3), r(7, 5)]),
    case('bmm_broadcast', torch.matmul, [r(2, 1, 4, 5), r(3, 5, 6)]),
    case('bmm_weight_2d', torch.matmul, [r(2, 3, 4), r(4, 5)]),
    case('bmm_lhs_2d', torch.matmul, [r(3, 4), r(2, 4, 5)]),
    case('vec_mat', torch.matmul, [r(5), r(5, 3)]),
    case('mat_vec', torch.matmul, [r(4, 5), r(5)]),
    case('vec_vec', torch.matmul, [r(6), r(6)]),
    case('batch_vec', torch.matmul, [r(2, 3, 4), r(4)]),
    case('linear_bias', F.linear, [r(2, 3, 5), r(4, 5), r(4)]),
    case('linear_nobias', F.linear, [r(3, 6), r(5, 6)]),
]
write('matmul', cases)
