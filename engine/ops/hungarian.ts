import {
  HUNGARIAN_MAX_SIDE,
  hungarianKernel,
  hungarianVariantFor,
} from '../../shaders/hungarian/hungarian.js';
import { AssignmentInputError } from '../../shaders/hungarian/reference.js';
import { ShapeError } from '../errors.js';
import { workgroupThreads } from '../kernel.js';
import { engine } from '../runtime.js';
import { tidyAsync } from '../scope.js';
import { Tensor } from '../tensor.js';
import { contiguous, tensor } from './copy.js';

export { AssignmentInputError, HUNGARIAN_MAX_SIDE };

/**
 * Solves a batch of rectangular linear assignment problems in one dispatch (one workgroup per
 * problem). `costs` f32 [B, maxRows, maxCols]; `sizes` i32 [B, 2] holds each problem's (rows,
 * cols), clamped to [0, maxRows] × [0, maxCols]; entries outside a problem's block are ignored.
 * Returns i32 [B, maxRows]: the column of each row, -1 for unassigned rows (when rows > cols) and
 * padding rows. As scipy.optimize.linear_sum_assignment: every row of the smaller side is
 * assigned and the total cost is minimal.
 *
 * f32 arithmetic: ties and near-ties (within rounding) may pick a different, equally optimal
 * assignment than a float64 solver; the total cost matches the optimum within rounding. A
 * problem with a NaN or ±Inf cost is left wholly unassigned (all -1) — the GPU cannot raise, so
 * callers with CPU data should use `linearSumAssignment`, which refuses such input. Not
 * differentiable (no autograd record). max(maxRows, maxCols) ≤ HUNGARIAN_MAX_SIDE.
 */
export function hungarianBatched(costs: Tensor, sizes: Tensor): Tensor {
  if (costs.dtype !== 'f32' || costs.ndim !== 3) {
    throw new ShapeError(
      `hungarianBatched: costs must be f32 [B, maxRows, maxCols], got ${costs.describe()}`,
    );
  }
  const [batch, maxRows, maxCols] = costs.shape as [number, number, number];
  if (sizes.dtype !== 'i32' || sizes.ndim !== 2 || sizes.shape[0] !== batch || sizes.shape[1] !== 2) {
    throw new ShapeError(`hungarianBatched: sizes must be i32 [${batch}, 2], got ${sizes.describe()}`);
  }
  const side = Math.max(maxRows, maxCols);
  if (side > HUNGARIAN_MAX_SIDE) {
    throw new ShapeError(
      `hungarianBatched: ${costs.describe()} has a side of ${side}, over the kernel's limit of ${HUNGARIAN_MAX_SIDE}`,
    );
  }
  const out = Tensor.empty([batch, maxRows], 'i32');
  if (batch === 0 || maxRows === 0) return out;
  const denseCosts = contiguous(costs);
  const denseSizes = contiguous(sizes);
  const spec = hungarianKernel(hungarianVariantFor(side));
  engine().stream.dispatch1D(
    spec,
    // A [B, maxRows, 0] tensor has no bytes; bind its (pooled, non-empty) buffer anyway: never read.
    [{ buffer: denseCosts.buffer }, { buffer: denseSizes.buffer }, { buffer: out.buffer }],
    { batch, max_rows: maxRows, max_cols: maxCols },
    batch * workgroupThreads(spec),
    () => `costs ${costs.describe()}, sizes ${sizes.describe()}`,
  );
  if (denseCosts !== costs) denseCosts.dispose();
  if (denseSizes !== sizes) denseSizes.dispose();
  return out;
}

/**
 * Convenience for callers holding CPU data: solves each rows × cols matrix of `costs` on the GPU
 * in one dispatch and returns, per problem, the column of each row (-1 when unassigned). Costs
 * are rounded to f32. Throws AssignmentInputError for ragged matrices or non-finite costs.
 */
export async function linearSumAssignment(
  costs: readonly (readonly (readonly number[])[])[],
): Promise<number[][]> {
  const batch = costs.length;
  if (batch === 0) return [];
  const shapes = costs.map((matrix, b) => {
    const rows = matrix.length;
    const cols = rows === 0 ? 0 : matrix[0]!.length;
    matrix.forEach((row, r) => {
      if (row.length !== cols) {
        throw new AssignmentInputError(
          `linearSumAssignment: problem ${b} row ${r} has ${row.length} costs, row 0 has ${cols}`,
        );
      }
      row.forEach((x, c) => {
        if (!Number.isFinite(x)) {
          throw new AssignmentInputError(
            `linearSumAssignment: problem ${b} cost[${r}][${c}] is ${x}; costs must be finite ` +
              '(use a large finite cost to forbid a pair)',
          );
        }
      });
    });
    return [rows, cols] as const;
  });
  const maxRows = Math.max(...shapes.map((s) => s[0]));
  const maxCols = Math.max(...shapes.map((s) => s[1]));
  if (maxRows === 0) return costs.map(() => []);
  const packed = new Float32Array(batch * maxRows * maxCols);
  costs.forEach((matrix, b) => matrix.forEach((row, r) => packed.set(row, (b * maxRows + r) * maxCols)));
  const sizes = Int32Array.from(shapes.flatMap((s) => [s[0], s[1]]));
  const flat = await tidyAsync(async () =>
    hungarianBatched(tensor(packed, [batch, maxRows, maxCols]), tensor(sizes, [batch, 2])).data(),
  );
  return shapes.map(([rows], b) => Array.from(flat.subarray(b * maxRows, b * maxRows + rows)));
}
