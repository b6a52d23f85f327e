// @actions/github reads its context once, when first imported; an action's run() takes the context as an
// argument so a test can hand it one read from the environment it has just set. The class itself is not exported.
import { context } from '@actions/github';

type ActionContext = typeof context;

export const contextFromEnv = (): ActionContext => new (context.constructor as new () => ActionContext)();
