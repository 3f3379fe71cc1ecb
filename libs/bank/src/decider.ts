import { evolve, initialState } from "./account.js";
import type { AccountState } from "./account.js";
import type { AccountCommand } from "./commands.js";
import { decide } from "./decide.js";
import type { AccountEvent } from "./events.js";

/** A domain as three pure functions: what a command records, how events fold into state, where the fold starts. */
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** The bank account decider. */
export const decider: Decider<AccountCommand, AccountEvent, AccountState> = {
  decide,
  evolve,
  initialState,
};
