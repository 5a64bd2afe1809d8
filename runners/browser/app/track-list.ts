/**
 * The table of video instances after inference: rank, colour (as drawn), class and score. Rows
 * the overlay leaves out (below the score threshold, or a track already drawn with a better
 * class) are dimmed, as the CLI's overlays leave them out.
 */
import type { VideoInstances } from '../../../model/minvis/index.js';
import type { OverlayInstance } from '../../../pointvis/viz/overlay-frame.js';
import { cssColor, el, replaceChildren } from './dom';

export function renderTrackList(
  body: HTMLElement,
  instances: VideoInstances | null,
  picked: readonly OverlayInstance[],
  classNames: readonly string[],
): void {
  if (instances === null) {
    replaceChildren(body, [el('tr', {}, [el('td', { colspan: 4, text: 'Run MinVIS to see the tracks.' })])]);
    return;
  }
  const drawn = new Map(picked.map((p) => [p.index, p]));
  const rows = Array.from(instances.scores, (score, i) => {
    const label = instances.labels[i]!;
    const shown = drawn.get(i);
    const swatch = el('span', { class: 'swatch' });
    if (shown) swatch.style.background = cssColor(shown.color);
    const className = classNames[label] ?? `class ${label + 1}`;
    return el(
      'tr',
      {
        class: shown ? 'track' : 'track dimmed',
        'data-class': className,
        'data-score': score.toFixed(6),
        'data-query': instances.queries[i]!,
      },
      [
        el('td', { text: String(i + 1) }),
        el('td', {}, [swatch]),
        el('td', { text: className }),
        el('td', { text: score.toFixed(3) }),
      ],
    );
  });
  replaceChildren(body, rows);
}
