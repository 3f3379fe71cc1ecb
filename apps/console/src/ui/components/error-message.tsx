import { useConnection } from "../connection.js";
import { describeError } from "../errors.js";

/** A failed call, said clearly; a refused token says so and where to enter another. */
export function ErrorMessage({ error }: { error: unknown }) {
  const { token } = useConnection();
  if (error === undefined) return null;
  const problem = describeError(error, token);
  return (
    <div class={problem.refused ? "problem refused" : "problem"} role="alert" data-testid="error">
      <strong>{problem.title}</strong> {problem.detail}
    </div>
  );
}
