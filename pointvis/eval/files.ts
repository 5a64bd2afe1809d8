/** Evaluation from files on disk (Node): ground truth and results JSON → the summary. */
import { loadCoco, loadCocoResults, loadYtvisResults } from '../formats/index.js';
import { evaluateCoco } from './coco-eval';
import { loadYtvisGroundTruthForEval } from './load-inputs';
import type { EvalSummary } from './summarize';
import { type EvalOptions, evaluateYtvis } from './ytvis-eval';

/** YouTube-VIS video AP/AR of a results file (`categoryIds` restricts the categories). */
export function evaluateYtvisFiles(
  gtFile: string,
  resultsFile: string,
  options: Omit<EvalOptions, 'gtFile' | 'resultsFile'> = {},
): EvalSummary {
  const gt = loadYtvisGroundTruthForEval(gtFile);
  return evaluateYtvis(gt, loadYtvisResults(resultsFile, gt), { ...options, gtFile, resultsFile });
}

/** COCO mask AP/AR of a results file. */
export function evaluateCocoFiles(
  gtFile: string,
  resultsFile: string,
  options: Omit<EvalOptions, 'gtFile' | 'resultsFile'> = {},
): EvalSummary {
  const gt = loadCoco(gtFile);
  return evaluateCoco(gt, loadCocoResults(resultsFile, gt), { ...options, gtFile, resultsFile });
}
