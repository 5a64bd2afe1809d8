/**
 * WGSL fragments that many kernel bodies repeat word for word, kept in one place so the
 * boilerplate reads the same everywhere and a fix lands once.
 */

/**
 * The opening of a flat elementwise kernel's entry point: one invocation per `index` in
 * [0, bound), on a grid that `dispatch1D` may fold past 65,535 workgroups; invocations past the
 * end return at once. The caller's statements follow (with `index`, `lid`, `wid` and `nwg` in
 * scope) and close the function with `}`.
 */
export function flatEntryWgsl(index = 'i', bound = 'params.n'): string {
  return `@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let ${index} = flat_workgroup_index(wid, nwg) * WG_X + lid;
  if (${index} >= ${bound}) { return; }`;
}

/**
 * `fn workgroup_sum(v: T, lid: u32) -> T`: a tree sum of `v` over the WG_X invocations of a 1-D
 * workgroup (WG_X a power of two), in workgroup memory. The total is returned to lane 0; other
 * lanes get a partial sum. Each lane reads back only its own slot, so calling it again needs no
 * extra barrier. Call from uniform control flow: every invocation must take part.
 */
export function workgroupSumWgsl(type: string): string {
  return `
var<workgroup> workgroup_sum_scratch: array<${type}, WG_X>;
fn workgroup_sum(v: ${type}, lid: u32) -> ${type} {
  workgroup_sum_scratch[lid] = v;
  workgroupBarrier();
  for (var s = WG_X / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { workgroup_sum_scratch[lid] += workgroup_sum_scratch[lid + s]; }
    workgroupBarrier();
  }
  return workgroup_sum_scratch[lid];
}
`;
}
