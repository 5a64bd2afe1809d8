// Official-semantics evaluation: YouTube-VIS video AP/AR (ytvoseval) and COCO mask AP/AR (cocoeval).
export { evaluateYtvis, YTVIS_PROTOCOL, type EvalOptions } from './ytvis-eval';
export { evaluateCoco, COCO_PROTOCOL } from './coco-eval';
export type { EvalSummary, VisMetrics, CategoryAp } from './summarize';
export { IOU_THRESHOLDS, RECALL_THRESHOLDS, numpyLinspace } from './linspace';
export { videoIou } from './frame-mask';
