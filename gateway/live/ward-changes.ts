import type { DeviceRegistry } from '../storage/device-registry.js';
import type { WardRepository } from '../storage/ward-repository.js';
import type { WardState } from './ward-state.js';

/**
 * Registrations, revocations and admissions take effect at once: revoked devices are cut off and
 * the screens get the new layout. Changes made by another process (the CLI) within a second.
 * Returns the function that stops following them.
 */
export function followWardChanges(registry: DeviceRegistry, ward: WardRepository, state: WardState, transports: { revalidate(): void }): () => void {
  const offRegistry = registry.onChange(() => {
    transports.revalidate();
    state.layoutChanged();
  });
  // An admission changes which patient a device's samples belong to: one place re-reads that.
  const offWard = ward.onChange(() => registry.reload());
  const watch = setInterval(() => registry.refreshIfChanged(), 1000);
  watch.unref();
  return () => {
    clearInterval(watch);
    offRegistry();
    offWard();
  };
}
