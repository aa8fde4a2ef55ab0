import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who holds a data directory's lock, precisely enough to tell later whether that process still runs: a pid
 * alone is not enough, since pids are reused and start again from 1 after a reboot or in a new container.
 */
export interface ProcessIdentity {
  pid: number;
  hostname: string;
  /** Linux's id of the current boot; absent elsewhere. */
  bootId?: string;
  /** When the process started, in clock ticks since boot (field 22 of /proc/PID/stat); absent elsewhere. */
  startTicks?: string;
  /**
   * The machine's id (/etc/machine-id) and the pid namespace (/proc/self/ns/pid): a host name is no proof of the
   * same machine (cloned machines, `localhost`), nor of the same pids (containers of one host name).
   */
  machineId?: string;
  pidNamespace?: string;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** State and start time from /proc/PID/stat; the command name (field 2) may hold spaces and parentheses. */
function procStat(pid: number): { state: string; startTicks: string } | undefined {
  const text = readText(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTicks = fields[19];
  return state && startTicks ? { state, startTicks } : undefined;
}

const procAvailable = (): boolean => readText('/proc/self/stat') !== undefined;

function pidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

export function currentProcess(): ProcessIdentity {
  const bootId = readText('/proc/sys/kernel/random/boot_id')?.trim();
  const startTicks = procStat(process.pid)?.startTicks;
  const machineId = readText('/etc/machine-id')?.trim();
  const namespace = pidNamespace();
  return {
    pid: process.pid,
    hostname: hostname(),
    ...(bootId ? { bootId } : {}),
    ...(startTicks ? { startTicks } : {}),
    ...(machineId ? { machineId } : {}),
    ...(namespace ? { pidNamespace: namespace } : {}),
  };
}

/**
 * Whether the process still runs: 'dead' only when that is certain; 'unknown' when it ran on another host
 * (a data directory on a shared file system), where nothing here can tell.
 */
export function processState(identity: ProcessIdentity): 'alive' | 'dead' | 'unknown' {
  if (identity.hostname !== hostname()) return 'unknown';
  const here = currentProcess();
  // Another machine or container of the same host name: its pids and boots are not this one's to judge.
  const differs = (key: 'machineId' | 'pidNamespace') =>
    identity[key] !== undefined && here[key] !== undefined && identity[key] !== here[key];
  if (differs('machineId') || differs('pidNamespace')) return 'unknown';
  if (identity.bootId && here.bootId && identity.bootId !== here.bootId) return 'dead';
  if (procAvailable()) {
    const stat = procStat(identity.pid);
    // A zombie has exited; only its parent has not collected its status yet.
    if (!stat || stat.state === 'Z' || stat.state === 'X') return 'dead';
    if (identity.startTicks && identity.startTicks !== stat.startTicks) return 'dead';
    return 'alive';
  }
  try {
    process.kill(identity.pid, 0);
    return 'alive';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? 'alive' : 'dead';
  }
}
