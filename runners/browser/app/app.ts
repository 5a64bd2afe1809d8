/**
 * The page's controller: what is loaded (video, model, inference, annotations), the actions the
 * controls and shortcuts trigger, and drawing. Every GPU job goes through one queue; every
 * failure ends in the error banner.
 */
import { DeviceLostError, type Engine } from '../../../engine/index.js';
import { videoResults } from '../../../model/minvis/index.js';
import { CategoryMap } from '../../../pointvis/data/category-map.js';
import { PointvisDataError } from '../../../pointvis/errors.js';
import type { PseudoVariant } from '../../../pointvis/pseudo/types.js';
import { objectColor } from '../../../pointvis/viz/draw.js';
import { type OverlayInstance, pickOverlayInstances } from '../../../pointvis/viz/overlay-frame.js';
import { type Analysis, type AnalysisProgress, analyseVideo } from './analyse';
import { annotationJson, importAnnotations } from './annotation-io';
import { AnnotationStore, clickCoordinate } from './annotations';
import { ConfigFiles, storedConfig } from './config-source';
import { byId, el, replaceChildren } from './dom';
import { downloadText } from './download';
import { droppedFiles, pickedFiles } from './drop-files';
import { type LoadedVideo, type NamedFile, loadFrameFiles } from './frame-files';
import { GpuQueue } from './gpu-queue';
import { describeBrowserAdapter, startBrowserEngine } from './gpu-session';
import { type LoadedModel, buildModel, readWeights } from './model-load';
import { fillCategorySelect, renderCategoryList, renderObjectList } from './object-panel';
import { LivePseudoMasks, type PseudoResult, pseudoLabelDataset, pseudoMaskPixels } from './pseudo-live';
import { fetchBytes, readFileBytes } from './read-bytes';
import { type SampleManifest, fetchBundledConfigs, fetchSampleFrames, fetchSampleManifest } from './sample';
import { SHORTCUTS, type ShortcutActions, bindShortcuts } from './shortcuts';
import { StatusBar } from './status';
import { renderTrackList } from './track-list';
import { Viewer } from './viewer';

type Overlay = 'tracks' | 'pseudo' | 'none';
const OVERLAYS: Overlay[] = ['tracks', 'pseudo', 'none'];
/** The config option that takes the run config a training checkpoint stores. */
const STORED_CONFIG = '(stored in the weights file)';
const PLAY_FPS = 6;

/** Page state the tests (and curious users) can read: `<body data-model="ready" …>`. */
function setState(key: string, value: string | number): void {
  document.body.dataset[key] = String(value);
}

export class App {
  private readonly status = new StatusBar();
  private readonly queue = new GpuQueue();
  private readonly store = new AnnotationStore();
  private readonly viewer = new Viewer(byId<HTMLCanvasElement>('canvas'));
  private readonly live: LivePseudoMasks;
  private engine: Promise<Engine> | null = null;
  private configs = new ConfigFiles(new Map());
  private sample: SampleManifest | null = null;
  private video: LoadedVideo | null = null;
  private model: LoadedModel | null = null;
  private analysis: Analysis | null = null;
  private pseudo: PseudoResult | null = null;
  private t = 0;
  private overlay: Overlay = 'tracks';
  private negativeClicks = false;
  private selectedCategory: number | null = null;
  private playTimer: ReturnType<typeof setInterval> | null = null;

  constructor() {
    this.live = new LivePseudoMasks(
      (job) => this.queue.run(job),
      (result, seconds) => this.pseudoDone(result, seconds),
      (err) => this.status.fail(err, 'matching the clicks to the proposals'),
      () => setState('pseudo', 'idle'),
    );
    this.store.onChange(() => this.annotationsChanged());
  }

  /** Binds the controls, starts WebGPU and loads the bundled sample. */
  async start(): Promise<void> {
    this.bindControls();
    this.renderAll();
    setState('engine', 'starting');
    this.engine = startBrowserEngine((message) =>
      this.status.fail(new DeviceLostError(message), 'running on the GPU'),
    );
    const started = await this.guard('starting WebGPU', async () => {
      const eng = await this.engine!;
      byId('adapter').textContent = describeBrowserAdapter(eng);
    });
    setState('engine', started ? 'ready' : 'failed');
    await this.guard('loading the bundled configs and sample', async () => {
      this.configs = new ConfigFiles(await fetchBundledConfigs());
      this.sample = await fetchSampleManifest();
      this.fillConfigSelect(this.sample.config);
    });
    const url = new URL(window.location.href);
    if (this.sample && url.searchParams.get('sample') !== '0') {
      await this.loadSampleVideo();
      if (started) await this.loadSampleModel();
    }
    if (!document.body.dataset.video)
      this.status.say('Pick a model and a folder of frames, or load the sample.');
  }

