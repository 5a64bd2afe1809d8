/**
 * A small baseline JPEG encoder (JFIF, 8-bit, YCbCr 4:4:4, Huffman tables optimised per image).
 * jpeg-js rebuilds all its lookup tables on every encode (~25 ms per call), which made frame
 * writing dominate synthetic-data generation; this one keeps no state between calls, costs
 * about a millisecond for a 64×64 frame, and is deterministic byte for byte. Decoded by any
 * baseline decoder (jpeg-js included).
 */

// ITU-T T.81 Annex K.1 example quantisation tables (natural order), scaled by quality as IJG does.
const LUMA_QUANT = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22,
  29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103,
  121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const CHROMA_QUANT = [
  17,
  18,
  24,
  47,
  99,
  99,
  99,
  99,
  18,
  21,
  26,
  66,
  99,
  99,
  99,
  99,
  24,
  26,
  56,
  99,
  99,
  99,
  99,
  99,
  47,
  66,
  99,
  99,
  99,
  99,
  99,
  99,
  ...new Array<number>(32).fill(99),
];

/** ZIGZAG[k] = natural (row-major) index of the k-th coefficient in zig-zag order. */
const ZIGZAG = zigzagOrder();

export function encodeRgbJpeg(rgb: Uint8Array, height: number, width: number, quality: number): Uint8Array {
  if (height < 1 || width < 1 || height > 65535 || width > 65535) {
    throw new RangeError(`JPEG size ${width}×${height} out of range`);
  }
  const quant = [scaleQuant(LUMA_QUANT, quality), scaleQuant(CHROMA_QUANT, quality)];
  const blocks = quantisedBlocks(rgb, height, width, quant);

  // Huffman tables from symbol frequencies: [luma DC, luma AC, chroma DC, chroma AC].
  const freq = [0, 1, 2, 3].map(() => new Array<number>(256).fill(0));
  walkSymbols(blocks, (table, symbol) => freq[table][symbol]++);
  const tables = freq.map(buildHuffman);

  const out = new ByteWriter();
  out.word(0xffd8); // SOI
  out.word(0xffe0).word(16).bytes([0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0]).word(1).word(1).bytes([0, 0]); // APP0 JFIF
  for (let t = 0; t < 2; t++) {
    out.word(0xffdb).word(67).byte(t);
    for (let k = 0; k < 64; k++) out.byte(quant[t][ZIGZAG[k]]);
  }
  out.word(0xffc0).word(17).byte(8).word(height).word(width).byte(3); // SOF0
  for (let c = 0; c < 3; c++)
    out
      .byte(c + 1)
      .byte(0x11)
      .byte(c === 0 ? 0 : 1);
  tables.forEach((table, index) => {
    const tableClass = index % 2; // 0 = DC, 1 = AC
    const tableId = index >> 1; // 0 = luma, 1 = chroma
    out
      .word(0xffc4)
      .word(2 + 1 + 16 + table.values.length)
      .byte((tableClass << 4) | tableId);
    for (let len = 1; len <= 16; len++) out.byte(table.counts[len]);
    out.bytes(table.values);
  });
  out.word(0xffda).word(12).byte(3); // SOS
  for (let c = 0; c < 3; c++) out.byte(c + 1).byte(c === 0 ? 0x00 : 0x11);
  out.bytes([0, 63, 0]);

  const bits = new BitWriter(out);
  walkSymbols(blocks, (table, symbol, extra, extraLength) => {
    bits.write(tables[table].codes[symbol], tables[table].lengths[symbol]);
    if (extraLength > 0) bits.write(extra, extraLength);
  });
  bits.flush();
  out.word(0xffd9); // EOI
  return out.result();
}

function scaleQuant(base: number[], quality: number): number[] {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  return base.map((v) => Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100))));
}

function zigzagOrder(): number[] {
  const order: number[] = [];
  for (let s = 0; s < 15; s++) {
    const cells: number[] = [];
    for (let i = Math.max(0, s - 7); i <= Math.min(7, s); i++) cells.push(i * 8 + (s - i));
    // Even diagonals run bottom-left to top-right (row decreasing), odd ones the other way.
    if (s % 2 === 0) cells.reverse();
    order.push(...cells);
  }
  return order;
}

