/**
 * The one elementwise kernel family: out[i] = f(x0[..], x1[..], ..., params.s0, ...), where f is a
 * WGSL expression. Three layouts of the same expression:
 *  - 'dense':   every input is a contiguous run of the output's size (own element offset);
 *  - 'vec4':    the same, four elements per thread (sizes and offsets multiples of 4);
 *  - strided:   inputs are arbitrary views broadcast to the output shape (stride 0 on broadcast
 *               dims); the output's multi-index is computed once and dotted with each input's
 *               strides, so broadcast and permuted inputs are never copied.
 * Scalars travel as uniform fields, so `add(x, 3)` is one kernel with one input.
 */
import { type KernelSpec, type ParamField, kernel } from '../../engine/kernel.js';
import type { DType } from '../../engine/dtype.js';

export interface MapSpec {
  /** Short name for labels and errors ('add', 'gelu_grad', ...). */
  readonly name: string;
  /** dtypes of the tensor inputs, bound as x0, x1, ... */
  readonly inputs: readonly DType[];
  /** dtypes of the uniform scalars, readable as params.s0, params.s1, ... */
  readonly scalars: readonly DType[];
  readonly out: DType;
  /** WGSL expression of type `out` in the inputs x0.. (as values) and params.s0.. */
  readonly expr: string;
  /** Extra WGSL functions the expression calls. */
  readonly helpers?: string;
}

export type MapLayout = { kind: 'dense' } | { kind: 'vec4' } | { kind: 'strided'; rank: number };

export const MAP_WORKGROUP = 256;

const cache = new Map<string, KernelSpec>();

function layoutKey(layout: MapLayout): string {
  return layout.kind === 'strided' ? `r${layout.rank}` : layout.kind;
}

/** The compiled-once kernel for a map expression in one layout. */
export function mapKernel(spec: MapSpec, layout: MapLayout): KernelSpec {
  const key = `${spec.name}|${spec.inputs.join(',')}|${spec.scalars.join(',')}|${spec.out}|${spec.expr}|${layoutKey(layout)}`;
  let k = cache.get(key);
  if (!k) {
    k = buildMapKernel(spec, layout);
    cache.set(key, k);
  }
  return k;
}

function elementFn(spec: MapSpec): string {
  const args = spec.inputs.map((t, i) => `x${i}: ${t}`).join(', ');
  return `fn map_fn(${args}) -> ${spec.out} {\n  return ${spec.expr};\n}`;
}

function buildMapKernel(spec: MapSpec, layout: MapLayout): KernelSpec {
  const vec = layout.kind === 'vec4';
  const bindings = [
    ...spec.inputs.map((t, i) => ({ name: `x${i}`, type: vec ? `vec4<${t}>` : t, access: 'read' as const })),
    { name: 'out', type: vec ? `vec4<${spec.out}>` : spec.out, access: 'read_write' as const },
  ];
  const params: ParamField[] = [{ name: 'n', type: 'u32' }];
  spec.scalars.forEach((t, i) => params.push({ name: `s${i}`, type: t }));
  const rank = layout.kind === 'strided' ? layout.rank : 0;
  for (let d = 0; d < rank; d++) params.push({ name: `out_dim${d}`, type: 'u32' });
  spec.inputs.forEach((_, i) => {
    params.push({ name: `x${i}_offset`, type: 'u32' });
    for (let d = 0; d < rank; d++) params.push({ name: `x${i}_stride${d}`, type: 'u32' });
  });

  let compute: string;
  if (layout.kind === 'strided') {
    const lines = ['  var rest = i;'];
    spec.inputs.forEach((_, k) => lines.push(`  var o${k} = params.x${k}_offset;`));
    for (let d = rank - 1; d >= 0; d--) {
      const coord = d > 0 ? `c${d}` : 'rest';
      if (d > 0) {
        lines.push(`  let c${d} = rest % params.out_dim${d};`, `  rest = rest / params.out_dim${d};`);
      }
      spec.inputs.forEach((_, k) => lines.push(`  o${k} += ${coord} * params.x${k}_stride${d};`));
    }
    const args = spec.inputs.map((_, k) => `x${k}[o${k}]`).join(', ');
    compute = `${lines.join('\n')}\n  out[i] = map_fn(${args});`;
  } else if (vec) {
    const loads = spec.inputs.map((_, k) => `  let v${k} = x${k}[params.x${k}_offset + i];`).join('\n');
    const lane = (c: string) => `map_fn(${spec.inputs.map((_, k) => `v${k}.${c}`).join(', ')})`;
    compute = `${loads}\n  out[i] = vec4<${spec.out}>(${['x', 'y', 'z', 'w'].map(lane).join(', ')});`;
  } else {
    const args = spec.inputs.map((_, k) => `x${k}[params.x${k}_offset + i]`).join(', ');
    compute = `  out[i] = map_fn(${args});`;
  }

  return kernel({
    name: `map_${spec.name}_${spec.out}_${layoutKey(layout)}`,
    bindings,
    params,
    workgroupSize: [MAP_WORKGROUP, 1, 1],
    body: `
${spec.helpers ?? ''}
${elementFn(spec)}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_workgroup_index(wid, nwg) * WG_X + lid;
  if (i >= params.n) { return; }
${compute}
}
`,
  });
}

/**
 * CPU reference of the broadcasting map: inputs are row-major arrays of their own shapes,
 * broadcast NumPy-style to `outShape`; `f` gets one value per input.
 */
export function mapReference(
  inputs: readonly { data: ArrayLike<number>; shape: readonly number[] }[],
  outShape: readonly number[],
  f: (...xs: number[]) => number,
): number[] {
  const n = outShape.reduce((a, b) => a * b, 1);
  const out = new Array<number>(n);
  const coords = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let rest = i;
    for (let d = outShape.length - 1; d >= 0; d--) {
      coords[d] = rest % outShape[d]!;
      rest = Math.floor(rest / outShape[d]!);
    }
    const xs = inputs.map(({ data, shape }) => {
      let idx = 0;
      const lead = outShape.length - shape.length;
      for (let d = 0; d < shape.length; d++) {
        const c = shape[d] === 1 ? 0 : coords[d + lead]!;
        idx = idx * shape[d]! + c;
      }
      return data[idx]!;
    });
    out[i] = f(...xs);
  }
  return out;
}
