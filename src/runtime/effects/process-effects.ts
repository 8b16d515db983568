/**
 * The real effects that watch `process` services: how a started instance ends, whether the port
 * of its health check is free before the start, and the observation its verdict rests on (alive,
 * the same process, holding its port). Log lines and commands are masked on the way out.
 */
import { portHolder } from '../../adapters/port-holder.js';
import {
  listServices,
  recordedInstance,
  taggedServiceOf,
  type ProcessManagerOptions,
} from '../../adapters/process.js';
import { watchInstance } from '../../adapters/process-exits.js';
import { isSameProcess } from '../../core/liveness.js';
import type { Masker } from '../../core/mask.js';
import type { Effects, ProcessExit, ProcessSeen } from '../../machines/effects.js';
import { probePort } from './probe-port.js';

/**
 * The service of this environment whose registered process group is `pgrp`, if any: a health
 * check may go through another service stagecraft runs (a proxy in front of it).
 */
async function serviceOfGroup(
  procOpts: ProcessManagerOptions,
  pgrp: number | undefined,
): Promise<string | undefined> {
  if (pgrp === undefined) return undefined;
  return (await listServices(procOpts)).find((s) => s.alive && s.pid === pgrp)?.service;
}

/** The process-watching effects of one run. */
export function processEffects(
  procOpts: ProcessManagerOptions,
  mask: Masker,
): Pick<Effects, 'watchProcess' | 'checkPort' | 'observeProcess'> {
  return {
    watchProcess: async ({ service, process: info }, signal) => {
      const instance = info ?? (await recordedInstance(procOpts, service));
      // Nothing recorded: nothing of ours runs to watch.
      if (instance === undefined) return new Promise<ProcessExit>(() => undefined);
      const exit = await watchInstance(instance, signal);
      return mask.active ? { ...exit, tail: exit.tail.map((l) => mask.text(l)) } : exit;
    },
    checkPort: async ({ probe }) => {
      const target = probe === undefined ? undefined : probePort(probe);
      if (target === undefined) return { taken: false };
      const holder = portHolder(target.host, target.port);
      if (holder === null || holder === undefined) return { taken: false, ...target };
      // The service's own previous instance is stopped before the new one starts; another
      // service stagecraft runs (a proxy its check goes through) is not "another program".
      if ((await serviceOfGroup(procOpts, holder.pgrp)) !== undefined)
        return { taken: false, ...target };
      // So is an instance a killed run started but never recorded (resume after kill -9): its
      // environment carries this state dir's tag, and starting the service stops it first.
      const holderPid = holder.pid ?? holder.pgrp;
      if (holderPid !== undefined && taggedServiceOf(procOpts, holderPid) !== undefined)
        return { taken: false, ...target };
      const who =
        holder.pid === undefined
          ? {}
          : {
              holder: {
                pid: holder.pid,
                ...(holder.command === undefined ? {} : { command: mask.text(holder.command) }),
              },
            };
      return { taken: true, ...target, ...who };
    },
    observeProcess: async ({ process: info, probe }, signal): Promise<ProcessSeen> => {
      if (!isSameProcess(info.pid, info.procStart)) {
        const exit = await watchInstance(info, signal);
        return {
          observed: { pid: info.pid, alive: false },
          exit: mask.active ? { ...exit, tail: exit.tail.map((l) => mask.text(l)) } : exit,
        };
      }
      const target = probe === undefined ? undefined : probePort(probe);
      const holder = target === undefined ? null : portHolder(target.host, target.port, info.pid);
      if (target === undefined || holder === null)
        return { observed: { pid: info.pid, alive: true } };
      const ours = holder?.pgrp === undefined ? undefined : holder.pgrp === info.pid;
      const via = ours === false ? await serviceOfGroup(procOpts, holder?.pgrp) : undefined;
      return {
        observed: {
          pid: info.pid,
          alive: true,
          port: {
            ...target,
            ...(holder?.pid === undefined ? {} : { holder: holder.pid }),
            ...(ours === undefined ? {} : { ours }),
            ...(via === undefined ? {} : { via }),
          },
        },
        ...(ours === false && via === undefined && holder?.pid !== undefined
          ? {
              holder: {
                pid: holder.pid,
                ...(holder.command === undefined ? {} : { command: mask.text(holder.command) }),
              },
            }
          : {}),
      };
    },
  };
}
