/**
 * Launch shape of the "serial" kernel variants chosen on CPU adapters (SwiftShader). There a
 * kernel that declares workgroup memory or calls workgroupBarrier runs each SIMD group of its
 * workgroup as a coroutine and pays milliseconds per workgroup (Dawn's zero-initialisation of
 * workgroup memory alone adds a barrier), while a barrier-free kernel runs straight through. The
 * serial variants give each output (row, group, column) to one invocation that loops over its
 * inputs, with no workgroup memory at all; small workgroups keep a few of them in flight so both
 * CPU cores get work even when there are only tens of outputs.
 */
export const SERIAL_WG = 16;
