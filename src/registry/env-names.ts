// Registry fields that name the environment variable holding a secret (a Prometheus bearer token, a notification
// URL, a PagerDuty routing key) are read in jobs that also hold the runner's own variables: an action's inputs
// (INPUT_TOKEN is the App token in the monitor, scheduler and incident jobs), the Actions runtime's credentials,
// GitHub's and the runner's. Naming one of those would send it, with a URL the registry also names, to whoever
// runs that URL. So they are refused, by the schema and again where the variable is read. Pure.

/** The prefixes of the variables the runner and the action itself set. */
export const RESERVED_ENV_PREFIXES = ['INPUT_', 'ACTIONS_', 'GITHUB_', 'RUNNER_'] as const;

/** The JSON Schema pattern of a secret's variable name. */
export const SECRET_ENV_PATTERN = `^(?!${RESERVED_ENV_PREFIXES.join('|')})[A-Z_][A-Z0-9_]{0,127}$`;

/** Whether `name` is one of the runner's or the action's own variables, never a secret the registry may name. */
export const isReservedEnvName = (name: string): boolean =>
  RESERVED_ENV_PREFIXES.some((prefix) => name.toUpperCase().startsWith(prefix));
