import type { YtvisCategory } from './types';
import {
  expectArray,
  expectInteger,
  expectObject,
  expectString,
  indexById,
  type JsonPath,
} from './json-check';

/** `categories` of a YouTube-VIS or COCO file; ids unique. Unknown fields are kept. */
export function parseCategories(
  value: unknown,
  path: JsonPath,
): { categories: YtvisCategory[]; byId: Map<number, number> } {
  const categories = expectArray(value, path).map((item, i) => {
    const p = path.at(i);
    const record = expectObject(item, p);
    const category: YtvisCategory = {
      ...record,
      id: expectInteger(record.id, p.key('id')),
      name: expectString(record.name, p.key('name')),
    };
    if (record.supercategory !== undefined)
      category.supercategory = expectString(record.supercategory, p.key('supercategory'));
    return category;
  });
  return {
    categories,
    byId: indexById(
      categories.map((c) => c.id),
      path,
      'category',
    ),
  };
}
