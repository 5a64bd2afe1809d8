/**
 * The typed configuration of every model and run, as plain data. Model constructors take these
 * interfaces (or their parts) as ordinary arguments; turning a loaded config into objects
 * (`fromConfig`) lives apart from the classes. Every number the method uses is here — none is
 * hard-coded in model code. Presets live in `configs/` (YAML with `_base_` inheritance); the
 * schema in `schema-pointvis.ts` checks a loaded file against these types key by key.
 *
 * Names are camelCase in YAML and TypeScript alike. Comments give the official
 * detectron2 / Mask2Former / MinVIS key each field mirrors.
 */

/** A backbone output: res2..res5 at strides 4, 8, 16, 32. */
export type FeatureName = 'res2' | 'res3' | 'res4' | 'res5';

/** What the run trains and evaluates. */
export type TaskKind =
  /** Mask2Former on images (COCO-style instance segmentation). */
  | 'image-instance'
  /** MinVIS: a per-frame Mask2Former trained on frames, tracked by query embeddings at test time. */
  | 'video-instance';

/** Swin Transformer backbone (`MODEL.SWIN.*`, Mask2Former's D2SwinTransformer). */
export interface SwinConfig {
  /** ImageNet training size of the weights, 224 or 384 (`PRETRAIN_IMG_SIZE`; only used by APE). */
  pretrainImageSize: number;
  /** Patch embedding stride and kernel (`PATCH_SIZE`, 4). */
  patchSize: number;
  /** Channels of stage 0; stage i has embedDim·2^i (`EMBED_DIM`). */
  embedDim: number;
  /** Blocks per stage (`DEPTHS`), one entry per stage. */
  depths: number[];
  /** Attention heads per stage (`NUM_HEADS`), same length as depths. */
  numHeads: number[];
  /** Attention window side (`WINDOW_SIZE`); the shift on odd blocks is windowSize/2 (floored). */
  windowSize: number;
  /** MLP hidden width as a multiple of the channels (`MLP_RATIO`, 4). */
  mlpRatio: number;
  /** qkv Linear has a bias (`QKV_BIAS`). */
  qkvBias: boolean;
  /** Replaces head_dim^-0.5 when set (`QK_SCALE`, null). */
  qkScale: number | null;
  /** Dropout after the patch embedding and in the MLP/projection (`DROP_RATE`). */
  dropRate: number;
  /** Dropout on the attention probabilities (`ATTN_DROP_RATE`). */
  attnDropRate: number;
  /** Stochastic depth, rising linearly from 0 to this over all blocks (`DROP_PATH_RATE`). */
  dropPathRate: number;
  /** Absolute position embedding (`APE`; off in every Mask2Former config). */
  absolutePositionEmbedding: boolean;
  /** LayerNorm after the patch embedding (`PATCH_NORM`). */
  patchNorm: boolean;
  /** Which stage outputs the backbone returns (`OUT_FEATURES`). */
  outFeatures: FeatureName[];
}

/** Multi-scale deformable attention encoder inside the pixel decoder. */
export interface DeformableEncoderConfig {
  /** Encoder layers (`SEM_SEG_HEAD.TRANSFORMER_ENC_LAYERS`, 6). */
  layers: number;
  /** Attention heads (`MASK_FORMER.NHEADS`, 8). */
  heads: number;
  /** Sampling points per head and level (4; hard-coded in the official code). */
  points: number;
  /** FFN width (1024; hard-coded in the official `from_config`). */
  ffnDim: number;
  /** Dropout in attention and FFN (`MASK_FORMER.DROPOUT`, 0). */
  dropout: number;
}

