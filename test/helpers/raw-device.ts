import { WebSocket } from 'ws';

/** A text frame the station sends a device (ack, error, wave_ack). */
export type ServerFrame = { type: string; seq?: number | null; code?: string; message?: string };

export interface RawDevice {
  readonly ws: WebSocket;
  /** Every text frame received so far, in order. */
  readonly frames: ServerFrame[];
  /** The first frame, received already or still to come, that matches. */
  next(pred: (f: ServerFrame) => boolean): Promise<ServerFrame>;
}

/** A raw device connection to a station's device port that records every text frame the station sends. */
export async function rawDevice(port: number, key: string): Promise<RawDevice> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/devices`, { headers: { authorization: `Bearer ${key}` } });
  const frames: ServerFrame[] = [];
  const waiters: Array<{ pred: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }> = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as ServerFrame;
    frames.push(frame);
    for (const w of [...waiters]) {
      if (!w.pred(frame)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(frame);
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return {
    ws,
    frames,
    next: (pred) => {
      const seen = frames.find(pred);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}
