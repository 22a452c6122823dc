import type { UiEvent } from '../../gateway/protocol/ui-channel.js';
import type { WaveCode } from '../../gateway/protocol/wave-frames.js';
import { WaveRing } from './wave-ring.js';

/** Paper speed of the strips, as on every monitor. */
export const SWEEP_MM_PER_S = 25;
/** CSS pixels per millimetre (CSS defines 96 px per inch). */
const PX_PER_MM = 96 / 25.4;
export const SWEEP_PX_PER_S = SWEEP_MM_PER_S * PX_PER_MM;
/**
 * The strips are drawn this far behind now: monitors send a frame a second, so every sample has
 * arrived when the sweep reaches it, and the sweep moves smoothly instead of in one-second jumps.
 */
export const PLAYOUT_DELAY_MS = 1600;
/** Blank space ahead of the sweep's cursor (erasing the previous sweep). */
const ERASE_PX = 10;

interface Strip {
  readonly canvas: HTMLCanvasElement;
  readonly bedId: string;
  readonly wave: WaveCode;
  colour: string;
  /** Per-column extremes of the last full draw, reused to avoid garbage at 60 fps. */
  columns: Float32Array;
  /** Column the sweep drew last; -1: redraw the whole strip next frame. */
  lastCursor: number;
  /** The vertical scale in use, and the y where the line ended (null: in a gap). */
  low: number;
  high: number;
  lastY: number | null;
}

export interface StripHandle {
  setColour(colour: string): void;
  detach(): void;
}

/**
 * The live strips of the screen, off React's render path: wave frames pushed by the station go
 * into one ring per (bed, wave), and one requestAnimationFrame loop redraws every attached
 * canvas from its ring. Only mounted strips (the virtualized grid mounts only visible tiles) are
 * subscribed, so the station sends only what is on screen.
 */
export class WaveStrips {
  private readonly rings = new Map<string, WaveRing>();
  private readonly strips = new Set<Strip>();
  private frame: number | null = null;
  private subscription = '';
  private subscribeTimer: ReturnType<typeof setTimeout> | null = null;
  /** Animation frames drawn (the bench reads it). */
  framesDrawn = 0;

  constructor(
    private readonly subscribe: (bedIds: string[], waves: WaveCode[]) => Promise<unknown>,
    private readonly now: () => number = () => Date.now(),
  ) {}

  apply(event: UiEvent): void {
    if (event.type !== 'wave') return;
    const key = `${event.update.bedId}|${event.update.wave}`;
    let ring = this.rings.get(key);
    if (!ring) this.rings.set(key, (ring = new WaveRing()));
    ring.add(event.update);
  }

  attach(canvas: HTMLCanvasElement, bedId: string, wave: WaveCode, colour: string): StripHandle {
    const strip: Strip = { canvas, bedId, wave, colour, columns: new Float32Array(0), lastCursor: -1, low: 1, high: 0, lastY: null };
    this.strips.add(strip);
    this.changed();
    if (this.frame === null) this.frame = requestAnimationFrame(this.loop);
    return {
      setColour: (c) => {
        strip.colour = c;
        // The whole strip takes the new colour at once (an alarm starting must show everywhere).
        strip.lastCursor = -1;
      },
      detach: () => {
        this.strips.delete(strip);
        this.changed();
      },
    };
  }

  /** After a reconnect the station has forgotten what this screen showed: ask again. */
  resubscribe(): void {
    this.subscription = '';
    this.changed();
  }

  /** Subscriptions follow the mounted strips, once per burst of mounts (a scroll mounts many). */
  private changed(): void {
    if (this.subscribeTimer) return;
    this.subscribeTimer = setTimeout(() => {
      this.subscribeTimer = null;
      const beds = [...new Set([...this.strips].map((s) => s.bedId))].sort();
      const waves = [...new Set([...this.strips].map((s) => s.wave))].sort();
      const key = `${beds.join(',')}|${waves.join(',')}`;
      if (key === this.subscription) return;
      this.subscription = key;
      for (const k of this.rings.keys()) if (!beds.includes(k.split('|')[0]!)) this.rings.delete(k);
      this.subscribe(beds, waves).catch(() => (this.subscription = ''));
    }, 50);
  }

  private readonly loop = (): void => {
    this.frame = null;
    if (this.strips.size === 0) return;
    const now = this.now();
    for (const strip of this.strips) this.draw(strip, now);
    this.framesDrawn++;
    this.frame = requestAnimationFrame(this.loop);
  };