/** MSDeformAttnPixelDecoder (`MODEL.SEM_SEG_HEAD.*`). */
export interface PixelDecoderConfig {
  /** Backbone features the decoder reads (`IN_FEATURES`). */
  inFeatures: FeatureName[];
  /** Features the deformable encoder reads (`DEFORMABLE_TRANSFORMER_ENCODER_IN_FEATURES`). */
  transformerInFeatures: FeatureName[];
  /** Channels of every map inside the decoder (`CONVS_DIM`). */
  convDim: number;
  /** Channels of the per-pixel mask features (`MASK_DIM`). */
  maskDim: number;
  /** Groups of every GroupNorm in the decoder (32; `input_proj` hard-codes it, `get_norm('GN')` too). */
  groupNormGroups: number;
  /** Stride of the mask features (`COMMON_STRIDE`, 4). */
  commonStride: number;
  encoder: DeformableEncoderConfig;
}

/** MultiScaleMaskedTransformerDecoder (`MODEL.MASK_FORMER.*`). */
export interface TransformerDecoderConfig {
  /** Query and attention width (`HIDDEN_DIM`, 256). */
  hiddenDim: number;
  /** Learnable queries (`NUM_OBJECT_QUERIES`: 100, 200 for Swin-L). */
  numQueries: number;
  /** Attention heads (`NHEADS`, 8). */
  heads: number;
  /** FFN width (`DIM_FEEDFORWARD`, 2048). */
  ffnDim: number;
  /**
   * Decoder layers (9). The official `DEC_LAYERS` is this + 1: there are layers + 1 predictions,
   * the first from the learnable queries before any layer.
   */
  layers: number;
  /** Pre-norm layers instead of post-norm (`PRE_NORM`, false). */
  preNorm: boolean;
  /** Dropout (`DROPOUT`, 0). */
  dropout: number;
  /** Add a 1×1 input projection even when the channels already match (`ENFORCE_INPUT_PROJ`). */
  enforceInputProjection: boolean;
  /** Feature levels the layers cycle through (3; fixed in the official code). */
  featureLevels: number;
}

/** The architecture: a Mask2Former with a Swin backbone (MinVIS uses the same network per frame). */
export interface ModelConfig {
  /** Classes without the no-object class (`SEM_SEG_HEAD.NUM_CLASSES`). */
  numClasses: number;
  /** Per-channel RGB mean and std subtracted / divided on 0–255 input (`PIXEL_MEAN`, `PIXEL_STD`). */
  pixelMean: number[];
  pixelStd: number[];
  /** The padded input size is a multiple of this (`MASK_FORMER.SIZE_DIVISIBILITY`, 32). */
  sizeDivisibility: number;
  swin: SwinConfig;
  pixelDecoder: PixelDecoderConfig;
  decoder: TransformerDecoderConfig;
  /**
   * A safetensors file to start from (`MODEL.WEIGHTS`): ImageNet Swin weights (loaded into the
   * backbone) or a whole converted checkpoint; null starts from the seeded random init.
   */
  weights: string | null;
}

/** Hungarian matcher costs (`HungarianMatcher`; the official code reuses the loss weights). */
export interface MatcherConfig {
  classCost: number;
  maskCost: number;
  diceCost: number;
  /** Points shared by all masks of an image (of a clip, for video) (`TRAIN_NUM_POINTS`). */
  numPoints: number;
}

/** SetCriterion: losses and their weights. */
export interface LossConfig {
  /** `CLASS_WEIGHT` (2), `MASK_WEIGHT` (5: sigmoid BCE), `DICE_WEIGHT` (5). */
  classWeight: number;
  maskWeight: number;
  diceWeight: number;
  /** CE weight of the no-object class (`NO_OBJECT_WEIGHT`, 0.1). */
  noObjectWeight: number;
  /** Supervise every decoder prediction, not only the last (`DEEP_SUPERVISION`). */
  deepSupervision: boolean;
  /** Importance-sampled points per mask (`TRAIN_NUM_POINTS`, 112·112 = 12544). */
  numPoints: number;
  /** PointRend k (`OVERSAMPLE_RATIO`, 3). */
  oversampleRatio: number;
  /** PointRend β (`IMPORTANCE_SAMPLE_RATIO`, 0.75). */
  importanceSampleRatio: number;
  matcher: MatcherConfig;
}

