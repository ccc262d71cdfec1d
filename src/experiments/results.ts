/** The results of `midl reproduce`: the types of results.json and their validation. */
export * from './results-types.js';
export { loadResults, validateResults } from './results-validate.js';
