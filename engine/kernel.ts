/**
 * A compute kernel's typed contract: its storage bindings, its uniform parameters, its
 * workgroup size and its WGSL body. The engine generates the binding declarations and the
 * `Params` struct from the spec, so the WGSL and the dispatch code cannot disagree about them.
 */
export type ParamType = 'u32' | 'i32' | 'f32';

export interface StorageBinding {
  readonly name: string;
  /** WGSL element type of the array: 'f32', 'i32', 'u32', 'vec4<f32>', 'atomic<u32>', ... */
  readonly type: string;
  readonly access: 'read' | 'read_write';
}

export interface ParamField<P extends string = string> {
  readonly name: P;
  readonly type: ParamType;
}

export interface KernelSpec<P extends string = string> {
  /** Stable kernel name; labels pipelines and appears in errors and profiles. */
  readonly name: string;
  readonly bindings: readonly StorageBinding[];
  readonly params: readonly ParamField<P>[];
  readonly workgroupSize: readonly [number, number, number];
  /**
   * WGSL after the generated header. It declares `@compute @workgroup_size(WG_X, WG_Y, WG_Z)
   * fn main(...)` and may use `params.<field>`, the binding names, and `flat_workgroup_index`.
   */
  readonly body: string;
}

/** Builds a spec; keeps call sites short and the param names typed. */
export function kernel<P extends string>(spec: KernelSpec<P>): KernelSpec<P> {
  return spec;
}

/** The generated WGSL header for a spec (binding indices follow the spec order; params last). */
export function kernelHeader(spec: KernelSpec): string {
  const [x, y, z] = spec.workgroupSize;
  const lines: string[] = [];
  lines.push(`// kernel: ${spec.name}`);
  lines.push(`const WG_X: u32 = ${x}u;`, `const WG_Y: u32 = ${y}u;`, `const WG_Z: u32 = ${z}u;`);
  spec.bindings.forEach((b, i) => {
    lines.push(`@group(0) @binding(${i}) var<storage, ${b.access}> ${b.name}: array<${b.type}>;`);
  });
  if (spec.params.length > 0) {
    lines.push('struct Params {');
    for (const p of spec.params) lines.push(`  ${p.name}: ${p.type},`);
    lines.push('};');
    lines.push(`@group(0) @binding(${spec.bindings.length}) var<uniform> params: Params;`);
  }
  // Grids larger than 65,535 workgroups are folded into (x, y); kernels recover the linear index.
  lines.push(
    'fn flat_workgroup_index(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {',
    '  return (wid.z * nwg.y + wid.y) * nwg.x + wid.x;',
    '}',
  );
  return lines.join('\n') + '\n';
}

export function kernelSource(spec: KernelSpec): string {
  return kernelHeader(spec) + spec.body;
}

/** Bytes of the Params uniform struct (all fields are 4-byte scalars), rounded up to 16. */
export function paramsByteSize(spec: KernelSpec): number {
  return Math.max(16, Math.ceil((spec.params.length * 4) / 16) * 16);
}

/** Threads per workgroup. */
export function workgroupThreads(spec: KernelSpec): number {
  const [x, y, z] = spec.workgroupSize;
  return x * y * z;
}
