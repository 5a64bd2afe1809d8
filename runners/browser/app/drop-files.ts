/** The files of a drag-and-drop: dropped files as they are, dropped folders read recursively. */
import type { NamedFile } from './frame-files';

function entryFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** All entries of a folder (readEntries hands them out in batches until it returns none). */
async function folderEntries(folder: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = folder.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

async function collect(entry: FileSystemEntry, out: NamedFile[]): Promise<void> {
  const name = entry.fullPath.replace(/^\//, '');
  if (entry.isFile) out.push({ file: await entryFile(entry as FileSystemFileEntry), name });
  else if (entry.isDirectory) {
    for (const child of await folderEntries(entry as FileSystemDirectoryEntry)) await collect(child, out);
  }
}

export async function droppedFiles(transfer: DataTransfer): Promise<NamedFile[]> {
  // Entries must be taken synchronously, before the first await (the list empties afterwards).
  const entries = Array.from(transfer.items)
    .map((item) => (item.kind === 'file' ? item.webkitGetAsEntry() : null))
    .filter((e): e is FileSystemEntry => e !== null);
  if (entries.length === 0) return Array.from(transfer.files).map((file) => ({ file, name: file.name }));
  const out: NamedFile[] = [];
  for (const entry of entries) await collect(entry, out);
  return out;
}

/** Files of an <input type=file> (a picked folder's files carry their path inside it). */
export function pickedFiles(input: HTMLInputElement): NamedFile[] {
  return Array.from(input.files ?? []).map((file) => ({ file, name: file.webkitRelativePath || file.name }));
}
