import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PointvisDataError } from '../errors';
import type { YtvisDataset } from '../formats/types';
import { readJsonFile } from '../formats/json-path';
import { readVideoProposals, videoProposalFileName, writeProposalIndex } from './store';
import type { ProposalIndex, ProposalSettings, ShardManifest } from './types';

const MANIFEST = /^shard-(\d+)-of-(\d+)\.json$/;

function readManifest(path: string): ShardManifest {
  const value = readJsonFile(path) as Partial<ShardManifest>;
  if (value?.format !== 'pointvis-proposals-shard' || !Array.isArray(value.videos) || !value.settings) {
    throw new PointvisDataError('not a proposals shard manifest', { file: path });
  }
  return value as ShardManifest;
}

function sameSettings(a: ProposalSettings, b: ProposalSettings): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export interface MergeOptions {
  /** When given, every video of this dataset must have proposals. */
  dataset?: YtvisDataset;
  /** Read every video file back and check it (slower; on by default). */
  verify?: boolean;
}

/**
 * Merges the shards of a proposals directory into `index.json`: all n shards must have finished
 * with the same settings, each video exactly once, every file present (and valid, with verify).
 */
export function mergeProposalShards(dir: string, options: MergeOptions = {}): ProposalIndex {
  if (!existsSync(dir)) throw new PointvisDataError('proposals directory does not exist', { file: dir });
  const manifests = readdirSync(dir)
    .filter((name) => MANIFEST.test(name))
    .sort()
    .map((name) => ({ name, manifest: readManifest(join(dir, name)) }));
  if (manifests.length === 0) {
    throw new PointvisDataError('no shard manifests (shard-<i>-of-<n>.json): no shard has finished', {
      file: dir,
    });
  }
  const count = manifests[0]!.manifest.shard[1];
  const byIndex = new Map<number, ShardManifest>();
  for (const { name, manifest } of manifests) {
    if (manifest.shard[1] !== count) {
      throw new PointvisDataError(`${name} is one of ${manifest.shard[1]} shards, others of ${count}`, {
        file: dir,
      });
    }
    if (!sameSettings(manifest.settings, manifests[0]!.manifest.settings)) {
      throw new PointvisDataError(
        `${name} was made with other settings than ${manifests[0]!.name}: ` +
          `${JSON.stringify(manifest.settings)} vs ${JSON.stringify(manifests[0]!.manifest.settings)}`,
        { file: dir },
      );
    }
    byIndex.set(manifest.shard[0], manifest);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    throw new PointvisDataError(
      `shards ${missing.map((i) => `${i}/${count}`).join(', ')} have not finished`,
      {
        file: dir,
      },
    );
  }
  const seen = new Map<number, number>();
  for (const [i, manifest] of byIndex) {
    for (const id of manifest.videos) {
      if (seen.has(id)) {
        throw new PointvisDataError(`video ${id} is in shard ${seen.get(id)} and shard ${i}`, { file: dir });
      }
      seen.set(id, i);
      const path = join(dir, videoProposalFileName(id));
      if (!existsSync(path)) {
        throw new PointvisDataError(`video ${id} of shard ${i}/${count} has no proposals file`, {
          file: path,
        });
      }
      if (options.verify ?? true) readVideoProposals(path);
    }
  }
  if (options.dataset) {
    const absent = options.dataset.videos.filter((v) => !seen.has(v.id)).map((v) => v.id);
    if (absent.length > 0) {
      throw new PointvisDataError(
        `${absent.length} videos have no proposals: ${absent.slice(0, 10).join(', ')}${absent.length > 10 ? ', …' : ''}`,
        { file: dir },
      );
    }
  }
  const ids = [...seen.keys()].sort((a, b) => a - b);
  const index: ProposalIndex = {
    format: 'pointvis-proposals-index',
    settings: manifests[0]!.manifest.settings,
    shards: count,
    videos: ids.map((id) => ({ video_id: id, file: videoProposalFileName(id) })),
  };
  writeProposalIndex(dir, index);
  return index;
}
