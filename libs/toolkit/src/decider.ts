/** Where and when a recorded event sits: what `evolve` may read besides the event itself. */
export interface EventContext {
  /** The event's id. */
  readonly id: string;
  readonly stream: string;
  /** 0-based, in the stream. */
  readonly revision: bigint;
  /** In the global log. */
  readonly position: bigint;
  /** When the event was committed. */
  readonly recordedAt: Date;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * A domain as three pure functions: where the fold of an entity's events starts,
 * how one event changes the state, and which events a command records given the
 * state (throwing a domain error when it is refused). No I/O.
 *
 * `evolve` may ignore its third argument; it is there for states that keep when
 * or by whom they were changed.
 */
export interface Decider<Command, Event, State> {
  initialState(): State;
  evolve(state: State, event: Event, context: EventContext): State;
  decide(command: Command, state: State): readonly Event[];
}
