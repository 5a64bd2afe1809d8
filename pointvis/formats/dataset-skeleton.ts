import type { YtvisCategory } from './types';
import { parseCategories } from './categories';
import { JsonPath, expectArray, expectObject, indexById, optionalInfo, optionalLicenses } from './json-check';

/**
 * What COCO and YouTube-VIS files share: a list of media (images or videos) with unique ids,
 * categories, annotations that point into both, and optional info/licenses. Each format passes
 * its own item and annotation parsers; unknown top-level fields are kept.
 */
export interface DatasetSkeleton<Item, Annotation> {
  top: Record<string, unknown>;
  items: Item[];
  annotations: Annotation[];
  categories: YtvisCategory[];
  info?: Record<string, unknown>;
  licenses?: unknown[];
}

export function parseDatasetSkeleton<Item extends { id: number }, Annotation extends { id: number }>(
  json: unknown,
  file: string,
  media: { key: string; kind: string; parse: (value: unknown, path: JsonPath) => Item },
  parseAnnotation: (
    value: unknown,
    path: JsonPath,
    itemOf: (id: number) => Item | undefined,
    categoryById: Map<number, number>,
  ) => Annotation,
): DatasetSkeleton<Item, Annotation> {
  const root = new JsonPath(file);
  const top = expectObject(json, root);
  const mediaPath = root.key(media.key);
  const items = expectArray(top[media.key], mediaPath).map((v, i) => media.parse(v, mediaPath.at(i)));
  const itemById = indexById(
    items.map((item) => item.id),
    mediaPath,
    media.kind,
  );
  const { categories, byId: categoryById } = parseCategories(top.categories, root.key('categories'));
  const annotationsPath = root.key('annotations');
  // A missing or null `annotations` (test-split files) reads as [].
  const rawAnnotations =
    top.annotations === undefined || top.annotations === null
      ? []
      : expectArray(top.annotations, annotationsPath);
  const annotations = rawAnnotations.map((a, i) =>
    parseAnnotation(a, annotationsPath.at(i), (id) => items[itemById.get(id) ?? -1], categoryById),
  );
  indexById(
    annotations.map((a) => a.id),
    annotationsPath,
    'annotation',
  );
  const skeleton: DatasetSkeleton<Item, Annotation> = { top, items, annotations, categories };
  const info = optionalInfo(top, root);
  const licenses = optionalLicenses(top, root);
  if (info !== undefined) skeleton.info = info;
  if (licenses !== undefined) skeleton.licenses = licenses;
  return skeleton;
}
