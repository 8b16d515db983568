const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** `1073741824` → `1 GiB`, `1536` → `1.5 KiB`: sizes as the config writes them. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const rounded = Math.round(value * 10) / 10;
  return `${rounded} ${UNITS[unit]}`;
}
