/**
 * The schema of `PointvisConfig` (types.ts): every field with its kind and range, and the
 * relations between fields that the models rely on (heads dividing channels, features that
 * exist, increasing lr steps, ...). `Schema<T>` makes a field missing here a compile error.
 */
import { type Issue, type ObjectSchema, bool, int, list, nullable, num, obj, oneOf, str } from './schema.js';
import type {
  DatasetsConfig,
  DeformableEncoderConfig,
  FeatureName,
  GradientClipConfig,
  InputConfig,
  LossConfig,
  MatcherConfig,
  ModelConfig,
  PixelDecoderConfig,
  PointSupervisionConfig,
  PointvisConfig,
  SolverConfig,
  SwinConfig,
  TestConfig,
  TransformerDecoderConfig,
  VideoConfig,
  WarmupConfig,
} from './types.js';

const FEATURES: readonly FeatureName[] = ['res2', 'res3', 'res4', 'res5'];
/** Stride of each backbone output. */
export const FEATURE_STRIDE: Record<FeatureName, number> = { res2: 4, res3: 8, res4: 16, res5: 32 };

const positiveInt = (doc?: string) => int({ min: 1, doc });
const nonNegativeInt = (doc?: string) => int({ min: 0, doc });
const probability = (doc?: string) => num({ min: 0, max: 1, doc });
/** Dropout-like rates: 1 would drop everything. */
const rate = (doc?: string) => num({ min: 0, max: 1, maxExclusive: true, doc });
const featureList = (doc: string) => list(oneOf(FEATURES), { minLength: 1, doc });

function duplicates(values: readonly string[]): string[] {
  return values.filter((v, i) => values.indexOf(v) !== i);
}

const swinSchema: ObjectSchema<SwinConfig> = obj<SwinConfig>(
  {
    pretrainImageSize: positiveInt('ImageNet size of the weights'),
    patchSize: positiveInt('patch embedding stride'),
    embedDim: positiveInt('channels of stage 0'),
    // Four stages: the outputs res2..res5 (the official D2 wrapper assumes them).
    depths: list(positiveInt(), { minLength: 4, maxLength: 4, doc: 'blocks per stage' }),
    numHeads: list(positiveInt(), { minLength: 4, maxLength: 4, doc: 'heads per stage' }),
    windowSize: positiveInt('attention window side'),
    mlpRatio: num({ min: 0, minExclusive: true }),
    qkvBias: bool(),
    qkScale: nullable<number>(num({ min: 0, minExclusive: true })),
    dropRate: rate(),
    attnDropRate: rate(),
    dropPathRate: rate('stochastic depth of the last block'),
    absolutePositionEmbedding: bool(),
    patchNorm: bool(),
    outFeatures: featureList('backbone outputs'),
  },
  (s) => {
    const issues: Issue[] = [];
    s.numHeads.forEach((h, i) => {
      const channels = s.embedDim * 2 ** i;
      if (channels % h !== 0)
        issues.push({
          path: ['numHeads', i],
          message: `${h} heads do not divide the ${channels} channels of stage ${i}`,
        });
    });
    for (const d of duplicates(s.outFeatures))
      issues.push({ path: ['outFeatures'], message: `lists ${d} twice` });
    return issues;
  },
);

const encoderSchema: ObjectSchema<DeformableEncoderConfig> = obj<DeformableEncoderConfig>({
  layers: nonNegativeInt('deformable encoder layers'),
  heads: positiveInt('deformable attention heads'),
  points: positiveInt('sampling points per head and level'),
  ffnDim: positiveInt('encoder FFN width'),
  dropout: rate(),
});