/** The learning-rate schedule's shape (engine/optim/schedule.ts `LrSchedule.kind`). */
export type LrScheduleKind = 'constant' | 'step' | 'poly' | 'cosine';

export interface WarmupConfig {
  /** Multiplier at iteration 0 (`WARMUP_FACTOR`). */
  factor: number;
  /** Iterations until it reaches 1 (`WARMUP_ITERS`). */
  iters: number;
  /** `WARMUP_METHOD`. */
  method: 'linear' | 'constant';
}

export interface GradientClipConfig {
  enabled: boolean;
  /** 'full-model': one global L2 norm over every parameter (`CLIP_TYPE: full_model`). */
  type: 'full-model';
  /** Largest global norm (`CLIP_VALUE`, 0.01). */
  value: number;
  /** `NORM_TYPE` (2). */
  normType: number;
}

/** Optimiser and schedule (`SOLVER.*`). */
export interface SolverConfig {
  optimizer: 'adamw';
  /** `BASE_LR`. */
  baseLr: number;
  /** AdamW β1, β2 and ε (torch defaults 0.9, 0.999, 1e-8). */
  betas: number[];
  eps: number;
  /** `WEIGHT_DECAY` (0.05). */
  weightDecay: number;
  /** Weight decay of normalisation weights and biases (`WEIGHT_DECAY_NORM`, 0). */
  weightDecayNorm: number;
  /** Weight decay of embeddings, Swin's relative position bias tables included (`WEIGHT_DECAY_EMBED`, 0). */
  weightDecayEmbed: number;
  /** lr multiplier of the backbone (`BACKBONE_MULTIPLIER`, 0.1). */
  backboneMultiplier: number;
  /** Images (frames, for MinVIS) per iteration over all devices (`IMS_PER_BATCH`). */
  imsPerBatch: number;
  /** `MAX_ITER`. */
  maxIter: number;
  schedule: LrScheduleKind;
  /** Milestones of the 'step' schedule (`STEPS`) and its factor (`GAMMA`, 0.1). */
  steps: number[];
  gamma: number;
  /** Power of the 'poly' schedule (`POLY_LR_POWER`, 0.9). */
  polyPower: number;
  warmup: WarmupConfig;
  clipGradients: GradientClipConfig;
  /** Mixed precision (`AMP.ENABLED`); the engine may run f32 regardless. */
  amp: boolean;
  /** Save a checkpoint every this many iterations (`CHECKPOINT_PERIOD`, 5000). */
  checkpointPeriod: number;
  /** Print the losses every this many iterations. */
  logPeriod: number;
}

/** How training images are resized and cropped. */
export type TrainAugmentation =
  /** COCO large-scale jitter: flip, resize by a random scale of imageSize, crop/pad to imageSize² (`coco_instance_lsj`). */
  | 'lsj'
  /** Resize the short side to a size from minSizeTrain (capped by maxSizeTrain), flip (video configs). */
  | 'resize-shortest-edge';

/** Input pipeline (`INPUT.*`). */
export interface InputConfig {
  /** Channel order of the network input (`FORMAT`). */
  format: 'RGB';
  trainAugmentation: TrainAugmentation;
  /** LSJ output side and scale range (`IMAGE_SIZE` 1024, `MIN_SCALE` 0.1, `MAX_SCALE` 2.0). */
  imageSize: number;
  minScale: number;
  maxScale: number;
  /** Short-side sizes for 'resize-shortest-edge' (`MIN_SIZE_TRAIN`), picked per clip. */
  minSizeTrain: number[];
  /** 'choice': one of the listed sizes; 'range': uniform between the two (`MIN_SIZE_TRAIN_SAMPLING`). */
  minSizeTrainSampling: 'choice' | 'range';
  /** Long-side cap (`MAX_SIZE_TRAIN`, 1333). */
  maxSizeTrain: number;
  /** Test short side and long-side cap (`MIN_SIZE_TEST`, `MAX_SIZE_TEST`). */
  minSizeTest: number;
  maxSizeTest: number;
  /** Horizontal flip with probability 0.5 (per clip for video: `flip_by_clip`). */
  randomFlip: 'horizontal' | 'none';
}

