/**
 * The Electron shell, kept thin on purpose: a window, a tray, the single-instance lock, OS
 * notifications, and the supervision of the gateway, which does all the real work in a
 * utilityProcess (no SQL, serial or HTTP here, so the UI thread never stalls on them).
 */
import { app, BrowserWindow, Menu, Notification, Tray, ipcMain, nativeImage, session, utilityProcess, type UtilityProcess } from 'electron';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STATION_IPC } from '../gateway/protocol/station-api.js';
import type { GatewayConnection } from '../gateway/protocol/ui-channel.js';

const here = dirname(fileURLToPath(import.meta.url));

interface GatewayReady {
  type: 'ready';
  uiUrl: string;
  channelUrl: string;
  token: string;
}

let window: BrowserWindow | null = null;
let tray: Tray | null = null;
let gateway: UtilityProcess | null = null;
let ready: GatewayReady | null = null;
let quitting = false;
let restartDelayMs = 500;
const connectionWaiters: Array<(c: GatewayConnection) => void> = [];

// Alarm tones must sound without anyone clicking the window first (a browser's autoplay policy
// would keep them silent until then).
app.commandLine.appendSwitch('autoplay-policy', 'no-user-gesture-required');

/**
 * IT's commands on an installed desktop station (`ward-station import --from ward.csv`, with the
 * app's executable): the same gateway code, run by Electron as Node on this app's data folder.
 * They never take the window's single-instance lock, so they work while the station runs.
 */
const ADMIN_COMMANDS = new Set(['devices', 'beds', 'patients', 'nurses', 'import', 'backup', 'restore', 'health']);
const commandArgs = process.argv.slice(app.isPackaged ? 1 : 2);

if (ADMIN_COMMANDS.has(commandArgs[0] ?? '')) {
  const child = spawn(process.execPath, [join(here, 'gateway.js'), ...commandArgs, '--data-dir', app.getPath('userData')], {
    stdio: 'inherit',
    env: { ...gatewayEnv(), ELECTRON_RUN_AS_NODE: '1' },
  });
  child.on('exit', (code) => app.exit(code ?? 1));
} else if (!app.requestSingleInstanceLock()) {
  // A second station on one workstation would fight over ports and the database.
  app.quit();
} else {
  app.on('second-instance', () => showWindow());
  app.whenReady().then(onReady, (error: unknown) => {
    console.error('station failed to start', error);
    app.exit(1);
  });
}

function connection(): GatewayConnection | null {
  return ready ? { url: ready.channelUrl, token: ready.token } : null;
}

/**
 * In a checkout, `npm start` rebuilds better-sqlite3 for Electron's ABI into .electron-native/
 * (main/packaging/electron-native.mjs). An installed app has it rebuilt in place by packaging.
 */
function sqliteBinding(): string | undefined {
  const candidate = join(app.getAppPath(), '.electron-native', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  return existsSync(candidate) ? candidate : undefined;
}

/**
 * The gateway's environment. An installed app starts without the demo ward and shows the set-up
 * screen, which names this executable as the command for IT (`"Ward Station.exe" import …`).
 */
function gatewayEnv(): NodeJS.ProcessEnv {
  const binding = sqliteBinding();
  return {
    ...process.env,
    ...(binding ? { WARD_SQLITE_BINDING: binding } : {}),
    ...(app.isPackaged ? { WARD_INSTALLED: '1', WARD_COMMAND: `"${process.execPath}"` } : {}),
  };
}

function startGateway(): void {
  gateway = utilityProcess.fork(join(here, 'gateway.js'), ['run', '--data-dir', app.getPath('userData'), '--renderer-dir', join(here, '..', 'renderer')], {
    serviceName: 'ward-gateway',
    stdio: 'inherit',
    env: gatewayEnv(),
  });
  gateway.on('message', (message: GatewayReady) => {
    if (message?.type !== 'ready') return;
    const restarted = ready !== null;
    ready = message;
    restartDelayMs = 500;
    const c = connection()!;
    for (const waiter of connectionWaiters.splice(0)) waiter(c);
    if (restarted) window?.webContents.send(STATION_IPC.gatewayRestarted, c);
    if (!window) createWindow(message.uiUrl.replace(/#.*$/, ''));
  });
  gateway.on('exit', (code) => {
    gateway = null;
    if (quitting) return;
    // The gateway holds the alarms: bring it back at once, backing off only if it keeps dying.
    console.error(`gateway exited (code ${code}); restarting in ${restartDelayMs} ms`);
    setTimeout(startGateway, restartDelayMs);
    restartDelayMs = Math.min(restartDelayMs * 2, 10_000);
  });
}

function createWindow(pageUrl: string): void {
  window = new BrowserWindow({
    width: 1600,
    height: 1000,
    backgroundColor: '#0b0f14',
    title: 'Ward station',
    webPreferences: {
      preload: join(here, '..', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  const origin = new URL(pageUrl).origin;
  // Navigation stays on the gateway's page; nothing opens new windows.
  window.webContents.on('will-navigate', (event, url) => {
    if (new URL(url).origin !== origin) event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.on('closed', () => (window = null));
  void window.loadURL(pageUrl);
}

function showWindow(): void {
  if (!window) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

function onReady(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ipcMain.handle(STATION_IPC.connection, () => {
    const c = connection();
    return c ?? new Promise<GatewayConnection>((resolve) => connectionWaiters.push(resolve));
  });
  ipcMain.on(STATION_IPC.notify, (_event, title: string, body: string) => {
    if (window?.isFocused()) return;
    const n = new Notification({ title, body, urgency: 'critical' });
    n.on('click', showWindow);
    n.show();
  });
  ipcMain.on(STATION_IPC.alarms, (_event, count: number, newHighPriority: boolean) => {
    tray?.setToolTip(count > 0 ? `Ward station — ${count} alarm${count === 1 ? '' : 's'}` : 'Ward station');
    tray?.setTitle(count > 0 ? String(count) : '');
    // A new high-priority alarm brings the ward back in front of the nurse.
    if (newHighPriority) showWindow();
  });
  tray = new Tray(nativeImage.createEmpty());
  tray.setToolTip('Ward station');
  tray.setContextMenu(Menu.buildFromTemplate([{ label: 'Show ward', click: showWindow }, { type: 'separator' }, { label: 'Quit', click: () => app.quit() }]));
  tray.on('click', showWindow);
  startGateway();
}

app.on('before-quit', () => {
  quitting = true;
  gateway?.postMessage({ type: 'shutdown' });
});

app.on('window-all-closed', () => {
  // The station keeps receiving and alarming with the window closed; quit from the tray.
});