const pixelDecoderSchema: ObjectSchema<PixelDecoderConfig> = obj<PixelDecoderConfig>(
  {
    inFeatures: featureList('features the pixel decoder reads'),
    transformerInFeatures: featureList('features the deformable encoder reads'),
    convDim: positiveInt('channels inside the pixel decoder'),
    maskDim: positiveInt('mask feature channels'),
    groupNormGroups: positiveInt('GroupNorm groups'),
    commonStride: positiveInt('stride of the mask features'),
    encoder: encoderSchema,
  },
  (p) => {
    const issues: Issue[] = [];
    p.transformerInFeatures.forEach((f, i) => {
      if (!p.inFeatures.includes(f))
        issues.push({
          path: ['transformerInFeatures', i],
          message: `${f} is not in inFeatures [${p.inFeatures.join(', ')}]`,
        });
    });
    for (const d of duplicates(p.inFeatures))
      issues.push({ path: ['inFeatures'], message: `lists ${d} twice` });
    for (const d of duplicates(p.transformerInFeatures))
      issues.push({ path: ['transformerInFeatures'], message: `lists ${d} twice` });
    if (p.convDim % p.groupNormGroups !== 0) {
      issues.push({
        path: ['groupNormGroups'],
        message: `${p.groupNormGroups} groups do not divide convDim ${p.convDim}`,
      });
    }
    if (p.convDim % p.encoder.heads !== 0) {
      issues.push({
        path: ['encoder', 'heads'],
        message: `${p.encoder.heads} heads do not divide convDim ${p.convDim}`,
      });
    }
    if (p.convDim % 2 !== 0)
      issues.push({
        path: ['convDim'],
        message: 'must be even (half of it is the sine position encoding of each axis)',
      });
    const minStride = Math.min(...p.transformerInFeatures.map((f) => FEATURE_STRIDE[f]));
    const fpnLevels = Math.log2(minStride) - Math.log2(p.commonStride);
    if (!Number.isInteger(fpnLevels) || fpnLevels < 0) {
      issues.push({
        path: ['commonStride'],
        message: `must be a power of two no larger than the finest encoder stride ${minStride}`,
      });
    } else {
      const finer = p.inFeatures.filter((f) => FEATURE_STRIDE[f] < minStride).length;
      if (finer < fpnLevels) {
        issues.push({
          path: ['commonStride'],
          message: `needs ${fpnLevels} inFeatures finer than stride ${minStride} for the FPN, there are ${finer}`,
        });
      }
    }
    return issues;
  },
);

const decoderSchema: ObjectSchema<TransformerDecoderConfig> = obj<TransformerDecoderConfig>(
  {
    hiddenDim: positiveInt('query width'),
    numQueries: positiveInt('learnable queries'),
    heads: positiveInt('attention heads'),
    ffnDim: positiveInt('FFN width'),
    layers: positiveInt('decoder layers (the official DEC_LAYERS minus 1)'),
    preNorm: bool(),
    dropout: rate(),
    enforceInputProjection: bool(),
    featureLevels: positiveInt('feature levels the layers cycle through'),
  },
  (d) => {
    const issues: Issue[] = [];
    if (d.hiddenDim % d.heads !== 0)
      issues.push({ path: ['heads'], message: `${d.heads} heads do not divide hiddenDim ${d.hiddenDim}` });
    if (d.hiddenDim % 2 !== 0)
      issues.push({ path: ['hiddenDim'], message: 'must be even (sine position encoding)' });
    return issues;
  },
);

const rgb = (doc: string) => list<number>(num(), { minLength: 3, maxLength: 3, doc });

