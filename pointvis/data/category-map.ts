import { PointvisDataError } from '../errors';
import type { YtvisCategory } from '../formats/types';

/**
 * Dataset category ids ↔ contiguous class indices 0..C-1, in ascending id order (as detectron2
 * builds its contiguous ids). Built from a dataset's own `categories`: the user's dataset decides
 * the classes and their count.
 */
export class CategoryMap {
  private readonly indexById = new Map<number, number>();
  readonly ids: readonly number[];
  readonly names: readonly string[];

  constructor(categories: readonly YtvisCategory[], file = '(categories)') {
    const sorted = [...categories].sort((a, b) => a.id - b.id);
    sorted.forEach((c, i) => {
      if (this.indexById.has(c.id)) {
        throw new PointvisDataError(`category id ${c.id} appears twice`, { file, field: 'categories' });
      }
      this.indexById.set(c.id, i);
    });
    this.ids = sorted.map((c) => c.id);
    this.names = sorted.map((c) => c.name);
  }

  /** Number of classes C. */
  get size(): number {
    return this.ids.length;
  }

  has(categoryId: number): boolean {
    return this.indexById.has(categoryId);
  }

  /** The class index of a category id; `where` names the annotation when the id is unknown. */
  classIndex(categoryId: number, where: { file: string; field?: string; context?: string }): number {
    const index = this.indexById.get(categoryId);
    if (index === undefined) {
      const context = where.context ? `${where.context}: ` : '';
      throw new PointvisDataError(
        `${context}category id ${categoryId} is not among the ${this.size} training categories (ids ${this.ids.join(', ')})`,
        { file: where.file, field: where.field },
      );
    }
    return index;
  }

  categoryId(classIndex: number): number {
    const id = this.ids[classIndex];
    if (id === undefined) throw new RangeError(`class index ${classIndex} is outside 0..${this.size - 1}`);
    return id;
  }
}
