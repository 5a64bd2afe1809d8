import { PointvisDataError } from '../errors';

/** Where a value came from, for error messages (file, JSON field path, list index). */
export type DataWhere = ConstructorParameters<typeof PointvisDataError>[1];

/** Used when an RLE is built in memory rather than read from a file. */
export const IN_MEMORY: DataWhere = { file: '(in-memory RLE)' };

export function withField(where: DataWhere, suffix: string): DataWhere {
  const field = where.field === undefined ? suffix.replace(/^\./, '') : `${where.field}${suffix}`;
  return { ...where, field };
}