const modelSchema: ObjectSchema<ModelConfig> = obj<ModelConfig>(
  {
    numClasses: positiveInt('classes without no-object'),
    pixelMean: rgb('RGB mean'),
    pixelStd: rgb('RGB std'),
    sizeDivisibility: positiveInt('padding multiple'),
    swin: swinSchema,
    pixelDecoder: pixelDecoderSchema,
    decoder: decoderSchema,
    weights: nullable<string>(str('initial weights (safetensors)')),
  },
  (m) => {
    const issues: Issue[] = [];
    m.pixelStd.forEach((s, i) => {
      if (!(s > 0)) issues.push({ path: ['pixelStd', i], message: `${s} must be positive` });
    });
    m.pixelDecoder.inFeatures.forEach((f, i) => {
      if (!m.swin.outFeatures.includes(f)) {
        issues.push({
          path: ['pixelDecoder', 'inFeatures', i],
          message: `${f} is not a backbone output (swin.outFeatures [${m.swin.outFeatures.join(', ')}])`,
        });
      }
    });
    if (m.decoder.featureLevels > m.pixelDecoder.transformerInFeatures.length) {
      issues.push({
        path: ['decoder', 'featureLevels'],
        message: `${m.decoder.featureLevels} levels, but the pixel decoder makes ${m.pixelDecoder.transformerInFeatures.length} (transformerInFeatures)`,
      });
    }
    return issues;
  },
);

const matcherSchema: ObjectSchema<MatcherConfig> = obj<MatcherConfig>({
  classCost: num({ min: 0 }),
  maskCost: num({ min: 0 }),
  diceCost: num({ min: 0 }),
  numPoints: positiveInt('points shared by all masks'),
});

const lossSchema: ObjectSchema<LossConfig> = obj<LossConfig>({
  classWeight: num({ min: 0 }),
  maskWeight: num({ min: 0 }),
  diceWeight: num({ min: 0 }),
  noObjectWeight: num({ min: 0 }),
  deepSupervision: bool(),
  numPoints: positiveInt('importance-sampled points per mask'),
  oversampleRatio: num({ min: 1 }),
  importanceSampleRatio: probability(),
  matcher: matcherSchema,
});

const warmupSchema: ObjectSchema<WarmupConfig> = obj<WarmupConfig>({
  factor: num({ min: 0 }),
  iters: nonNegativeInt(),
  method: oneOf(['linear', 'constant'] as const),
});

const clipSchema: ObjectSchema<GradientClipConfig> = obj<GradientClipConfig>({
  enabled: bool(),
  type: oneOf(['full-model'] as const),
  value: num({ min: 0, minExclusive: true }),
  normType: num({ min: 0, minExclusive: true }),
});

const solverSchema: ObjectSchema<SolverConfig> = obj<SolverConfig>(
  {
    optimizer: oneOf(['adamw'] as const),
    baseLr: num({ min: 0, minExclusive: true }),
    betas: list(num({ min: 0, max: 1, maxExclusive: true }), { minLength: 2, maxLength: 2 }),
    eps: num({ min: 0, minExclusive: true }),
    weightDecay: num({ min: 0 }),
    weightDecayNorm: num({ min: 0 }),
    weightDecayEmbed: num({ min: 0 }),
    backboneMultiplier: num({ min: 0 }),
    imsPerBatch: positiveInt('images per iteration'),
    maxIter: positiveInt('training iterations'),
    schedule: oneOf(['constant', 'step', 'poly', 'cosine'] as const),
    steps: list(positiveInt()),
    gamma: num({ min: 0, minExclusive: true }),
    polyPower: num({ min: 0, minExclusive: true }),
    warmup: warmupSchema,
    clipGradients: clipSchema,
    amp: bool(),
    checkpointPeriod: positiveInt(),
    logPeriod: positiveInt(),
  },
  (s) => {
    const issues: Issue[] = [];
    s.steps.forEach((step, i) => {
      if (i > 0 && !(step > s.steps[i - 1]!))
        issues.push({
          path: ['steps', i],
          message: `${step} must be larger than the step before it (${s.steps[i - 1]})`,
        });
      if (step > s.maxIter)
        issues.push({ path: ['steps', i], message: `${step} is past maxIter ${s.maxIter}` });
    });
    return issues;
  },
);