/** Which data the run reads. */
export interface DatasetsConfig {
  /** Training sets: registered names or annotation file paths, resolved by the runner. */
  train: string[];
  test: string[];
  /** Drop images/frames without annotations from training (`DATALOADER.FILTER_EMPTY_ANNOTATIONS`). */
  filterEmptyAnnotations: boolean;
}

/** Image inference (`MASK_FORMER.TEST.*`, `TEST.*`). */
export interface TestConfig {
  /** Instances kept per image, ranked by class probability × mask score (`TEST.DETECTIONS_PER_IMAGE`, 100). */
  detectionsPerImage: number;
  /** Panoptic/semantic thresholds (`OBJECT_MASK_THRESHOLD`, `OVERLAP_THRESHOLD`, 0.8). */
  objectMaskThreshold: number;
  overlapThreshold: number;
  /** Evaluate every this many training iterations; 0 = only at the end (`TEST.EVAL_PERIOD`). */
  evalPeriod: number;
}

/** MinVIS: per-frame training, query-embedding tracking at test time. */
export interface VideoConfig {
  /** Frames per training sample (`SAMPLING_FRAME_NUM`, 1: MinVIS trains on single frames). */
  samplingFrameNum: number;
  /** Largest distance of the other sampled frames (`SAMPLING_FRAME_RANGE`, 20). */
  samplingFrameRange: number;
  samplingFrameShuffle: boolean;
  /** Fraction of annotated frames kept per video (`SAMPLING_FRAME_RATIO`: 1, or 0.01/0.05/0.1). */
  samplingFrameRatio: number;
  /** Run the network on chunks of windowSize frames (`TEST.WINDOW_INFERENCE`; on for OVIS). */
  windowInference: boolean;
  windowSize: number;
  /** Predictions kept per video over queries × classes (10). */
  topkPerVideo: number;
  /** A pixel is in the mask when its logit exceeds this (0, i.e. probability 0.5). */
  maskLogitThreshold: number;
}

/** How the point matcher scores annotated points (pointvis/matcher). */
export type PointCostNormalization = 'none' | 'points';
/** When an object counts as present in a frame. */
export type PointPresenceRule = 'any-point' | 'positive-point';

/** PointVIS: pseudo masks from class-agnostic proposals matched to point annotations. */
export interface PointSupervisionConfig {
  /** λ1, λ2, λ3 of L_match = λ1 L_ann + λ2 L_cineg + λ3 L_maskness (5, 5, 2). */
  annotatedWeight: number;
  crossInstanceNegativeWeight: number;
  masknessWeight: number;
  /** Proposals per video from the image model (R; its query count). */
  proposalsPerVideo: number;
  /** Soft proposal masks are binarised at this probability (0.5). */
  proposalMaskThreshold: number;
  normalization: PointCostNormalization;
  presence: PointPresenceRule;
  /** Match per annotated frame instead of over the whole video (PointVIS (PF)). */
  perFrameMatching: boolean;
  /** Rounds of self-training on pseudo labels from the finetuned model (1). */
  selfTrainingRounds: number;
}

/** A whole run. */
export interface PointvisConfig {
  task: TaskKind;
  /** Seeds parameter init, data order and every random draw of the run. */
  seed: number;
  model: ModelConfig;
  loss: LossConfig;
  solver: SolverConfig;
  input: InputConfig;
  datasets: DatasetsConfig;
  test: TestConfig;
  /** Present exactly when task is 'video-instance'. */
  video: VideoConfig | null;
  /** Present for point-supervised training; null for mask supervision. */
  pointSupervision: PointSupervisionConfig | null;
}
