/** Previous / next buttons around a label such as `page 2`. */
export function Pager(props: { label: string; previous?: (() => void) | undefined; next?: (() => void) | undefined; previousLabel?: string; nextLabel?: string }) {
  return (
    <nav class="pager" aria-label="pages">
      <button type="button" disabled={!props.previous} onClick={props.previous} data-testid="previous">
        ← {props.previousLabel ?? "Previous"}
      </button>
      <span>{props.label}</span>
      <button type="button" disabled={!props.next} onClick={props.next} data-testid="next">
        {props.nextLabel ?? "Next"} →
      </button>
    </nav>
  );
}