const inputSchema: ObjectSchema<InputConfig> = obj<InputConfig>(
  {
    format: oneOf(['RGB'] as const),
    trainAugmentation: oneOf(['lsj', 'resize-shortest-edge'] as const),
    imageSize: positiveInt('LSJ output side'),
    minScale: num({ min: 0, minExclusive: true }),
    maxScale: num({ min: 0, minExclusive: true }),
    minSizeTrain: list(positiveInt(), { minLength: 1 }),
    minSizeTrainSampling: oneOf(['choice', 'range'] as const),
    maxSizeTrain: positiveInt(),
    minSizeTest: positiveInt(),
    maxSizeTest: positiveInt(),
    randomFlip: oneOf(['horizontal', 'none'] as const),
  },
  (i) => {
    const issues: Issue[] = [];
    if (i.maxScale < i.minScale)
      issues.push({ path: ['maxScale'], message: `${i.maxScale} is below minScale ${i.minScale}` });
    if (i.minSizeTrainSampling === 'range' && i.minSizeTrain.length !== 2) {
      issues.push({
        path: ['minSizeTrain'],
        message: `'range' sampling needs [low, high], got ${i.minSizeTrain.length} values`,
      });
    }
    return issues;
  },
);

const datasetsSchema: ObjectSchema<DatasetsConfig> = obj<DatasetsConfig>({
  train: list(str()),
  test: list(str()),
  filterEmptyAnnotations: bool(),
});

const testSchema: ObjectSchema<TestConfig> = obj<TestConfig>({
  detectionsPerImage: positiveInt('instances kept per image'),
  objectMaskThreshold: probability(),
  overlapThreshold: probability(),
  evalPeriod: nonNegativeInt('0 evaluates only at the end'),
});

const videoSchema: ObjectSchema<VideoConfig> = obj<VideoConfig>({
  samplingFrameNum: positiveInt('frames per training sample'),
  samplingFrameRange: nonNegativeInt(),
  samplingFrameShuffle: bool(),
  samplingFrameRatio: num({ min: 0, max: 1, minExclusive: true }),
  windowInference: bool(),
  windowSize: positiveInt('frames per inference window'),
  topkPerVideo: positiveInt('predictions kept per video'),
  maskLogitThreshold: num(),
});

const pointSupervisionSchema: ObjectSchema<PointSupervisionConfig> = obj<PointSupervisionConfig>({
  annotatedWeight: num({ min: 0, doc: 'λ1' }),
  crossInstanceNegativeWeight: num({ min: 0, doc: 'λ2' }),
  masknessWeight: num({ min: 0, doc: 'λ3' }),
  proposalsPerVideo: positiveInt('proposals per video (R)'),
  proposalMaskThreshold: num({ min: 0, max: 1, minExclusive: true, maxExclusive: true }),
  normalization: oneOf(['none', 'points'] as const),
  presence: oneOf(['any-point', 'positive-point'] as const),
  perFrameMatching: bool(),
  selfTrainingRounds: nonNegativeInt(),
});

export const pointvisConfigSchema: ObjectSchema<PointvisConfig> = obj<PointvisConfig>(
  {
    task: oneOf(['image-instance', 'video-instance'] as const),
    seed: int({ min: 0, max: Number.MAX_SAFE_INTEGER, doc: 'run seed' }),
    model: modelSchema,
    loss: lossSchema,
    solver: solverSchema,
    input: inputSchema,
    datasets: datasetsSchema,
    test: testSchema,
    video: nullable<VideoConfig>(videoSchema),
    pointSupervision: nullable<PointSupervisionConfig>(pointSupervisionSchema),
  },
  (c) => {
    const issues: Issue[] = [];
    if (c.task === 'video-instance' && c.video === null)
      issues.push({ path: ['video'], message: "task 'video-instance' needs the video section" });
    if (c.task === 'image-instance' && c.video !== null)
      issues.push({ path: ['video'], message: "must be null for task 'image-instance'" });
    if (c.pointSupervision !== null && c.task !== 'video-instance') {
      issues.push({ path: ['pointSupervision'], message: "point supervision is for task 'video-instance'" });
    }
    return issues;
  },
);
