/** Reads a byte stream (a picked file, a fetched response) whole, reporting the fraction read. */
export async function readAllBytes(
  stream: ReadableStream<Uint8Array>,
  total: number | null,
  onProgress: (fraction: number | null) => void,
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    length += value.length;
    onProgress(total ? length / total : null);
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

export function readFileBytes(
  file: File,
  onProgress: (fraction: number | null) => void,
): Promise<Uint8Array> {
  return readAllBytes(file.stream(), file.size, onProgress);
}

/** GETs a URL of the app's own folder; a failed request is an error naming it. */
export async function fetchBytes(
  url: string,
  onProgress: (fraction: number | null) => void,
): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok || response.body === null) throw new Error(`cannot load ${url}: HTTP ${response.status}`);
  const length = Number(response.headers.get('content-length'));
  return readAllBytes(response.body, length > 0 ? length : null, onProgress);
}

export async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load ${url}: HTTP ${response.status}`);
  return (await response.json()) as unknown;
}
