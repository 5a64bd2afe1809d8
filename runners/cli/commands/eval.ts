import type { Command } from 'commander';
import type { EvalSummary } from '../../../pointvis/eval/index.js';
import { evaluateCocoFiles, evaluateYtvisFiles } from '../../../pointvis/eval/files.js';

interface EvalCliOptions {
  gt: string;
  results: string;
  json?: boolean;
  coco?: boolean;
  categories?: string;
}

const HEADLINE_KEYS = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100'] as const;

/** `pointvis eval`: official-semantics YouTube-VIS (or, with --coco, COCO mask) AP/AR of a results file. */
export function register(program: Command): void {
  program
    .command('eval')
    .description(
      'Evaluate a results file against ground truth (YouTube-VIS video AP/AR; --coco: COCO mask AP/AR)',
    )
    .requiredOption('--gt <file>', 'ground-truth annotation JSON')
    .requiredOption('--results <file>', 'results JSON (a list of detections)')
    .option('--json', 'print exactly one JSON object instead of a table')
    .option('--coco', 'COCO image instance segmentation instead of YouTube-VIS')
    .option('--categories <ids>', 'evaluate only these category ids (comma-separated)')
    .action((options: EvalCliOptions) => {
      const categoryIds = options.categories === undefined ? undefined : parseIdList(options.categories);
      const summary = options.coco
        ? evaluateCocoFiles(options.gt, options.results, { categoryIds })
        : evaluateYtvisFiles(options.gt, options.results, { categoryIds });
      const text = options.json
        ? JSON.stringify(summary)
        : formatTable(summary, options.coco ? 'COCO mask AP' : 'YouTube-VIS video AP');
      process.stdout.write(`${text}\n`);
    });
}

function parseIdList(text: string): number[] {
  return text.split(',').map((part) => {
    const id = Number(part.trim());
    if (part.trim() === '' || !Number.isInteger(id))
      throw new Error(`--categories: "${part}" is not an integer id`);
    return id;
  });
}

/** -1 means "no ground truth in this slice": shown as a dash. */
function cell(value: number): string {
  return value === -1 ? '-' : value.toFixed(1);
}

function formatTable(summary: EvalSummary, title: string): string {
  const width = 7;
  const lines = [
    title,
    HEADLINE_KEYS.map((key) => key.padStart(width)).join(''),
    HEADLINE_KEYS.map((key) => cell(summary[key]).padStart(width)).join(''),
    '',
    'AP per category:',
  ];
  const nameWidth = Math.max(4, ...summary.per_category.map((c) => c.name.length));
  for (const category of summary.per_category) {
    lines.push(
      `${String(category.id).padStart(6)}  ${category.name.padEnd(nameWidth)}  ${cell(category.AP).padStart(5)}`,
    );
  }
  return lines.join('\n');
}
