/** Coded errors for the CLI: a usage or runtime error exits 2 with one clear line. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode: 0 | 1 | 2 = 2,
  ) {
    super(message);
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILED_FINDINGS = 1;
export const EXIT_ERROR = 2;
