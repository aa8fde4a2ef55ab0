import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { currentProcess, processState } from './data-dir-process.js';

/** A process of this machine that has exited: its pid, as a lock it held would name it. */
function exitedPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

describe('processState', () => {
  it('knows a process of this machine and pid namespace alive or gone', () => {
    expect(processState(currentProcess())).toBe('alive');
    const { startTicks: _started, ...here } = currentProcess();
    expect(processState({ ...here, pid: exitedPid() })).toBe('dead');
  });

  it('cannot tell for another machine or container of the same host name, nor another host', () => {
    const here = currentProcess();
    const gone = exitedPid();
    // Where this machine reports the ids (Linux): a lock of the same host name from elsewhere is never judged gone.
    if (here.machineId) expect(processState({ ...here, pid: gone, machineId: 'another' })).toBe('unknown');
    if (here.pidNamespace)
      expect(processState({ ...here, pid: gone, pidNamespace: 'pid:[1]' })).toBe('unknown');
    expect(processState({ ...here, pid: gone, hostname: `${here.hostname}-elsewhere` })).toBe('unknown');
  });
});
