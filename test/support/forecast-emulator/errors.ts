/** A service error as Amazon Forecast answers it: HTTP status plus the `__type` code the SDK maps to an exception. */
export class ForecastEmulatorError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export function notFound(arn: string): ForecastEmulatorError {
  return new ForecastEmulatorError("ResourceNotFoundException", `No resource found ${arn}`);
}

export function invalidInput(message: string): ForecastEmulatorError {
  return new ForecastEmulatorError("InvalidInputException", message);
}
