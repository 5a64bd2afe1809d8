/** The categories results are labelled with: a dataset's, a categories file's, or numbered ones. */
import { CategoryMap } from '../data/category-map';
import { parseCategories } from '../formats/categories';
import { JsonPath, readJsonFile } from '../formats/json-path';
import type { YtvisCategory } from '../formats/types';

/**
 * Reads a categories file: a JSON list of `{id, name}` or any object with a `categories` list
 * (a YouTube-VIS or COCO annotation file). Contiguous class k is the k-th smallest id.
 */
export function loadCategoriesFile(path: string): CategoryMap {
  const json = readJsonFile(path);
  const root = new JsonPath(path);
  const list =
    Array.isArray(json) || json === null || typeof json !== 'object'
      ? parseCategories(json, root)
      : parseCategories((json as Record<string, unknown>).categories, root.key('categories'));
  return new CategoryMap(list.categories, path);
}

/** Ids 1..count named `class-<id>`: only for inputs that bring no categories of their own. */
export function numberedCategories(count: number): CategoryMap {
  const categories: YtvisCategory[] = Array.from({ length: count }, (_, k) => ({
    id: k + 1,
    name: `class-${k + 1}`,
  }));
  return new CategoryMap(categories, '(numbered categories)');
}

/** Throws unless the model's classes and the categories agree in number. */
export function checkCategoryCount(categories: CategoryMap, numClasses: number, source: string): void {
  if (categories.size !== numClasses) {
    throw new Error(
      `the model has ${numClasses} classes but ${source} lists ${categories.size} categories ` +
        `(ids ${categories.ids.join(', ')}): pass --categories with the model's ${numClasses} categories`,
    );
  }
}
