/** Keyboard shortcuts (listed on the page); ignored while the user types in a field. */

export interface ShortcutActions {
  nextFrame(): void;
  previousFrame(): void;
  nextObject(): void;
  previousObject(): void;
  togglePlay(): void;
  undo(): void;
  redo(): void;
  toggleClickMode(): void;
  newObject(): void;
  markAbsent(): void;
  clearFrame(): void;
  deleteObject(): void;
  cycleOverlay(): void;
}

/** [keys, action, what it does] — the page's help text is made from this list too. */
export const SHORTCUTS: readonly [string, keyof ShortcutActions, string][] = [
  ['→ or D', 'nextFrame', 'next frame'],
  ['← or A', 'previousFrame', 'previous frame'],
  ['↓ or S', 'nextObject', 'next object'],
  ['↑ or W', 'previousObject', 'previous object'],
  ['Space', 'togglePlay', 'play / pause'],
  ['Ctrl+Z or U', 'undo', 'undo'],
  ['Ctrl+Y or Ctrl+Shift+Z', 'redo', 'redo'],
  ['N', 'toggleClickMode', 'clicks positive / negative (shift-click or right-click: negative)'],
  ['O', 'newObject', 'new object'],
  ['X', 'markAbsent', 'object absent in this frame'],
  ['C', 'clearFrame', "clear the object's clicks in this frame"],
  ['Delete', 'deleteObject', 'delete the object'],
  ['V', 'cycleOverlay', 'overlay: tracks / pseudo masks / none'],
];

function actionFor(event: KeyboardEvent): keyof ShortcutActions | null {
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  const ctrl = event.ctrlKey || event.metaKey;
  if (ctrl) {
    if (key === 'z') return event.shiftKey ? 'redo' : 'undo';
    if (key === 'y') return 'redo';
    return null;
  }
  if (event.altKey) return null;
  const plain: Record<string, keyof ShortcutActions> = {
    ArrowRight: 'nextFrame',
    d: 'nextFrame',
    ArrowLeft: 'previousFrame',
    a: 'previousFrame',
    ArrowDown: 'nextObject',
    s: 'nextObject',
    ArrowUp: 'previousObject',
    w: 'previousObject',
    ' ': 'togglePlay',
    u: 'undo',
    n: 'toggleClickMode',
    o: 'newObject',
    x: 'markAbsent',
    c: 'clearFrame',
    Delete: 'deleteObject',
    v: 'cycleOverlay',
  };
  return plain[key] ?? null;
}

const typingIn = (target: EventTarget | null) =>
  target instanceof HTMLInputElement
    ? !['range', 'button', 'checkbox', 'file'].includes(target.type)
    : target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;

export function bindShortcuts(target: Window, actions: ShortcutActions): void {
  target.addEventListener('keydown', (event) => {
    if (typingIn(event.target)) return;
    const action = actionFor(event);
    if (action === null) return;
    event.preventDefault();
    actions[action]();
  });
}