  /** Runs an action; a failure goes to the banner. Resolves to whether it succeeded. */
  private async guard(doing: string, action: () => Promise<void> | void): Promise<boolean> {
    try {
      await action();
      return true;
    } catch (err) {
      this.status.fail(err, doing);
      return false;
    }
  }

  // ---- loading ------------------------------------------------------------------------------

  private fillConfigSelect(value: string): void {
    const select = byId<HTMLSelectElement>('config-select');
    const paths = [STORED_CONFIG, ...this.configs.pickedPaths, ...this.configs.bundledPaths];
    replaceChildren(
      select,
      paths.map((p) => el('option', { value: p, text: p, selected: p === value })),
    );
    select.value = value;
  }

  private async loadSampleVideo(): Promise<void> {
    const sample = this.sample;
    if (!sample) return;
    await this.loadVideo('loading the sample video', async () => fetchSampleFrames(sample), sample);
  }

  private async loadSampleModel(): Promise<void> {
    const sample = this.sample;
    if (!sample) return;
    this.fillConfigSelect(sample.config);
    await this.loadModel('loading the sample model', async () => ({
      bytes: await fetchBytes(sample.model, (f) => this.status.progress('Downloading the sample model…', f)),
      name: `sample model (${sample.modelSource})`,
    }));
  }

  private async loadVideo(
    doing: string,
    files: () => Promise<NamedFile[]>,
    sample: SampleManifest | null = null,
  ): Promise<void> {
    setState('video', 'loading');
    const ok = await this.guard(doing, async () => {
      this.status.progress('Reading frames…', null);
      const loaded = await loadFrameFiles(await files(), (done, total) =>
        this.status.progress(`Decoding frames ${done}/${total}`, done / total),
      );
      this.stopPlaying();
      this.video = loaded;
      this.analysis = null;
      this.pseudo = null;
      this.t = 0;
      this.viewer.setFrameSize(loaded.video.width, loaded.video.height);
      const categories = sample ? sample.categories : this.store.state.categories;
      if (sample) byId<HTMLInputElement>('min-score').value = String(sample.minScore);
      this.store.reset({ categories, objects: [] }, loaded.video.length);
      this.selectedCategory = categories[0]?.id ?? null;
      const { width, height, length } = loaded.video;
      byId('video-info').textContent = `${loaded.name}: ${length} frames of ${width}×${height}`;
      setState('video', 'ready');
      setState('analysis', 'none');
      this.status.say(`Loaded ${length} frames of ${width}×${height}.`);
      this.renderAll();
    });
    if (!ok) setState('video', 'failed');
  }

  private async loadModel(doing: string, weights: () => Promise<{ bytes: Uint8Array; name: string }>) {
    setState('model', 'loading');
    const ok = await this.guard(doing, async () => {
      if (!this.engine) throw new Error('WebGPU has not started');
      await this.engine;
      const { bytes, name } = await weights();
      await this.queue.run(async () => {
        this.status.progress('Building the model and uploading its weights…', null);
        const contents = readWeights(bytes, name);
        const choice = byId<HTMLSelectElement>('config-select').value;
        const config =
          choice === STORED_CONFIG ? storedConfig(contents.metadata, name) : this.configs.load(choice);
        if (config === null) {
          throw new PointvisDataError('the weights file stores no run config: choose a config', {
            file: name,
          });
        }
        this.model?.dispose();
        this.model = null;
        this.analysis = null;
        this.pseudo = null;
        this.model = await buildModel(config, choice, contents, name);
      });
      const m = this.model!;
      byId('model-info').textContent =
        `${m.weightsName} with ${m.configName}: ${m.settings.numClasses} classes, ` +
        `${(m.parameters / 1e6).toFixed(2)} M parameters`;
      setState('model', 'ready');
      setState('analysis', 'none');
      this.status.say('Model ready: press "Run MinVIS".');
      this.renderAll();
    });
    if (!ok) setState('model', this.model ? 'ready' : 'failed');
  }

