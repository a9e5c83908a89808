/** The Amazon Forecast emulator for tests and benchmarks: `startForecastEmulator`, its state and a synthetic account. */
export { ForecastEmulatorError } from "./errors.js";
export { OPERATIONS } from "./operations.js";
export {
  type FaultSpec,
  type ForecastEmulator,
  type ForecastEmulatorOptions,
  startForecastEmulator,
  type ThrottleOptions,
} from "./server.js";
export { type CreateInput, ForecastState, type ForecastStateOptions, type SeedOptions } from "./state.js";
export { type SyntheticAccount, type SyntheticAccountOptions, seedSyntheticAccount } from "./synthetic.js";
