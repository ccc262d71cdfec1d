/** Placeholder until the native addon wrapper lands. */
import type { Backend } from './backend.js';

export function loadNativeBackend(): Backend {
  throw new Error('the native addon is not built yet');
}
