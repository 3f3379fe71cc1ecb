import { AnnalsError, Code } from "@annals/sdk";

/** What the console says about a failed call. */
export interface Problem {
  title: string;
  detail: string;
  /** The server refused the caller (no token, a wrong one, or not allowed). */
  refused: boolean;
}

/** A plain HTTP path (`/metrics`) answered with an error status. */
export class HttpStatusError extends Error {
  constructor(
    readonly path: string,
    readonly status: number,
    body: string,
  ) {
    super(`${path} answered ${status}${body.trim() ? `: ${body.trim().slice(0, 200)}` : ""}`);
    this.name = "HttpStatusError";
  }
}

const tokenHint = "Enter a valid token in the Token field at the top right.";

/** Turns whatever a call threw into a clear sentence, saying so plainly when the server refused the token. */
export function describeError(error: unknown, token: string): Problem {
  const code = error instanceof AnnalsError ? error.code : error instanceof HttpStatusError ? httpCode(error.status) : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (code === Code.Unauthenticated) {
    return {
      title: token === "" ? "The server requires a token." : "The server refused the token.",
      detail: `${message} (unauthenticated). ${tokenHint}`,
      refused: true,
    };
  }
  if (code === Code.PermissionDenied) {
    return { title: "The token is not allowed to do this.", detail: `${message} (permission denied). ${tokenHint}`, refused: true };
  }
  if (code === Code.Unavailable) return { title: "The server cannot be reached.", detail: `${message} (unavailable)`, refused: false };
  if (code !== undefined) return { title: "The call failed.", detail: `${message} (${codeName(code)})`, refused: false };
  return { title: "Something went wrong.", detail: message, refused: false };
}

function httpCode(status: number): Code | undefined {
  if (status === 401) return Code.Unauthenticated;
  if (status === 403) return Code.PermissionDenied;
  if (status === 503) return Code.Unavailable;
  return Code.Unknown;
}

/** `invalid argument` for `Code.InvalidArgument`. */
export function codeName(code: Code): string {
  return (Code[code] ?? `code ${code}`).replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}