/** Quantised DCT coefficients in zig-zag order, 64 per block, blocks in MCU order Y, Cb, Cr. */
function quantisedBlocks(rgb: Uint8Array, height: number, width: number, quant: number[][]): Int16Array {
  const rows = Math.ceil(height / 8);
  const cols = Math.ceil(width / 8);
  const out = new Int16Array(rows * cols * 3 * 64);
  const plane = [new Float64Array(64), new Float64Array(64), new Float64Array(64)];
  let o = 0;
  for (let by = 0; by < rows; by++) {
    for (let bx = 0; bx < cols; bx++) {
      for (let y = 0; y < 8; y++) {
        const i = Math.min(height - 1, by * 8 + y); // edge pixels repeat into the padding
        for (let x = 0; x < 8; x++) {
          const j = Math.min(width - 1, bx * 8 + x);
          const p = (i * width + j) * 3;
          const r = rgb[p];
          const g = rgb[p + 1];
          const b = rgb[p + 2];
          plane[0][y * 8 + x] = 0.299 * r + 0.587 * g + 0.114 * b - 128;
          plane[1][y * 8 + x] = -0.168736 * r - 0.331264 * g + 0.5 * b;
          plane[2][y * 8 + x] = 0.5 * r - 0.418688 * g - 0.081312 * b;
        }
      }
      for (let c = 0; c < 3; c++) {
        const coefficients = plane[c];
        forwardDct(coefficients);
        const q = quant[c === 0 ? 0 : 1];
        // Baseline allows 11-bit DC differences and 10-bit AC values: clamp (only reachable at quality ~100).
        for (let k = 0; k < 64; k++) {
          const n = ZIGZAG[k];
          out[o + k] = clamp(Math.round(coefficients[n] / q[n]), -1023, 1023);
        }
        o += 64;
      }
    }
  }
  return out;
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value));
}

/** 2-D DCT-II of an 8×8 block (rows, then columns); result in natural order. */
// cos(kπ/16) / 2: the DCT-II weights, with the 1/2 of the 8-point normalisation folded in.
const C1 = Math.cos(Math.PI / 16) / 2;
const C2 = Math.cos((2 * Math.PI) / 16) / 2;
const C3 = Math.cos((3 * Math.PI) / 16) / 2;
const C4 = Math.cos((4 * Math.PI) / 16) / 2;
const C5 = Math.cos((5 * Math.PI) / 16) / 2;
const C6 = Math.cos((6 * Math.PI) / 16) / 2;
const C7 = Math.cos((7 * Math.PI) / 16) / 2;

/** 2-D DCT-II of an 8×8 block (rows, then columns), in place, natural order. */
function forwardDct(block: Float64Array): void {
  for (let r = 0; r < 8; r++) dct8(block, r * 8, 1);
  for (let c = 0; c < 8; c++) dct8(block, c, 8);
}

/**
 * Orthonormal 8-point DCT-II of block[o], block[o + step], ... in place, by the even/odd split:
 * sums x[n] + x[7−n] feed the even outputs, differences the odd ones (22 multiplications, not 64).
 * X[u] = C(u)/2 · Σ x[n] cos((2n+1)uπ/16), C(0) = 1/√2, else 1.
 */
function dct8(b: Float64Array, o: number, step: number): void {
  const x0 = b[o];
  const x1 = b[o + step];
  const x2 = b[o + 2 * step];
  const x3 = b[o + 3 * step];
  const x4 = b[o + 4 * step];
  const x5 = b[o + 5 * step];
  const x6 = b[o + 6 * step];
  const x7 = b[o + 7 * step];
  const s07 = x0 + x7;
  const s16 = x1 + x6;
  const s25 = x2 + x5;
  const s34 = x3 + x4;
  const d07 = x0 - x7;
  const d16 = x1 - x6;
  const d25 = x2 - x5;
  const d34 = x3 - x4;
  b[o] = C4 * (s07 + s16 + s25 + s34);
  b[o + 4 * step] = C4 * (s07 - s16 - s25 + s34);
  b[o + 2 * step] = C2 * (s07 - s34) + C6 * (s16 - s25);
  b[o + 6 * step] = C6 * (s07 - s34) - C2 * (s16 - s25);
  b[o + step] = C1 * d07 + C3 * d16 + C5 * d25 + C7 * d34;
  b[o + 3 * step] = C3 * d07 - C7 * d16 - C1 * d25 - C5 * d34;
  b[o + 5 * step] = C5 * d07 - C1 * d16 + C7 * d25 + C3 * d34;
  b[o + 7 * step] = C7 * d07 - C5 * d16 + C3 * d25 - C1 * d34;
}

/** Number of bits of |value| (the JPEG "size category"), and the value's extra bits. */
function category(value: number): [number, number] {
  const magnitude = Math.abs(value);
  let size = 0;
  while (magnitude >> size) size++;
  const extra = value < 0 ? value + (1 << size) - 1 : value; // one's-complement for negatives
  return [size, extra];
}

type SymbolVisitor = (table: number, symbol: number, extra: number, extraLength: number) => void;