  private async loadModelFiles(files: File[]): Promise<void> {
    const weights = files.find((f) => /\.safetensors$/i.test(f.name));
    const configFiles = files.filter((f) => /\.(ya?ml|json)$/i.test(f.name));
    let chosen: string | null = null;
    for (const f of configFiles) {
      const path = this.configs.addPicked(f.name, await f.text());
      const stem = (n: string) => n.replace(/\.[^.]*$/, '');
      if (chosen === null || (weights && stem(f.name) === stem(weights.name))) chosen = path;
    }
    if (chosen !== null) this.fillConfigSelect(chosen);
    if (!weights) {
      if (configFiles.length > 0) {
        this.status.say('Config added: now pick the .safetensors weights.');
        return;
      }
      this.status.fail(
        new PointvisDataError('pick a .safetensors weights file (and its .yaml or .json config)', {
          file: files.map((f) => f.name).join(', ') || '(no file)',
        }),
        'loading the model',
      );
      return;
    }
    await this.loadModel('loading the model', async () => ({
      bytes: await readFileBytes(weights, (f) => this.status.progress(`Reading ${weights.name}…`, f)),
      name: weights.name,
    }));
  }

  // ---- inference ----------------------------------------------------------------------------

  /** The annotation categories as the model's classes, when there is one per class. */
  private classMap(): CategoryMap | null {
    const categories = this.store.state.categories;
    if (!this.model || categories.length !== this.model.settings.numClasses) return null;
    return new CategoryMap(categories, 'the annotation categories');
  }

  private classNames(): string[] {
    const map = this.classMap();
    const classes = this.model?.settings.numClasses ?? 0;
    return map ? [...map.names] : Array.from({ length: classes }, (_, k) => `class-${k + 1}`);
  }

  private async runAnalysis(): Promise<void> {
    const video = this.video;
    const model = this.model;
    if (!video || !model) {
      this.status.say('Load a video and a model first.');
      return;
    }
    setState('analysis', 'running');
    const ok = await this.guard('running MinVIS', async () => {
      const ids = this.classMap()?.ids;
      const report = (p: AnalysisProgress) => {
        const text =
          p.stage === 'model'
            ? `Running the model on frames ${p.framesDone + 1}–${p.framesTotal} of ${p.framesTotal}…`
            : p.stage === 'scoring'
              ? 'Scoring the tracks…'
              : 'Making proposals for the point matcher…';
        const fraction =
          p.stage === 'model' ? (0.8 * p.framesDone) / p.framesTotal : p.stage === 'scoring' ? 0.85 : 0.92;
        this.status.progress(text, fraction);
      };
      const analysis = await this.queue.run(() => analyseVideo(video, model, ids, report));
      if (this.video !== video || this.model !== model) return;
      this.analysis = analysis;
      this.overlay = 'tracks';
      setState('analysis', 'done');
      this.status.say(
        `MinVIS: ${analysis.instances.scores.length} instances, ${analysis.proposals.proposals.length} proposals ` +
          `in ${analysis.seconds.toFixed(1)} s.`,
      );
      this.renderAll();
      this.requestPseudo();
    });
    if (!ok) setState('analysis', 'failed');
  }

  private picked(): OverlayInstance[] {
    if (!this.analysis) return [];
    const minScore = Number(byId<HTMLInputElement>('min-score').value);
    return pickOverlayInstances(this.analysis.instances, Number.isFinite(minScore) ? minScore : 0.5);
  }

  private exportResults(): void {
    if (!this.analysis || !this.video) {
      this.status.say('Run MinVIS first.');
      return;
    }
    const results = videoResults(this.analysis.instances, this.video.video.id, this.classMap()?.ids);
    downloadText('results.json', `${JSON.stringify(results)}\n`);
  }

  // ---- annotation ---------------------------------------------------------------------------

  private requestPseudo(): void {
    if (!this.analysis || !this.video) return;
    setState('pseudo', 'busy');
    this.live.request(() => {
      if (!this.analysis || !this.video) return null;
      return {
        video: this.video.video,
        annotations: this.store.toAnnotations(this.video.video.id),
        proposals: this.analysis.proposals,
        variant: byId<HTMLSelectElement>('variant').value as PseudoVariant,
      };
    });
  }

