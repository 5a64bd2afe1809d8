import { PointvisDataError } from '../errors';
import { addTrackIds, parsePointFrames, parseYtvis, readJsonFile } from '../formats';
import type { YtvisDataset } from '../formats/types';

/** The problem part of a PointvisDataError's message (without its "file, field …: " prefix). */
function problemOf(err: PointvisDataError): string {
  const parts = [err.file];
  if (err.field !== undefined) parts.push(`field ${err.field}`);
  if (err.index !== undefined) parts.push(`index ${err.index}`);
  const prefix = `${parts.join(', ')}: `;
  return err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
}

/** "video V, object O, frame T" for a field path inside `annotations` / `point_frames`. */
function objectContext(raw: unknown, field: string): string | null {
  const m = /^(annotations|point_frames)\[(\d+)\](?:\.(?:points|segmentations|areas|bboxes)\[(\d+)\])?/.exec(
    field,
  );
  if (!m || typeof raw !== 'object' || raw === null) return null;
  const list = (raw as Record<string, unknown>)[m[1]!];
  const record = Array.isArray(list)
    ? (list[Number(m[2])] as Record<string, unknown> | undefined)
    : undefined;
  if (typeof record !== 'object' || record === null) return null;
  const parts = [`video ${String(record.video_id)}`, `object ${String(record.id)}`];
  const frame = m[1] === 'point_frames' ? record.frame_index : m[3];
  if (frame !== undefined) parts.push(`frame ${String(frame)}`);
  return parts.join(', ');
}

export interface PointAnnotations {
  dataset: YtvisDataset;
  /**
   * false for a per-frame file: its one-frame tracks of the same object in different frames all
   * want the same proposal, so only per-frame matching (variant 'pf') suits it.
   */
  tracked: boolean;
}

/**
 * A point-annotation file as tracked objects: a YouTube-VIS file with `points`, or a per-frame
 * file (`point_frames`, each entry its own one-frame track). Validation errors about an object
 * (a point outside the frame, an unknown category) say which video, object and frame.
 */
export function loadPointAnnotations(path: string): PointAnnotations {
  const raw = readJsonFile(path);
  try {
    const perFrame = typeof raw === 'object' && raw !== null && 'point_frames' in raw;
    return perFrame
      ? { dataset: addTrackIds(parsePointFrames(raw, path)), tracked: false }
      : { dataset: parseYtvis(raw, path), tracked: true };
  } catch (err) {
    if (!(err instanceof PointvisDataError) || err.field === undefined) throw err;
    const context = objectContext(raw, err.field);
    if (context === null) throw err;
    throw new PointvisDataError(`${context}: ${problemOf(err)}`, {
      file: err.file,
      field: err.field,
      index: err.index,
    });
  }
}
