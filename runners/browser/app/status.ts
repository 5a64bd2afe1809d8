/** The status line, the progress bar and the error banner at the top of the page. */
import { byId } from './dom';
import { type PageError, describeError } from './error-text';

export class StatusBar {
  private readonly text = byId('status-text');
  private readonly bar = byId<HTMLProgressElement>('progress');
  private readonly banner = byId('error');
  private readonly bannerTitle = byId('error-title');
  private readonly bannerDetail = byId('error-detail');

  constructor() {
    byId('error-close').addEventListener('click', () => this.clearError());
  }

  /** A message with no progress (the bar is hidden). */
  say(message: string): void {
    this.text.textContent = message;
    this.bar.hidden = true;
  }

  /** A message with a fraction done in [0, 1], or null for an indeterminate bar. */
  progress(message: string, fraction: number | null): void {
    this.text.textContent = message;
    this.bar.hidden = false;
    if (fraction === null) this.bar.removeAttribute('value');
    else this.bar.value = Math.max(0, Math.min(1, fraction));
  }

  /** Shows the error in the banner (and the console); returns what was shown. */
  fail(err: unknown, doing: string): PageError {
    const shown = describeError(err, doing);
    console.error(err);
    this.banner.hidden = false;
    this.banner.dataset.kind = shown.kind;
    this.bannerTitle.textContent = shown.title;
    this.bannerDetail.textContent = shown.detail;
    this.say(shown.title);
    return shown;
  }

  clearError(): void {
    this.banner.hidden = true;
    delete this.banner.dataset.kind;
  }
}
