/**
 * The page's point annotations: categories and tracked objects, each with its clicks per frame
 * (null: not annotated there, []: annotated as absent), edited through methods that keep an undo
 * history. The selection is not part of the history.
 */
import type { LabeledPoint, YtvisAnnotation, YtvisCategory } from '../../../pointvis/formats/types.js';

export interface PointObject {
  id: number;
  name: string;
  categoryId: number;
  /** One entry per frame. */
  points: (LabeledPoint[] | null)[];
}

export interface AnnotationState {
  categories: YtvisCategory[];
  objects: PointObject[];
}

/** An edit the annotations refuse (shown to the user as it is). */
export class AnnotationEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnnotationEditError';
  }
}

const nextId = (items: readonly { id: number }[]) => items.reduce((m, x) => Math.max(m, x.id), 0) + 1;

/** A coordinate kept to 1/100 pixel, rounded down so it stays inside [0, size). */
export function clickCoordinate(value: number, size: number): number {
  return Math.min(Math.max(0, Math.floor(value * 100) / 100), Math.floor((size - 0.01) * 100) / 100);
}

export class AnnotationStore {
  private current: AnnotationState = { categories: [], objects: [] };
  private frames = 0;
  private readonly undoStack: AnnotationState[] = [];
  private readonly redoStack: AnnotationState[] = [];
  private readonly listeners = new Set<() => void>();
  /** Index of the selected object, or -1. */
  selected = -1;

  get state(): Readonly<AnnotationState> {
    return this.current;
  }

  get frameCount(): number {
    return this.frames;
  }

  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  get selectedObject(): PointObject | null {
    return this.current.objects[this.selected] ?? null;
  }

  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }

  /** New annotations for a video of `frames` frames (the history starts over). */
  reset(state: AnnotationState, frames: number): void {
    this.current = structuredClone(state);
    this.frames = frames;
    this.undoStack.length = 0;
    this.redoStack.length = 0;
    this.selected = state.objects.length > 0 ? 0 : -1;
    this.emit();
  }

  private edit(change: (s: AnnotationState) => void): void {
    const before = structuredClone(this.current);
    change(this.current);
    this.undoStack.push(before);
    this.redoStack.length = 0;
    this.emit();
  }

  private clampSelection(): void {
    if (this.selected >= this.current.objects.length) this.selected = this.current.objects.length - 1;
    if (this.selected < 0 && this.current.objects.length > 0) this.selected = 0;
  }

  undo(): boolean {
    const previous = this.undoStack.pop();
    if (!previous) return false;
    this.redoStack.push(this.current);
    this.current = previous;
    this.clampSelection();
    this.emit();
    return true;
  }

  redo(): boolean {
    const next = this.redoStack.pop();
    if (!next) return false;
    this.undoStack.push(this.current);
    this.current = next;
    this.clampSelection();
    this.emit();
    return true;
  }

  select(index: number): void {
    if (this.current.objects.length === 0) this.selected = -1;
    else this.selected = Math.max(0, Math.min(this.current.objects.length - 1, index));
    this.emit();
  }

  /** Moves the selection by `step` objects, wrapping around. */
  selectNext(step: 1 | -1): void {
    const n = this.current.objects.length;
    if (n === 0) return;
    this.select((((this.selected < 0 ? 0 : this.selected + step) % n) + n) % n);
  }

  private category(id: number): YtvisCategory {
    const found = this.current.categories.find((c) => c.id === id);
    if (!found) throw new AnnotationEditError(`no category has id ${id}`);
    return found;
  }

  private object(index: number): PointObject {
    const found = this.current.objects[index];
    if (!found) throw new AnnotationEditError('select an object first (or add one)');
    return found;
  }

  addCategory(name: string): number {
    const id = nextId(this.current.categories);
    this.edit((s) => s.categories.push({ id, name: name.trim() || `category ${id}` }));
    return id;
  }

  renameCategory(id: number, name: string): void {
    this.category(id);
    if (name.trim() === '') throw new AnnotationEditError('a category needs a name');
    this.edit((s) => (s.categories.find((c) => c.id === id)!.name = name.trim()));
  }

  deleteCategory(id: number): void {
    const { name } = this.category(id);
    const users = this.current.objects.filter((o) => o.categoryId === id).length;
    if (users > 0) {
      throw new AnnotationEditError(
        `category "${name}" is used by ${users} object${users === 1 ? '' : 's'}: move or delete them first`,
      );
    }
    this.edit((s) => (s.categories = s.categories.filter((c) => c.id !== id)));
  }

  /** A new object of the category (by default the selected object's, else the first); selects it. */
  addObject(categoryId?: number): number {
    const category = categoryId ?? this.selectedObject?.categoryId ?? this.current.categories[0]?.id;
    if (category === undefined) throw new AnnotationEditError('add a category first');
    this.category(category);
    const id = nextId(this.current.objects);
    this.edit((s) =>
      s.objects.push({
        id,
        name: `object ${id}`,
        categoryId: category,
        points: new Array<null>(this.frames).fill(null),
      }),
    );
    this.select(this.current.objects.length - 1);
    return id;
  }

  renameObject(index: number, name: string): void {
    this.object(index);
    if (name.trim() === '') throw new AnnotationEditError('an object needs a name');
    this.edit((s) => (s.objects[index]!.name = name.trim()));
  }

  setObjectCategory(index: number, categoryId: number): void {
    this.object(index);
    this.category(categoryId);
    this.edit((s) => (s.objects[index]!.categoryId = categoryId));
  }

  deleteObject(index: number): void {
    this.object(index);
    this.edit((s) => s.objects.splice(index, 1));
    this.clampSelection();
    this.emit();
  }

  /** A click on frame t of the selected object. */
  addPoint(t: number, point: LabeledPoint): void {
    const index = this.selected;
    this.object(index);
    this.edit((s) => {
      const frames = s.objects[index]!.points;
      frames[t] = [...(frames[t] ?? []), point];
    });
  }

  /** Frame t of the selected object back to "not annotated" (null). */
  clearFrame(t: number): void {
    const index = this.selected;
    this.object(index);
    this.edit((s) => (s.objects[index]!.points[t] = null));
  }

  /** Frame t of the selected object annotated as absent ([]): the object is not there. */
  markAbsent(t: number): void {
    const index = this.selected;
    this.object(index);
    this.edit((s) => (s.objects[index]!.points[t] = []));
  }

  /** The objects as YouTube-VIS annotations with points (the object's name is kept as `name`). */
  toAnnotations(videoId: number): YtvisAnnotation[] {
    return this.current.objects.map((o) => ({
      id: o.id,
      video_id: videoId,
      category_id: o.categoryId,
      iscrowd: 0,
      name: o.name,
      points: o.points.map((frame) => (frame === null ? null : frame.map((p) => [p[0], p[1], p[2]]))),
    }));
  }
}
