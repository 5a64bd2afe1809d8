/**
 * Point schemes: how many positive and negative clicks each object gets on an annotated frame.
 * The paper's four (Table 4) are named; any "P<k>" or "P<k>N<m>" parses.
 */
export interface PointScheme {
  name: string;
  positives: number;
  negatives: number;
}

export const PAPER_POINT_SCHEMES = ['P1', 'P10', 'P1N1', 'P5N5'] as const;

export function parsePointScheme(name: string): PointScheme {
  const match = /^P(\d+)(?:N(\d+))?$/.exec(name);
  const positives = match === null ? 0 : Number(match[1]);
  const negatives = match?.[2] === undefined ? 0 : Number(match[2]);
  if (match === null || positives < 1 || positives > 1000 || negatives > 1000) {
    throw new RangeError(
      `point scheme "${name}" is not P<k> or P<k>N<m> with 1 ≤ k ≤ 1000, 0 ≤ m ≤ 1000 (e.g. P1, P1N1)`,
    );
  }
  return { name, positives, negatives };
}
