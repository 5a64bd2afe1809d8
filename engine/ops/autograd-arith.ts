/**
 * Registers the gradient arithmetic autograd needs (accumulating, copying and seeding
 * gradients). Imported for its effect by engine/index.ts, which keeps autograd.ts free of an
 * import cycle with the ops.
 */
import { setGradientArithmetic } from '../autograd.js';
import { clone, onesLike } from './copy.js';
import { add } from './elementwise.js';

setGradientArithmetic({ add: (a, b) => add(a, b), clone, onesLike });
