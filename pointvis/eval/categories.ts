import { PointvisDataError } from '../errors';
import type { YtvisCategory } from '../formats/types';

export interface CategorySelection {
  /** Evaluated categories in ascending id order (the official catIds order). */
  categories: { id: number; name: string }[];
  /** Category id → position in `categories`. */
  indexOf: Map<number, number>;
}

/** The ground truth's categories, or the requested subset of them, sorted by id. */
export function selectCategories(
  all: readonly YtvisCategory[],
  requested: readonly number[] | undefined,
  gtFile: string,
): CategorySelection {
  const byId = new Map<number, YtvisCategory>();
  for (const category of all) byId.set(category.id, category);
  const ids = requested === undefined ? [...byId.keys()] : [...new Set(requested)];
  for (const id of ids) {
    if (!byId.has(id)) {
      throw new PointvisDataError(`category id ${id} was asked for but is not in "categories"`, {
        file: gtFile,
        field: 'categories',
      });
    }
  }
  ids.sort((a, b) => a - b);
  const categories = ids.map((id) => ({ id, name: byId.get(id)!.name }));
  return { categories, indexOf: new Map(ids.map((id, k) => [id, k])) };
}
