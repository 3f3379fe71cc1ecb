/** A small line chart of `values` (undefined: a gap) over the last minutes, with its latest and highest value. */
export function Sparkline(props: { title: string; values: ReadonlyArray<number | undefined>; unit: string; testId?: string }) {
  const width = 360;
  const height = 80;
  const known = props.values.filter((value): value is number => value !== undefined);
  const max = Math.max(1, ...known);
  const step = props.values.length > 1 ? width / (props.values.length - 1) : width;
  const segments: string[] = [];
  let current: string[] = [];
  props.values.forEach((value, index) => {
    if (value === undefined) {
      if (current.length) segments.push(current.join(" "));
      current = [];
      return;
    }
    current.push(`${(index * step).toFixed(1)},${(height - 4 - (value / max) * (height - 8)).toFixed(1)}`);
  });
  if (current.length) segments.push(current.join(" "));
  const latest = known[known.length - 1];
  return (
    <figure class="chart" data-testid={props.testId}>
      <figcaption>
        {props.title}: <strong>{latest === undefined ? "—" : format(latest)}</strong> {props.unit}
        <span class="muted"> (highest {format(Math.max(0, ...known))})</span>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={props.title}>
        <line x1="0" y1={height - 4} x2={width} y2={height - 4} class="axis" />
        {segments.map((points) => (
          <polyline points={points} class="line" />
        ))}
      </svg>
    </figure>
  );
}

function format(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString("en-US") : value.toFixed(value % 1 === 0 ? 0 : 1);
}
