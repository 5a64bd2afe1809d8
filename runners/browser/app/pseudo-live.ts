/**
 * Pseudo masks while annotating: after every edit the point matcher of `pointvis pseudo`
 * (pointvis/pseudo: costs on the GPU, batched Hungarian) runs on the current clicks against the
 * loaded model's proposals, and each object's matched masks are shown. Edits that arrive while
 * a run is going are folded into one more run.
 */
import type { PresenceRule } from '../../../engine/index.js';
import type {
  CompressedRle,
  YtvisAnnotation,
  YtvisCategory,
  YtvisDataset,
  YtvisVideo,
} from '../../../pointvis/formats/types.js';
import { parseYtvis } from '../../../pointvis/formats/ytvis-parse.js';
import { chooseProposals } from '../../../pointvis/pseudo/choose.js';
import { videoLabels, zeroCounts } from '../../../pointvis/pseudo/labels.js';
import { PAPER_LAMBDA } from '../../../pointvis/pseudo/lambda.js';
import { prepareVideo } from '../../../pointvis/pseudo/prepare.js';
import type { PseudoVariant } from '../../../pointvis/pseudo/types.js';
import type { VideoProposalFile } from '../../../pointvis/proposals/types.js';
import { decodeMask, decompressRle } from '../../../pointvis/rle/index.js';

const PRESENCE: PresenceRule = 'any-point';
const SOURCE = 'the proposals of the loaded model';

export interface PseudoInputs {
  video: YtvisVideo;
  annotations: YtvisAnnotation[];
  proposals: VideoProposalFile;
  variant: PseudoVariant;
}

/** What the matcher gave for the current clicks. */
export interface PseudoResult {
  /** The pseudo-label annotations `pointvis pseudo` would write (segmentations per frame). */
  labels: YtvisAnnotation[];
  /** Per object (by annotation id), per frame: its pseudo mask, or null. */
  byObject: Map<number, (CompressedRle | null)[]>;
  variant: PseudoVariant;
}

/** One matcher run: the pseudo labels `pointvis pseudo` makes of these clicks and proposals. */
export async function matchPseudoMasks(inputs: PseudoInputs): Promise<PseudoResult> {
  const prepared = prepareVideo(inputs.video, inputs.annotations, inputs.proposals, PRESENCE, SOURCE);
  const [choices] = await chooseProposals([prepared], {
    variant: inputs.variant,
    weights: PAPER_LAMBDA,
    score: 'maskness',
    presence: PRESENCE,
    normalize: 'none',
    source: SOURCE,
  });
  const labels = videoLabels(prepared, choices!, zeroCounts());
  const byObject = new Map(
    labels.map((a) => [a.id, (a.segmentations ?? []).map((s) => (s === null ? null : (s as CompressedRle)))]),
  );
  return { labels, byObject, variant: inputs.variant };
}

/** The pseudo labels as a YouTube-VIS file (as `pointvis pseudo` writes; validated). */
export function pseudoLabelDataset(
  result: PseudoResult,
  video: YtvisVideo,
  categories: YtvisCategory[],
  fileName: string,
): YtvisDataset {
  return parseYtvis(
    {
      info: {
        description: 'pseudo labels from the pointvis browser app',
        pseudo_labels: {
          variant: result.variant,
          lambda: [PAPER_LAMBDA.ann, PAPER_LAMBDA.cineg, PAPER_LAMBDA.maskness],
          score: 'maskness',
          proposals: SOURCE,
          points: 'the clicks in the page',
        },
      },
      videos: [video],
      categories,
      annotations: result.labels,
    },
    fileName,
  );
}

/** A 0/1 row-major mask of a pseudo label. */
export function pseudoMaskPixels(rle: CompressedRle): Uint8Array {
  return decodeMask(decompressRle(rle));
}

/** Runs the matcher after edits, one run at a time, the last edit always included. */
export class LivePseudoMasks {
  private pending: (() => PseudoInputs | null) | null = null;
  private running = false;
  /** Runs finished (tests and the status line read it). */
  runs = 0;

  constructor(
    private readonly runOnGpu: <T>(job: () => Promise<T>) => Promise<T>,
    private readonly onResult: (result: PseudoResult, seconds: number) => void,
    private readonly onError: (err: unknown) => void,
    private readonly onIdle: () => void,
  ) {}

  /** Asks for a run on the inputs as they are when it starts (null: nothing to match). */
  request(inputs: () => PseudoInputs | null): void {
    this.pending = inputs;
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.pending) {
        const take = this.pending;
        this.pending = null;
        const inputs = take();
        if (inputs === null) continue;
        const started = performance.now();
        try {
          const result = await this.runOnGpu(() => matchPseudoMasks(inputs));
          this.runs++;
          this.onResult(result, (performance.now() - started) / 1000);
        } catch (err) {
          this.onError(err);
        }
      }
    } finally {
      this.running = false;
      this.onIdle();
    }
  }

  /** True while a run is going or one is waiting. */
  get busy(): boolean {
    return this.running || this.pending !== null;
  }
}
