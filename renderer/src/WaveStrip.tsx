import { useEffect, useRef } from 'react';
import { WAVES, type WaveCode } from '../../gateway/protocol/wave-frames.js';
import type { StripHandle, WaveStrips } from './wave-strips.js';

/**
 * A live waveform strip on a tile. React only mounts the canvas; the drawing happens in the
 * strips' own animation-frame loop, so 60 redraws a second never touch React.
 */
export function WaveStrip({ strips, bedId, wave, colour }: { strips: WaveStrips; bedId: string; wave: WaveCode; colour: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const handle = useRef<StripHandle | null>(null);
  const initialColour = useRef(colour);
  useEffect(() => {
    const h = strips.attach(canvas.current!, bedId, wave, initialColour.current);
    handle.current = h;
    return () => h.detach();
  }, [strips, bedId, wave]);
  useEffect(() => {
    handle.current?.setColour(colour);
  }, [colour]);
  return <canvas ref={canvas} className="wave-strip" data-testid={`wave-${wave}`} aria-label={`${WAVES[wave].label} waveform`} />;
}
