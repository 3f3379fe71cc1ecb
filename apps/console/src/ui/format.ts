/** `2026-12-01 23:10:05.123`, in the browser's time zone. */
export function formatTime(date: Date | undefined): string {
  if (date === undefined || Number.isNaN(date.getTime()) || date.getTime() === 0) return "—";
  const pad = (value: number, width = 2) => String(value).padStart(width, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** `5 s ago`, `3 min ago`, `2 h ago`, `4 d ago`. */
export function formatAgo(date: Date | undefined, now = Date.now()): string {
  if (date === undefined || date.getTime() === 0) return "";
  return `${formatDuration(Math.max(0, now - date.getTime()))} ago`;
}

/** `850 ms`, `12 s`, `3 min`, `2 h 5 min`, `4 d 3 h`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const seconds = Math.floor(ms / 1_000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** `12,345` */
export function formatCount(value: bigint | number): string {
  return value.toLocaleString("en-US");
}

/** The category of a stream: its name up to the first `-` (`account` for `account-42`); none without one. */
export function categoryOf(stream: string): string | undefined {
  const at = stream.indexOf("-");
  return at > 0 ? stream.slice(0, at) : undefined;
}
