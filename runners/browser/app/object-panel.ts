/** The objects and categories lists of the annotation panel (what is drawn; the App handles the clicks). */
import type { YtvisCategory } from '../../../pointvis/formats/types.js';
import { objectColor } from '../../../pointvis/viz/draw.js';
import type { AnnotationStore } from './annotations';
import { cssColor, el, replaceChildren } from './dom';

/** Frames where the object has clicks, and its positive/negative counts. */
function summary(points: AnnotationStore['state']['objects'][number]['points']): string {
  let frames = 0;
  let positive = 0;
  let negative = 0;
  for (const frame of points) {
    if (frame === null) continue;
    frames++;
    for (const p of frame) {
      if (p[2] === 1) positive++;
      else negative++;
    }
  }
  return `${positive}+ ${negative}− in ${frames} frame${frames === 1 ? '' : 's'}`;
}

export function renderObjectList(
  list: HTMLElement,
  store: AnnotationStore,
  onSelect: (i: number) => void,
): void {
  const { objects, categories } = store.state;
  const names = new Map(categories.map((c) => [c.id, c.name]));
  replaceChildren(
    list,
    objects.map((o, i) => {
      const swatch = el('span', { class: 'swatch' });
      swatch.style.background = cssColor(objectColor(i));
      const item = el(
        'li',
        {
          class: i === store.selected ? 'object selected' : 'object',
          'data-object-id': o.id,
          'aria-selected': i === store.selected ? 'true' : 'false',
        },
        [
          swatch,
          el('span', { class: 'name', text: o.name }),
          el('span', { class: 'category', text: names.get(o.categoryId) ?? `category ${o.categoryId}` }),
          el('span', { class: 'count', text: summary(o.points) }),
        ],
      );
      item.addEventListener('click', () => onSelect(i));
      return item;
    }),
  );
}

export function renderCategoryList(
  list: HTMLElement,
  categories: readonly YtvisCategory[],
  selectedId: number | null,
  onSelect: (id: number) => void,
): void {
  replaceChildren(
    list,
    categories.map((c) => {
      const item = el(
        'li',
        {
          class: c.id === selectedId ? 'category selected' : 'category',
          'data-category-id': c.id,
          'aria-selected': c.id === selectedId ? 'true' : 'false',
        },
        [el('span', { class: 'id', text: String(c.id) }), el('span', { class: 'name', text: c.name })],
      );
      item.addEventListener('click', () => onSelect(c.id));
      return item;
    }),
  );
}

/** Fills a <select> of categories, keeping `value` selected. */
export function fillCategorySelect(
  select: HTMLSelectElement,
  categories: readonly YtvisCategory[],
  value: number | null,
): void {
  replaceChildren(
    select,
    categories.map((c) => el('option', { value: c.id, text: c.name, selected: c.id === value })),
  );
  if (value !== null) select.value = String(value);
}