  /**
   * Like a monitor's sweep: each frame draws only the columns the cursor passed since the last
   * frame (one or two) and erases the band ahead of it; the whole strip is redrawn only when it is
   * new, resized, recoloured, or was not drawn for half a sweep (a hidden tab).
   */
  private draw(strip: Strip, now: number): void {
    const { canvas } = strip;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (width === 0 || height === 0) return;
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
      strip.lastCursor = -1;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const ring = this.rings.get(`${strip.bedId}|${strip.wave}`);
    const playout = now - PLAYOUT_DELAY_MS;
    const msPerPx = 1000 / SWEEP_PX_PER_S;
    const cursor = Math.floor(((playout / 1000) * SWEEP_PX_PER_S) % width);
    const advanced = strip.lastCursor < 0 ? width : (cursor - strip.lastCursor + width) % width;
    if (!ring || advanced > width / 2 || strip.lastCursor < 0 || strip.high < strip.low) {
      ctx.clearRect(0, 0, width, height);
      strip.lastCursor = cursor;
      strip.lastY = null;
      if (ring) this.drawAll(strip, ctx, ring, width, height, playout, cursor);
      return;
    }
    if (advanced === 0) return;
    const y = this.yScale(strip, height);
    ctx.strokeStyle = strip.colour;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let wrapped = false;
    for (let k = 1; k <= advanced; k++) {
      const x = (strip.lastCursor + k) % width;
      if (x === 0) {
        strip.lastY = null;
        wrapped = true;
      }
      // Erase this column and the band ahead: the previous sweep's line goes as the new one comes.
      ctx.clearRect(x, 0, 1 + ERASE_PX, height);
      if (x + 1 + ERASE_PX > width) ctx.clearRect(0, 0, x + 1 + ERASE_PX - width, height);
      const behind = cursor >= x ? cursor - x : cursor + width - x;
      const r = ring.range(playout - (behind + 1) * msPerPx, playout - behind * msPerPx);
      if (!r) {
        strip.lastY = null;
        continue;
      }
      if (strip.lastY === null) ctx.moveTo(x + 0.5, y(r.min));
      else {
        ctx.moveTo(x - 0.5, strip.lastY);
        ctx.lineTo(x + 0.5, y(r.min));
      }
      ctx.lineTo(x + 0.5, y(r.max));
      strip.lastY = y(r.max);
    }
    ctx.stroke();
    // Each new sweep redraws once with a scale fitted to what is on screen now.
    strip.lastCursor = wrapped ? -1 : cursor;
  }

  private yScale(strip: Strip, height: number): (v: number) => number {
    const pad = (strip.high - strip.low) * 0.08 || 1;
    return (v: number) => height - 1 - ((v - strip.low + pad) / (strip.high - strip.low + 2 * pad)) * (height - 2);
  }

  private drawAll(strip: Strip, ctx: CanvasRenderingContext2D, ring: WaveRing, width: number, height: number, playout: number, cursor: number): void {
    const msPerPx = 1000 / SWEEP_PX_PER_S;
    if (strip.columns.length !== width * 2) strip.columns = new Float32Array(width * 2);
    const cols = strip.columns;
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    for (let x = 0; x < width; x++) {
      // Left of the cursor: this sweep; right of it (past the erased band): the previous sweep.
      const behind = x <= cursor ? cursor - x : cursor + width - x;
      const r = x > cursor && x <= cursor + ERASE_PX ? null : ring.range(playout - (behind + 1) * msPerPx, playout - behind * msPerPx);
      cols[2 * x] = r ? r.min : Number.NaN;
      cols[2 * x + 1] = r ? r.max : Number.NaN;
      if (r) {
        if (r.min < low) low = r.min;
        if (r.max > high) high = r.max;
      }
    }
    if (!(low <= high)) return;
    // The scale is fixed until the next full redraw, so old and new sweeps stay comparable.
    strip.low = low;
    strip.high = high;
    const y = this.yScale(strip, height);
    ctx.strokeStyle = strip.colour;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let drawing = false;
    for (let x = 0; x < width; x++) {
      const min = cols[2 * x]!;
      // A column without samples breaks the line: gaps are shown as gaps. So does the cursor.
      if (Number.isNaN(min) || x === cursor + 1) {
        drawing = false;
        if (Number.isNaN(min)) continue;
      }
      const max = cols[2 * x + 1]!;
      if (drawing) ctx.lineTo(x + 0.5, y(min));
      else ctx.moveTo(x + 0.5, y(min));
      ctx.lineTo(x + 0.5, y(max));
      drawing = true;
    }
    ctx.stroke();
    const atCursor = cols[2 * cursor + 1]!;
    strip.lastY = Number.isNaN(atCursor) ? null : y(atCursor);
  }
}