  private pseudoDone(result: PseudoResult, seconds: number): void {
    this.pseudo = result;
    const matched = [...result.byObject.values()].filter((frames) => frames.some((m) => m !== null)).length;
    byId('pseudo-status').textContent =
      `Pseudo masks: ${matched} of ${this.store.state.objects.length} objects matched (${(1000 * seconds).toFixed(0)} ms)`;
    setState('pseudoRuns', this.live.runs);
    setState('pseudoMatched', matched);
    this.renderPanels();
    this.renderView();
  }

  private exportPseudo(): void {
    const video = this.video;
    const pseudo = this.pseudo;
    if (!video || !pseudo) {
      this.status.say('Run MinVIS and click some points first.');
      return;
    }
    const name = `${video.name}.pseudo.json`;
    this.act('exporting pseudo masks', () => {
      const dataset = pseudoLabelDataset(pseudo, video.video, this.store.state.categories, name);
      downloadText(name, `${JSON.stringify(dataset)}\n`);
    });
  }

  private annotationsChanged(): void {
    this.renderPanels();
    this.renderView();
    this.requestPseudo();
  }

  private canvasClick(event: MouseEvent): void {
    if (event.button !== 0 && event.button !== 2) return;
    const video = this.video;
    if (!video) return;
    const at = this.viewer.toFrame(event.clientX, event.clientY);
    if (at === null) return;
    event.preventDefault();
    this.act('adding a click', () => {
      if (this.store.selected < 0) {
        if (this.store.state.categories.length === 0)
          this.selectedCategory = this.store.addCategory('object');
        this.store.addObject(this.selectedCategory ?? undefined);
      }
      const negative = event.button === 2 || event.shiftKey || this.negativeClicks;
      const { width, height } = video.video;
      const label = negative ? 0 : 1;
      if (this.analysis && this.overlay === 'tracks') this.overlay = 'pseudo';
      this.store.addPoint(this.t, [clickCoordinate(at.x, width), clickCoordinate(at.y, height), label]);
    });
  }

  /** A synchronous edit; a refusal goes to the banner. */
  private act(doing: string, edit: () => void): void {
    try {
      edit();
    } catch (err) {
      this.status.fail(err, doing);
    }
  }

  private async importFile(file: File): Promise<void> {
    const video = this.video;
    if (!video) {
      this.status.say('Load the video the annotations are for first.');
      return;
    }
    await this.guard('importing point annotations', async () => {
      const state = importAnnotations(await file.text(), file.name, video.video);
      this.store.reset(state, video.video.length);
      this.selectedCategory = state.categories[0]?.id ?? null;
      this.status.say(`Imported ${state.objects.length} objects from ${file.name}.`);
      setState('imported', file.name);
    });
  }

  private exportAnnotations(): void {
    const video = this.video;
    if (!video) return;
    const name = `${video.name}.points.json`;
    this.act('exporting point annotations', () =>
      downloadText(name, annotationJson(this.store, video.video, name)),
    );
  }

  // ---- frames and playback ------------------------------------------------------------------

  private setFrame(t: number): void {
    const count = this.video?.video.length ?? 0;
    if (count === 0) return;
    this.t = Math.max(0, Math.min(count - 1, t));
    this.renderView();
  }

  private stopPlaying(): void {
    if (this.playTimer !== null) clearInterval(this.playTimer);
    this.playTimer = null;
    byId('play').textContent = 'Play';
  }

  private togglePlay(): void {
    if (this.playTimer !== null) {
      this.stopPlaying();
      return;
    }
    const count = this.video?.video.length ?? 0;
    if (count < 2) return;
    byId('play').textContent = 'Pause';
    this.playTimer = setInterval(() => this.setFrame((this.t + 1) % count), 1000 / PLAY_FPS);
  }

  // ---- drawing ------------------------------------------------------------------------------

  private renderAll(): void {
    this.renderPanels();
    this.renderView();
  }

