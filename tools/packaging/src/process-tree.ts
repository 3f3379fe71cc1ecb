import { readdirSync, readFileSync } from "node:fs";

/** A process as Linux's /proc shows it. */
export interface ProcessInfo {
  pid: number;
  parent: number;
  /** R, S, D, Z (zombie: exited, not yet reaped)... */
  state: string;
  /** Its command line, arguments joined by spaces. */
  command: string;
}

function read(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (name) state ppid ...": the name may hold spaces and parentheses.
    const [state, parent] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
    return { pid, parent: Number(parent), state: state!, command };
  } catch {
    return undefined; // gone meanwhile
  }
}

/** Every live process below `pid`: its children, their children... */
export function descendants(pid: number): ProcessInfo[] {
  const all = readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => read(Number(entry)))
    .filter((info): info is ProcessInfo => info !== undefined);
  const found: ProcessInfo[] = [];
  const parents = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const info of all) {
      if (parents.has(info.parent) && !parents.has(info.pid)) {
        parents.add(info.pid);
        found.push(info);
        grew = true;
      }
    }
  }
  return found;
}

/** True while `pid` runs (a zombie has exited: it counts as gone), with `command` when given (not a new process that got the id). */
export function isRunning(pid: number, command?: string): boolean {
  const info = read(pid);
  return info !== undefined && info.state !== "Z" && (command === undefined || info.command === command);
}
