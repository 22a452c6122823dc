import type { StationStatus } from '../../gateway/protocol/ui-channel.js';

function ago(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s ago`;
  if (ms < 3600_000) return `${Math.round(ms / 60_000)} min ago`;
  return `${Math.round(ms / 3600_000)} h ago`;
}

/** Sync and storage, in words a nurse or IT can act on. */
export function StatusBar({ status, now }: { status: StationStatus | null; now: number }) {
  if (!status) return <span className="statusbar" />;
  const { sync, storage } = status;
  const used = Math.round((storage.bytes / storage.budgetBytes) * 100);
  return (
    <span className="statusbar" data-testid="status-bar">
      <span className={sync.consecutiveFailures > 0 ? 'warn' : ''}>
        {sync.enabled
          ? `Cloud sync: ${sync.queuedRows.toLocaleString()} queued · last ${sync.lastSuccessAt ? ago(now - sync.lastSuccessAt) : 'never'}${sync.lastError ? ` · failing (${sync.lastError})` : ''}`
          : 'Cloud sync: not configured'}
      </span>
      <span className={storage.nearBudget ? 'warn' : ''}>Storage {used}% of budget</span>
    </span>
  );
}