/** Visits the Huffman symbols of every block in stream order (DC difference, then AC run/size pairs). */
function walkSymbols(blocks: Int16Array, visit: SymbolVisitor): void {
  const previousDc = [0, 0, 0];
  for (let o = 0, b = 0; o < blocks.length; o += 64, b++) {
    const component = b % 3;
    const dcTable = component === 0 ? 0 : 2;
    const acTable = dcTable + 1;
    const [dcSize, dcExtra] = category(blocks[o] - previousDc[component]);
    previousDc[component] = blocks[o];
    visit(dcTable, dcSize, dcExtra, dcSize);
    let last = 63;
    while (last > 0 && blocks[o + last] === 0) last--;
    let run = 0;
    for (let k = 1; k <= last; k++) {
      const value = blocks[o + k];
      if (value === 0) {
        run++;
        continue;
      }
      for (; run >= 16; run -= 16) visit(acTable, 0xf0, 0, 0); // ZRL: sixteen zeros
      const [size, extra] = category(value);
      visit(acTable, (run << 4) | size, extra, size);
      run = 0;
    }
    if (last < 63) visit(acTable, 0x00, 0, 0); // EOB
  }
}

interface HuffmanTable {
  /** counts[len] = number of codes of that length (1..16). */
  counts: number[];
  /** Symbols in order of increasing code length. */
  values: number[];
  codes: number[];
  lengths: number[];
}

/**
 * A length-limited (≤ 16 bits) canonical Huffman code for the symbols with non-zero frequency,
 * as in T.81 Annex K.2: a reserved one-count symbol keeps the all-ones code unused, over-long
 * codes are shortened by moving leaves up the tree.
 */
function buildHuffman(freq: number[]): HuffmanTable {
  const RESERVED = 256;
  const symbols = freq.map((f, s) => [s, f]).filter(([, f]) => f > 0);
  symbols.push([RESERVED, 1]);
  // Plain Huffman merging; ties go to the lower symbol first so the result is deterministic.
  const depth = new Map<number, number>(symbols.map(([s]) => [s, 0]));
  let nodes = symbols.map(([s, f]) => ({ weight: f, members: [s] }));
  while (nodes.length > 1) {
    nodes.sort((a, b) => a.weight - b.weight || a.members[0] - b.members[0]);
    const [a, b] = nodes;
    for (const s of [...a.members, ...b.members]) depth.set(s, (depth.get(s) ?? 0) + 1);
    nodes = [{ weight: a.weight + b.weight, members: [...a.members, ...b.members] }, ...nodes.slice(2)];
  }
  const counts = new Array<number>(symbols.length + 1).fill(0); // a depth never exceeds the symbol count
  for (const [, d] of depth) counts[d]++;
  for (let i = counts.length - 1; i > 16; i--) {
    while (counts[i] > 0) {
      let j = i - 2;
      while (counts[j] === 0) j--;
      counts[i] -= 2;
      counts[i - 1] += 1;
      counts[j + 1] += 2;
      counts[j] -= 1;
    }
  }
  let longest = Math.min(16, counts.length - 1);
  while (counts[longest] === 0) longest--;
  counts[longest]--; // drop the reserved symbol's code (always one of the longest)

  // Most frequent symbols get the shortest codes.
  const values = symbols
    .filter(([s]) => s !== RESERVED)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .map(([s]) => s);
  const codes = new Array<number>(256).fill(0);
  const lengths = new Array<number>(256).fill(0);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let n = 0; n < (counts[len] ?? 0); n++, k++) {
      codes[values[k]] = code++;
      lengths[values[k]] = len;
    }
    code <<= 1;
  }
  const limited = new Array<number>(17).fill(0);
  for (let len = 1; len <= 16; len++) limited[len] = counts[len] ?? 0;
  return { counts: limited, values, codes, lengths };
}

class ByteWriter {
  private buffer = new Uint8Array(4096);
  private length = 0;

  byte(value: number): this {
    if (this.length === this.buffer.length) {
      const bigger = new Uint8Array(this.buffer.length * 2);
      bigger.set(this.buffer);
      this.buffer = bigger;
    }
    this.buffer[this.length++] = value & 0xff;
    return this;
  }

  word(value: number): this {
    return this.byte(value >> 8).byte(value);
  }

  bytes(values: readonly number[]): this {
    for (const v of values) this.byte(v);
    return this;
  }

  result(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/** Entropy-coded data: MSB-first bits, a 0x00 stuffed after every 0xFF, padded with ones. */
class BitWriter {
  private accumulator = 0; // the low `count` bits are pending, count < 8 between calls
  private count = 0;

  constructor(private readonly out: ByteWriter) {}

  /** Appends the low `length` bits of value (length ≤ 16). */
  write(value: number, length: number): void {
    this.accumulator = (this.accumulator << length) | (value & ((1 << length) - 1));
    this.count += length;
    while (this.count >= 8) {
      this.count -= 8;
      const byte = (this.accumulator >> this.count) & 0xff;
      this.out.byte(byte);
      if (byte === 0xff) this.out.byte(0);
    }
    this.accumulator &= (1 << this.count) - 1;
  }

  flush(): void {
    if (this.count > 0) this.write(0x7f, 8 - this.count);
  }
}