  private renderView(): void {
    const video = this.video;
    const scrubber = byId<HTMLInputElement>('scrubber');
    const label = byId('frame-label');
    if (!video) {
      scrubber.max = '0';
      label.textContent = 'no video';
      return;
    }
    const t = this.t;
    const objects = this.store.state.objects;
    const pseudo =
      this.overlay === 'pseudo'
        ? objects.flatMap((o, i) => {
            const rle = this.pseudo?.byObject.get(o.id)?.[t] ?? null;
            return rle === null ? [] : [{ mask: pseudoMaskPixels(rle), color: objectColor(i) }];
          })
        : [];
    this.viewer.draw({
      frame: video.frames[t]!,
      t,
      tracks:
        this.overlay === 'tracks' && this.analysis
          ? { instances: this.analysis.instances, picked: this.picked() }
          : null,
      pseudo,
      points: objects.flatMap((o, i) =>
        (o.points[t] ?? []).map((point) => ({ point, selected: i === this.store.selected })),
      ),
    });
    scrubber.max = String(video.video.length - 1);
    scrubber.value = String(t);
    label.textContent = `frame ${t + 1} / ${video.video.length} · ${video.video.file_names[t]}`;
    byId<HTMLSelectElement>('overlay').value = this.overlay;
    setState('frame', t);
    setState('overlay', this.overlay);
  }

  private renderPanels(): void {
    renderTrackList(byId('tracks-body'), this.analysis?.instances ?? null, this.picked(), this.classNames());
    const { categories } = this.store.state;
    if (this.selectedCategory !== null && !categories.some((c) => c.id === this.selectedCategory)) {
      this.selectedCategory = categories[0]?.id ?? null;
    }
    renderObjectList(byId('objects'), this.store, (i) => this.store.select(i));
    renderCategoryList(byId('categories'), categories, this.selectedCategory, (id) => {
      this.selectedCategory = id;
      byId<HTMLInputElement>('category-name').value = categories.find((c) => c.id === id)?.name ?? '';
      this.renderPanels();
    });
    const selected = this.store.selectedObject;
    fillCategorySelect(byId<HTMLSelectElement>('object-category'), categories, selected?.categoryId ?? null);
    const nameInput = byId<HTMLInputElement>('object-name');
    if (document.activeElement !== nameInput) nameInput.value = selected?.name ?? '';
    byId<HTMLButtonElement>('undo').disabled = !this.store.canUndo;
    byId<HTMLButtonElement>('redo').disabled = !this.store.canRedo;
    byId<HTMLButtonElement>('run').disabled = !this.video || !this.model;
    byId<HTMLButtonElement>('export-results').disabled = !this.analysis;
    byId<HTMLButtonElement>('export-pseudo').disabled = !this.pseudo;
    const mode = byId('click-mode');
    mode.textContent = this.negativeClicks ? 'Clicks: negative' : 'Clicks: positive';
    mode.setAttribute('aria-pressed', String(this.negativeClicks));
    setState('objects', this.store.state.objects.length);
    setState('selected', selected?.id ?? '');
    setState('clickMode', this.negativeClicks ? 'negative' : 'positive');
  }

  // ---- wiring -------------------------------------------------------------------------------

  private shortcutActions(): ShortcutActions {
    const t = () => this.t;
    return {
      nextFrame: () => this.setFrame(t() + 1),
      previousFrame: () => this.setFrame(t() - 1),
      nextObject: () => this.store.selectNext(1),
      previousObject: () => this.store.selectNext(-1),
      togglePlay: () => this.togglePlay(),
      undo: () => this.store.undo(),
      redo: () => this.store.redo(),
      toggleClickMode: () => {
        this.negativeClicks = !this.negativeClicks;
        this.renderPanels();
      },
      newObject: () =>
        this.act('adding an object', () => this.store.addObject(this.selectedCategory ?? undefined)),
      markAbsent: () => this.act('marking the object absent', () => this.store.markAbsent(t())),
      clearFrame: () => this.act('clearing the frame', () => this.store.clearFrame(t())),
      deleteObject: () => this.act('deleting the object', () => this.store.deleteObject(this.store.selected)),
      cycleOverlay: () => {
        this.overlay = OVERLAYS[(OVERLAYS.indexOf(this.overlay) + 1) % OVERLAYS.length]!;
        this.renderView();
      },
    };
  }

