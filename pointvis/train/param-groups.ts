/**
 * Optimizer parameter groups as Mask2Former's `build_optimizer` (train_net.py) makes them: it
 * walks every module and its own parameters, and
 *  - multiplies the lr by `backboneMultiplier` when the module's path contains "backbone";
 *  - sets weight decay `weightDecayNorm` for the parameters of normalisation modules (weight and
 *    bias of LayerNorm / GroupNorm);
 *  - sets weight decay `weightDecayEmbed` for nn.Embedding weights and for Swin's
 *    `relative_position_bias_table` / `absolute_pos_embed` (the official code hard-codes 0 for
 *    those two; our config documents them under weightDecayEmbed, whose default is 0);
 *  - everything else (biases of linear and conv layers included) gets `weightDecay`.
 * The official code makes one group per parameter; parameters with the same (lr multiplier,
 * weight decay) are grouped here, which changes nothing in the update.
 */
import { AdamW, EngineError, type Tensor } from '../../engine/index.js';
import type { SolverConfig } from '../../model/config/index.js';
import { Embedding, GroupNorm, LayerNorm, type Module } from '../../model/nn/index.js';

export type ParamGroupSolver = Pick<
  SolverConfig,
  'weightDecay' | 'weightDecayNorm' | 'weightDecayEmbed' | 'backboneMultiplier'
>;

/** Why a parameter got its weight decay. */
export type DecayRule = 'default' | 'norm' | 'embedding';

export interface ParamAssignment {
  name: string;
  param: Tensor;
  lrMultiplier: number;
  weightDecay: number;
  rule: DecayRule;
  inBackbone: boolean;
}

export interface NamedParamGroup {
  lrMultiplier: number;
  weightDecay: number;
  names: string[];
  params: Tensor[];
}

const EMBEDDING_PARAMETER_NAMES = ['relative_position_bias_table', 'absolute_pos_embed'];

function isNormModule(m: Module): boolean {
  return m instanceof LayerNorm || m instanceof GroupNorm;
}

/** Every trainable parameter with its lr multiplier and weight decay, in module order. */
export function assignParameters(model: Module, solver: ParamGroupSolver): ParamAssignment[] {
  const seen = new Set<Tensor>();
  const out: ParamAssignment[] = [];
  for (const [path, module] of model.namedModules()) {
    const prefix = path === '' ? '' : `${path}.`;
    // namedParameters(prefix) also names each tensor by its full path (the optimizer's state keys).
    for (const [name, param] of module.namedParameters(prefix)) {
      const local = name.slice(prefix.length);
      if (local.includes('.') || !param.requiresGrad || seen.has(param)) continue;
      seen.add(param);
      const inBackbone = path.includes('backbone');
      let rule: DecayRule = 'default';
      if (EMBEDDING_PARAMETER_NAMES.includes(local) || module instanceof Embedding) rule = 'embedding';
      if (isNormModule(module)) rule = 'norm';
      const weightDecay =
        rule === 'norm'
          ? solver.weightDecayNorm
          : rule === 'embedding'
            ? solver.weightDecayEmbed
            : solver.weightDecay;
      out.push({
        name,
        param,
        lrMultiplier: inBackbone ? solver.backboneMultiplier : 1,
        weightDecay,
        rule,
        inBackbone,
      });
    }
  }
  return out;
}

/** The assignments grouped by (lr multiplier, weight decay), in order of first appearance. */
export function buildParamGroups(model: Module, solver: ParamGroupSolver): NamedParamGroup[] {
  const groups = new Map<string, NamedParamGroup>();
  for (const a of assignParameters(model, solver)) {
    const key = `${a.lrMultiplier}/${a.weightDecay}`;
    let g = groups.get(key);
    if (!g)
      groups.set(
        key,
        (g = { lrMultiplier: a.lrMultiplier, weightDecay: a.weightDecay, names: [], params: [] }),
      );
    g.names.push(a.name);
    g.params.push(a.param);
  }
  return [...groups.values()];
}

export type OptimizerSolver = ParamGroupSolver &
  Pick<SolverConfig, 'optimizer' | 'baseLr' | 'betas' | 'eps' | 'clipGradients'>;

/** AdamW over the model's parameter groups, with full-model gradient clipping when enabled. */
export function buildOptimizer(
  model: Module,
  solver: OptimizerSolver,
): { optimizer: AdamW; groups: NamedParamGroup[] } {
  if (solver.optimizer !== 'adamw')
    throw new EngineError(`solver.optimizer '${solver.optimizer}' is not supported (adamw)`);
  const clip = solver.clipGradients;
  if (clip.enabled && clip.normType !== 2) {
    throw new EngineError(
      `solver.clipGradients.normType ${clip.normType}: only the L2 norm (2) is supported`,
    );
  }
  const [beta1, beta2] = solver.betas;
  if (solver.betas.length !== 2 || beta1 === undefined || beta2 === undefined) {
    throw new EngineError(`solver.betas must hold two numbers, got [${solver.betas.join(', ')}]`);
  }
  const groups = buildParamGroups(model, solver);
  if (groups.length === 0) throw new EngineError('the model has no trainable parameters');
  const optimizer = new AdamW(
    groups.map((g) => ({ params: g.params, lrMultiplier: g.lrMultiplier, weightDecay: g.weightDecay })),
    {
      lr: solver.baseLr,
      betas: [beta1, beta2],
      eps: solver.eps,
      weightDecay: solver.weightDecay,
      maxGradNorm: clip.enabled ? clip.value : null,
    },
  );
  return { optimizer, groups };
}