  private bindControls(): void {
    const on = <K extends keyof HTMLElementEventMap>(
      id: string,
      type: K,
      fn: (e: HTMLElementEventMap[K]) => void,
    ) => byId(id).addEventListener(type, fn);
    const actions = this.shortcutActions();
    bindShortcuts(window, actions);
    // A clicked button or a chosen option keeps no focus, so Space and the arrows stay shortcuts.
    document.addEventListener('click', (e) => {
      if (e.target instanceof HTMLButtonElement) e.target.blur();
    });
    document.addEventListener('change', (e) => {
      if (e.target instanceof HTMLSelectElement) e.target.blur();
    });
    byId('shortcuts').replaceChildren(
      ...SHORTCUTS.map(([keys, , what]) => el('li', {}, [el('kbd', { text: keys }), ` ${what}`])),
    );

    on('load-sample-video', 'click', () => void this.loadSampleVideo());
    on('load-sample-model', 'click', () => void this.loadSampleModel());
    on('model-files', 'change', (e) => {
      const input = e.target as HTMLInputElement;
      const files = Array.from(input.files ?? []);
      input.value = '';
      void this.loadModelFiles(files);
    });
    for (const id of ['frames-folder', 'frames-files']) {
      on(id, 'change', (e) => {
        const input = e.target as HTMLInputElement;
        const files = pickedFiles(input);
        input.value = '';
        void this.loadVideo('loading the frames', async () => files);
      });
    }
    const drop = byId('drop-zone');
    drop.addEventListener('dragover', (e) => {
      e.preventDefault();
      drop.classList.add('dragging');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('dragging'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('dragging');
      const transfer = e.dataTransfer;
      if (!transfer) return;
      const files = droppedFiles(transfer);
      void this.loadVideo('loading the dropped frames', () => files);
    });

    on('run', 'click', () => void this.runAnalysis());
    on('export-results', 'click', () => this.exportResults());
    on('min-score', 'input', () => this.renderAll());
    on('overlay', 'change', (e) => {
      this.overlay = (e.target as HTMLSelectElement).value as Overlay;
      this.renderView();
    });
    on('variant', 'change', () => this.requestPseudo());
    on('play', 'click', () => this.togglePlay());
    on('scrubber', 'input', (e) => this.setFrame(Number((e.target as HTMLInputElement).value)));
    on('click-mode', 'click', () => actions.toggleClickMode());

    const canvas = byId<HTMLCanvasElement>('canvas');
    canvas.addEventListener('mousedown', (e) => this.canvasClick(e));
    canvas.addEventListener('contextmenu', (e) => e.preventDefault());

    on('add-object', 'click', () => actions.newObject());
    on('delete-object', 'click', () => actions.deleteObject());
    on('mark-absent', 'click', () => actions.markAbsent());
    on('clear-frame', 'click', () => actions.clearFrame());
    on('object-name', 'change', (e) =>
      this.act('renaming the object', () =>
        this.store.renameObject(this.store.selected, (e.target as HTMLInputElement).value),
      ),
    );
    on('object-category', 'change', (e) =>
      this.act('changing the category', () =>
        this.store.setObjectCategory(this.store.selected, Number((e.target as HTMLSelectElement).value)),
      ),
    );
    const categoryName = () => byId<HTMLInputElement>('category-name').value;
    on('add-category', 'click', () =>
      this.act('adding a category', () => {
        this.selectedCategory = this.store.addCategory(categoryName());
        this.renderPanels();
      }),
    );
    on('rename-category', 'click', () =>
      this.act('renaming the category', () => {
        if (this.selectedCategory === null) throw new Error('select a category first');
        this.store.renameCategory(this.selectedCategory, categoryName());
      }),
    );
    on('delete-category', 'click', () =>
      this.act('deleting the category', () => {
        if (this.selectedCategory === null) throw new Error('select a category first');
        this.store.deleteCategory(this.selectedCategory);
      }),
    );
    on('undo', 'click', () => actions.undo());
    on('redo', 'click', () => actions.redo());
    on('export-annotations', 'click', () => this.exportAnnotations());
    on('export-pseudo', 'click', () => this.exportPseudo());
    on('import-annotations', 'change', (e) => {
      const input = e.target as HTMLInputElement;
      const file = input.files?.[0];
      input.value = '';
      if (file) void this.importFile(file);
    });
    window.addEventListener('unhandledrejection', (e) => this.status.fail(e.reason, 'working'));
  }
}
